package io.lipstream.tools.model;

import static io.lipstream.inference.Wav2LipShapes.FACE_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_BANDS;
import static io.lipstream.inference.Wav2LipShapes.MEL_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_STEP;
import static io.lipstream.inference.Wav2LipShapes.OUTPUT_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.REFERENCE_CHANNEL;

import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the ONNX models the project generates itself (nothing is downloaded): a faithful but
 * untrained Wav2Lip generator for load and speed tests, an identity model whose output is known
 * exactly, and deliberately odd exports for the binding tests.
 *
 * <p>Inputs follow docs/architecture.md: mel {@code [B,1,80,16]} then face {@code [B,6,S,S]},
 * output {@code [B,3,S,S]}, unless the arch says otherwise. B is the symbolic dim {@code "batch"}
 * or a fixed size.
 */
public final class ModelSynth {
    /** Recorded in the model's producer_name. */
    public static final String PRODUCER = "lipstream ModelSynth";

    /** Name of the symbolic batch dimension of dynamic-batch models. */
    public static final String BATCH_DIM = "batch";

    /** The generated models. */
    public enum Arch {
        /**
         * Returns the reference (unmasked) half of the face input, channels 3..5: {@code output ==
         * face[:,3:6]}. Inputs {@code mel}, {@code face}; output {@code generated}. Any face size.
         */
        IDENTITY,
        /**
         * The Wav2Lip generator of Rudrabha/Wav2Lip with deterministic random weights, 96x96 faces
         * only. Inputs {@code mel}, {@code face}; output {@code generated}.
         */
        WAV2LIP,
        /**
         * {@link #IDENTITY} exported like common Wav2Lip ONNX files: inputs {@code face_sequences}
         * first and {@code audio_sequences} second, output {@code output}.
         */
        IDENTITY_EXPORT_NAMES,
        /**
         * A wrong model for refusal tests: output {@code generated} is the whole face input {@code
         * [B,6,S,S]}, not a 3-channel face.
         */
        SIX_CHANNEL_OUTPUT
    }

    private ModelSynth() {}

    /**
     * Writes {@code arch} to {@code out}.
     *
     * @param batch null for a dynamic batch ({@value #BATCH_DIM}), otherwise the fixed batch
     * @param seed seeds the random weights of {@link Arch#WAV2LIP}; ignored by the others
     * @throws IllegalArgumentException for a non-positive batch or face size, or {@link
     *     Arch#WAV2LIP} at a face size other than 96
     */
    public static void write(Path out, Arch arch, Integer batch, int faceSize, long seed)
            throws IOException {
        graph(arch, batch, faceSize, seed).write(out, PRODUCER);
    }

    /**
     * The parameters PyTorch counts for {@code arch} (BatchNorm scale and shift included, running
     * statistics not): 36,298,035 for {@link Arch#WAV2LIP}, about the 36.3 M of the published
     * model; 0 for the others.
     */
    public static long parameterCount(Arch arch) {
        return arch == Arch.WAV2LIP ? Wav2LipArchitecture.parameterCount() : 0;
    }

    /**
     * The float parameters the written graph holds: for {@link Arch#WAV2LIP} each BatchNorm is
     * folded into its conv, leaving 36,275,283 (the 22,752 BatchNorm scales and shifts become part
     * of the conv weights and biases).
     */
    public static long foldedParameterCount(Arch arch) {
        return arch == Arch.WAV2LIP ? Wav2LipArchitecture.foldedParameterCount() : 0;
    }

    static OnnxGraphBuilder graph(Arch arch, Integer batch, int faceSize, long seed) {
        if (batch != null && batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        if (faceSize <= 0) {
            throw new IllegalArgumentException("face size must be positive, got " + faceSize);
        }
        Dim b = Dim.fixedOr(batch, BATCH_DIM);
        Dim s = Dim.of(faceSize);
        Dim[] mel = {b, Dim.of(MEL_CHANNELS), Dim.of(MEL_BANDS), Dim.of(MEL_STEP)};
        Dim[] face = {b, Dim.of(FACE_CHANNELS), s, s};
        Dim[] generated = {b, Dim.of(OUTPUT_CHANNELS), s, s};
        OnnxGraphBuilder g = new OnnxGraphBuilder(arch.name().toLowerCase(java.util.Locale.ROOT));
        switch (arch) {
            case IDENTITY:
                g.input("mel", mel).input("face", face).output("generated", generated);
                referenceHalf(g, "face", "generated");
                break;
            case IDENTITY_EXPORT_NAMES:
                g.input("face_sequences", face)
                        .input("audio_sequences", mel)
                        .output("output", generated);
                referenceHalf(g, "face_sequences", "output");
                break;
            case SIX_CHANNEL_OUTPUT:
                g.input("mel", mel).input("face", face).output("generated", face);
                g.node("Identity", List.of("face"), List.of("generated"));
                break;
            case WAV2LIP:
                if (faceSize != Wav2LipArchitecture.FACE_SIZE) {
                    throw new IllegalArgumentException(
                            "WAV2LIP is defined for "
                                    + Wav2LipArchitecture.FACE_SIZE
                                    + "x"
                                    + Wav2LipArchitecture.FACE_SIZE
                                    + " faces (its encoder reduces 96 pixels to 1); got "
                                    + faceSize);
                }
                g.input("mel", mel).input("face", face).output("generated", generated);
                String last =
                        Wav2LipArchitecture.forward(new RandomWeightLayers(g, seed), "mel", "face");
                g.node("Identity", List.of(last), List.of("generated"));
                break;
            default:
                throw new IllegalArgumentException("unknown arch " + arch);
        }
        return g;
    }

    /** {@code output = face[:, 3:6]}: a Slice on the channel axis. */
    private static void referenceHalf(OnnxGraphBuilder g, String face, String output) {
        long[] one = {1};
        g.int64Initializer("reference.starts", one, new long[] {REFERENCE_CHANNEL});
        g.int64Initializer("reference.ends", one, new long[] {FACE_CHANNELS});
        g.int64Initializer("reference.axes", one, new long[] {1});
        g.node(
                "Slice",
                List.of(face, "reference.starts", "reference.ends", "reference.axes"),
                List.of(output));
    }
}
