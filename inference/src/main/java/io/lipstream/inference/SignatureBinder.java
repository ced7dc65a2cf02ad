package io.lipstream.inference;

import static io.lipstream.inference.Wav2LipShapes.FACE_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_BANDS;
import static io.lipstream.inference.Wav2LipShapes.MEL_CHANNELS;
import static io.lipstream.inference.Wav2LipShapes.MEL_STEP;
import static io.lipstream.inference.Wav2LipShapes.OUTPUT_CHANNELS;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Binds a model's declared tensors to Wav2Lip's by shape, whatever their names or order: exports
 * call the inputs {@code audio_sequences}/{@code face_sequences}, {@code mel_spectrogram}/{@code
 * video_frames}, {@code source}/{@code target}, {@code x0}/{@code x1}, in either order.
 *
 * <p>Rules: exactly two float inputs, one {@code [B,1,80,16]} (mel) and one {@code [B,6,S,S]}
 * (face) with a fixed S; batch dimensions dynamic or fixed to the same size; an output {@code
 * [B,3,S,S]}. Anything else is a {@link ModelRejectedException} naming expected and found shapes.
 */
final class SignatureBinder {
    /** Marks a dynamic dimension, as ONNX Runtime reports it. */
    static final long DYNAMIC = -1;

    private static final int RANK = 4;
    private static final int BATCH_AXIS = 0;
    private static final int CHANNEL_AXIS = 1;
    private static final int HEIGHT_AXIS = 2;
    private static final int WIDTH_AXIS = 3;
    private static final int WAV2LIP_INPUTS = 2;

    private static final String EXPECTED_INPUTS =
            "expected two float inputs, a mel window [B,1,80,16] (80 mel bands x 16 columns) and a"
                    + " face [B,6,S,S] (masked + reference BGR face), under any names and in any"
                    + " order";

    /** A declared tensor: its name, shape ({@link #DYNAMIC} for symbolic dims) and element type. */
    record Tensor(String name, long[] shape, boolean isFloat) {
        @Override
        public String toString() {
            return name + " " + formatShape(shape);
        }
    }

    private SignatureBinder() {}

    static ModelSignature bind(List<Tensor> inputs, List<Tensor> outputs) {
        if (inputs.size() != WAV2LIP_INPUTS) {
            throw new ModelRejectedException(
                    "model has "
                            + inputs.size()
                            + " inputs ("
                            + list(inputs)
                            + "); "
                            + EXPECTED_INPUTS);
        }
        Tensor mel = null;
        Tensor face = null;
        for (Tensor t : inputs) {
            if (isMel(t)) {
                mel = t;
            } else if (isFace(t)) {
                face = t;
            }
        }
        if (mel == null || face == null) {
            throw new ModelRejectedException(
                    "model inputs " + list(inputs) + " do not match Wav2Lip's; " + EXPECTED_INPUTS);
        }
        int faceSize = (int) face.shape()[HEIGHT_AXIS];
        long melBatch = mel.shape()[BATCH_AXIS];
        long faceBatch = face.shape()[BATCH_AXIS];
        if (melBatch != DYNAMIC && faceBatch != DYNAMIC && melBatch != faceBatch) {
            throw new ModelRejectedException(
                    "model inputs "
                            + list(inputs)
                            + " have different fixed batches; expected the same batch on both");
        }
        long batch = melBatch != DYNAMIC ? melBatch : faceBatch;
        String output = bindOutput(outputs, batch, faceSize);
        return new ModelSignature(
                mel.name(),
                face.name(),
                output,
                faceSize,
                batch == DYNAMIC ? OptionalInt.empty() : OptionalInt.of((int) batch));
    }

    private static String bindOutput(List<Tensor> outputs, long batch, int faceSize) {
        long[] expected = {batch, OUTPUT_CHANNELS, faceSize, faceSize};
        for (Tensor t : outputs) {
            if (isOutput(t, batch, faceSize)) {
                return t.name();
            }
        }
        String found =
                outputs.isEmpty()
                        ? "model has no outputs"
                        : outputs.size() == 1
                                ? "model output "
                                        + outputs.get(0).name()
                                        + " has shape "
                                        + formatShape(outputs.get(0).shape())
                                : "model outputs " + list(outputs) + " have none";
        throw new ModelRejectedException(
                found
                        + "; expected "
                        + formatShape(expected)
                        + " (Wav2Lip's generated face, 3 BGR channels)");
    }

    private static boolean isMel(Tensor t) {
        long[] s = t.shape();
        return t.isFloat()
                && s.length == RANK
                && s[CHANNEL_AXIS] == MEL_CHANNELS
                && s[HEIGHT_AXIS] == MEL_BANDS
                && s[WIDTH_AXIS] == MEL_STEP;
    }

    private static boolean isFace(Tensor t) {
        long[] s = t.shape();
        return t.isFloat()
                && s.length == RANK
                && s[CHANNEL_AXIS] == FACE_CHANNELS
                && s[HEIGHT_AXIS] > 0
                && s[HEIGHT_AXIS] == s[WIDTH_AXIS];
    }

    private static boolean isOutput(Tensor t, long batch, int faceSize) {
        long[] s = t.shape();
        boolean batchFits =
                s.length > 0 && (s[BATCH_AXIS] == DYNAMIC || batch == DYNAMIC || s[0] == batch);
        return t.isFloat()
                && s.length == RANK
                && batchFits
                && s[CHANNEL_AXIS] == OUTPUT_CHANNELS
                && s[HEIGHT_AXIS] == faceSize
                && s[WIDTH_AXIS] == faceSize;
    }

    /** {@code [B,3,96,96]}: a dynamic batch prints as B, other dynamic dims as ?. */
    static String formatShape(long[] shape) {
        List<String> dims = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0) {
                dims.add(Long.toString(shape[i]));
            } else {
                dims.add(i == BATCH_AXIS ? "B" : "?");
            }
        }
        return "[" + String.join(",", dims) + "]";
    }

    private static String list(List<Tensor> tensors) {
        return tensors.stream().map(Tensor::toString).collect(Collectors.joining(", "));
    }
}
