package io.lipstream.tools.model;

import static io.lipstream.inference.Wav2LipShapes.FACE_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_BANDS;
import static io.lipstream.inference.Wav2LipShapes.MEL_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_STEP;
import static io.lipstream.inference.Wav2LipShapes.OUTPUT_CHANNELS;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.InferenceException;
import io.lipstream.inference.ModelRejectedException;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import onnx.Onnx.TensorProto;

/**
 * {@code lipsync model import}: turns a Wav2Lip generator checkpoint (Rudrabha/Wav2Lip {@code
 * .pth}, PaddleGAN {@code .pdparams}) into the ONNX model the pipeline runs, and proves the result.
 *
 * <p>Steps: read the checkpoint ({@link CheckpointReader}); match every tensor to the generator by
 * name and shape ({@link Wav2LipParameters}, which refuses with the full list of differences);
 * refuse BatchNorm layers that were never trained (all running statistics at mean 0, variance 1)
 * unless allowed; write the graph (opset {@value OnnxGraphBuilder#OPSET}, inputs {@code mel} {@code
 * [B,1,80,16]} and {@code face} {@code [B,6,96,96]}, output {@code generated} {@code [B,3,96,96]},
 * B fixed or the symbolic {@value ModelSynth#BATCH_DIM}) with BatchNorm folded into the convs; then
 * run seeded random pairs through ONNX Runtime (CPU) and through {@link Wav2LipReference}, plain
 * loops over the unfolded checkpoint parameters, and compare. The model is written to a temporary
 * file beside the output and moved into place only when the largest difference is within the
 * tolerance; otherwise nothing is left behind.
 *
 * <p>With {@link Options#fp16()} the weights are stored as float16 and the graph computes in half
 * precision between a cast of the float32 inputs and a cast of the output back to float32, so the
 * pipeline binds it like any other export; the tolerance is then {@link #FP16_TOLERANCE} by
 * default.
 */
public final class CheckpointImport {
    /** Recorded in the model's producer_name. */
    public static final String PRODUCER = "lipstream model import";

    /** Default largest difference against the reference for float32 weights (issue 8). */
    public static final double FP32_TOLERANCE = 1e-4;

    /**
     * Default for float16: half precision keeps 11 significant bits (relative step 2^-11 = 4.9e-4)
     * and the 51 layers compound it: on the random test checkpoints the outputs move by 1.3e-3.
     */
    public static final double FP16_TOLERANCE = 1e-2;

    /** Random pairs checked by default. */
    public static final int DEFAULT_CHECK_PAIRS = 2;

    // onnx.proto TensorProto.DataType, for Cast's "to".
    private static final int TO_FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int TO_FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    /**
     * How to import.
     *
     * @param batch fixed batch of the model, or null for a dynamic batch
     * @param faceSize face side; Wav2Lip's generator is defined for 96 only
     * @param fp16 store float16 weights and compute in half precision
     * @param checkPairs random pairs compared with the reference, at least 1
     * @param tolerance largest absolute difference accepted, or null for the precision's default
     * @param seed seeds the random pairs
     * @param allowInitialStatistics export even when every BatchNorm holds initial statistics
     */
    public record Options(
            Integer batch,
            int faceSize,
            boolean fp16,
            int checkPairs,
            Double tolerance,
            long seed,
            boolean allowInitialStatistics) {

        /** Dynamic batch, 96x96, float32, {@value #DEFAULT_CHECK_PAIRS} pairs, seed 0. */
        public static Options defaults() {
            return new Options(
                    null, Wav2LipShapes.FACE_SIZE, false, DEFAULT_CHECK_PAIRS, null, 0, false);
        }

        public Options withBatch(Integer fixedBatch) {
            return new Options(
                    fixedBatch,
                    faceSize,
                    fp16,
                    checkPairs,
                    tolerance,
                    seed,
                    allowInitialStatistics);
        }

        public Options withFp16(boolean half) {
            return new Options(
                    batch, faceSize, half, checkPairs, tolerance, seed, allowInitialStatistics);
        }

        public Options withCheckPairs(int pairs) {
            return new Options(
                    batch, faceSize, fp16, pairs, tolerance, seed, allowInitialStatistics);
        }

        public Options withAllowInitialStatistics(boolean allow) {
            return new Options(batch, faceSize, fp16, checkPairs, tolerance, seed, allow);
        }

        /** The tolerance in force. */
        public double effectiveTolerance() {
            if (tolerance != null) {
                return tolerance;
            }
            return fp16 ? FP16_TOLERANCE : FP32_TOLERANCE;
        }
    }

    /**
     * What was imported.
     *
     * @param format the checkpoint's container format
     * @param naming PyTorch or Paddle parameter names
     * @param tensors parameter tensors matched (302 for Wav2Lip with Paddle names; PyTorch adds 50
     *     step counters, not counted)
     * @param checkpointValues values in those tensors, BatchNorm statistics included
     * @param modelParameters values in the written model's initializers (BatchNorm folded)
     * @param notes what the reader did (wrapper, prefix, skipped entries)
     * @param warnings things the user should know (some BatchNorm layers untrained)
     * @param maxDifference largest absolute difference between ONNX Runtime and the reference
     * @param tolerance the tolerance it was held to
     * @param pairsChecked random pairs compared
     * @param modelBytes size of the written model
     * @param readTime reading and matching the checkpoint
     * @param writeTime folding and writing the model
     * @param checkTime the ONNX Runtime run and the reference forward pass
     */
    public record Result(
            Checkpoint.Format format,
            Wav2LipParameters.Naming naming,
            int tensors,
            long checkpointValues,
            long modelParameters,
            List<String> notes,
            List<String> warnings,
            double maxDifference,
            double tolerance,
            int pairsChecked,
            long modelBytes,
            Duration readTime,
            Duration writeTime,
            Duration checkTime) {}

    private CheckpointImport() {}

    /**
     * Imports {@code checkpoint} into {@code out}, replacing any file there only on success.
     *
     * @throws CheckpointException when the checkpoint cannot be read, does not match the generator,
     *     has untrained BatchNorm layers (unless allowed), or the written model differs from the
     *     reference past the tolerance
     * @throws IllegalArgumentException for a face size other than 96, a non-positive batch or a
     *     pair count below 1
     * @throws IOException when a file cannot be read or written
     */
    public static Result run(Path checkpoint, Path out, Options options)
            throws IOException, CheckpointException {
        check(options);
        long start = System.nanoTime();
        try (Checkpoint file = CheckpointReader.read(checkpoint)) {
            Wav2LipParameters parameters;
            try {
                parameters = Wav2LipParameters.match(file.tensors());
            } catch (CheckpointException e) {
                throw new CheckpointException(checkpoint + ": " + e.getMessage(), e);
            }
            List<String> warnings = statisticsWarnings(checkpoint, parameters, options);
            long read = System.nanoTime();

            // Beside the output, so the final move is a rename; created like any new file (not
            // createTempFile, whose owner-only permissions the model would keep).
            Path partial =
                    out.toAbsolutePath()
                            .resolveSibling(
                                    "."
                                            + out.getFileName()
                                            + "."
                                            + ProcessHandle.current().pid()
                                            + "-"
                                            + System.nanoTime()
                                            + ".partial");
            boolean moved = false;
            try {
                long parametersWritten = write(parameters, partial, options);
                long written = System.nanoTime();
                double difference = verify(parameters, partial, options);
                long checked = System.nanoTime();
                if (!(difference <= options.effectiveTolerance())) {
                    throw new CheckpointException(
                            String.format(
                                    Locale.ROOT,
                                    "the imported model differs from the reference forward pass"
                                            + " by %.3g on %d random pairs, past the tolerance"
                                            + " %.1e; %s was not written",
                                    difference,
                                    options.checkPairs(),
                                    options.effectiveTolerance(),
                                    out));
                }
                long bytes = Files.size(partial);
                move(partial, out);
                moved = true;
                return new Result(
                        file.format(),
                        parameters.naming(),
                        parameters.tensorCount(),
                        parameters.valueCount(),
                        parametersWritten,
                        file.notes(),
                        warnings,
                        difference,
                        options.effectiveTolerance(),
                        options.checkPairs(),
                        bytes,
                        Duration.ofNanos(read - start),
                        Duration.ofNanos(written - read),
                        Duration.ofNanos(checked - written));
            } finally {
                if (!moved) {
                    Files.deleteIfExists(partial);
                }
            }
        }
    }

    private static void check(Options o) {
        if (o.faceSize() != Wav2LipArchitecture.FACE_SIZE) {
            throw new IllegalArgumentException(
                    "the Wav2Lip generator is defined for "
                            + Wav2LipArchitecture.FACE_SIZE
                            + "x"
                            + Wav2LipArchitecture.FACE_SIZE
                            + " faces (its encoder reduces 96 pixels to 1); got "
                            + o.faceSize());
        }
        if (o.batch() != null && o.batch() <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + o.batch());
        }
        if (o.checkPairs() < 1) {
            throw new IllegalArgumentException(
                    "at least 1 pair must be checked, got " + o.checkPairs());
        }
    }

    private static List<String> statisticsWarnings(
            Path checkpoint, Wav2LipParameters parameters, Options options)
            throws CheckpointException {
        List<String> initial = parameters.initialStatistics();
        List<String> warnings = new ArrayList<>();
        int all = Wav2LipParameters.batchNormCount();
        String message =
                initial.size()
                        + " of "
                        + all
                        + " BatchNorm layers hold their initial running statistics (mean 0,"
                        + " variance 1), so they were never trained: "
                        + String.join(", ", initial.subList(0, Math.min(initial.size(), 5)))
                        + (initial.size() > 5 ? ", ..." : "");
        if (initial.size() == all && !options.allowInitialStatistics()) {
            throw new CheckpointException(
                    checkpoint
                            + ": "
                            + message
                            + "; this looks like an untrained model (allow it explicitly to"
                            + " export anyway)");
        }
        if (!initial.isEmpty()) {
            warnings.add(message);
        }
        return warnings;
    }

    /** Writes the graph to {@code path}; returns the parameters it holds. */
    private static long write(Wav2LipParameters parameters, Path path, Options options)
            throws IOException, CheckpointException {
        Dim b = Dim.fixedOr(options.batch(), ModelSynth.BATCH_DIM);
        Dim s = Dim.of(options.faceSize());
        OnnxGraphBuilder g = new OnnxGraphBuilder("wav2lip");
        g.input("mel", b, Dim.of(MEL_CHANNELS), Dim.of(MEL_BANDS), Dim.of(MEL_STEP))
                .input("face", b, Dim.of(FACE_CHANNELS), s, s)
                .output("generated", b, Dim.of(OUTPUT_CHANNELS), s, s);
        String mel = "mel";
        String face = "face";
        ConvNodes.Precision precision =
                options.fp16() ? ConvNodes.Precision.FLOAT16 : ConvNodes.Precision.FLOAT32;
        if (options.fp16()) {
            mel = cast(g, mel, "mel.fp16", TO_FLOAT16);
            face = cast(g, face, "face.fp16", TO_FLOAT16);
        }
        String last;
        try {
            last =
                    Wav2LipArchitecture.forward(
                            new ImportedWeightLayers(g, parameters, precision), mel, face);
        } catch (ImportedWeightLayers.Failed e) {
            throw e.checkpointException();
        }
        if (options.fp16()) {
            cast(g, last, "generated", TO_FLOAT);
        } else {
            g.node("Identity", List.of(last), List.of("generated"));
        }
        g.write(path, PRODUCER);
        return g.floatParameterCount();
    }

    private static String cast(OnnxGraphBuilder g, String in, String out, int to) {
        g.node("Cast", List.of(in), List.of(out), OnnxGraphBuilder.intAttr("to", to));
        return out;
    }

    /** The largest |ONNX Runtime - reference| over the random pairs (infinite for NaN). */
    private static double verify(Wav2LipParameters parameters, Path model, Options options)
            throws CheckpointException, IOException {
        int pairs = options.checkPairs();
        int size = options.faceSize();
        FloatBuffer mel = Wav2LipModel.directFloats(pairs * Wav2LipShapes.melValues());
        FloatBuffer face = Wav2LipModel.directFloats(pairs * Wav2LipShapes.faceValues(size));
        ModelComparison.fillRandom(mel, face, pairs, size, options.seed());
        FloatBuffer onnx = Wav2LipModel.directFloats(pairs * Wav2LipShapes.outputValues(size));
        try (Wav2LipModel loaded = Wav2LipModel.load(model, InferenceDevice.CPU, 0)) {
            loaded.run(mel, face, pairs, onnx);
        } catch (InferenceException | ModelRejectedException e) {
            throw new CheckpointException(
                    "ONNX Runtime could not run the written model: " + e.getMessage(), e);
        }
        float[] melValues = new float[mel.capacity()];
        float[] faceValues = new float[face.capacity()];
        mel.get(0, melValues);
        face.get(0, faceValues);
        float[] reference = Wav2LipReference.forward(parameters, melValues, faceValues, pairs);
        double max = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = Math.abs((double) onnx.get(i) - reference[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
