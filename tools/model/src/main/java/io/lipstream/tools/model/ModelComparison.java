package io.lipstream.tools.model;

import io.lipstream.inference.InferenceException;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs the same inputs through a model and something to compare it with, for {@code lipsync model
 * verify}: another model fed seeded random pairs, or reference files {@code mel.npy}, {@code
 * face.npy} and {@code expected.npy} (float32, shapes {@code [n,1,80,16]}, {@code [n,6,S,S]},
 * {@code [n,3,S,S]}) written by the original PyTorch model.
 */
public final class ModelComparison {
    /** Wav2Lip's mel values are clipped to [-4, 4] (audio.py, symmetric_mels, max_abs_value). */
    static final float MEL_ABS_MAX = 4f;

    /** Reference file names inside a {@code --reference} folder. */
    public static final String MEL_FILE = "mel.npy";

    public static final String FACE_FILE = "face.npy";
    public static final String EXPECTED_FILE = "expected.npy";

    /**
     * The largest absolute difference found.
     *
     * @param maxAbs the largest {@code |a - b|} over all output values
     * @param pairs pairs compared
     * @param worstPair the pair holding {@code maxAbs}
     */
    public record Difference(double maxAbs, int pairs, int worstPair) {}

    private ModelComparison() {}

    /**
     * Feeds {@code pairs} seeded random pairs to both models: mel uniform in [-4, 4], a random
     * reference face in [0, 1] and its masked copy with the lower half zeroed, as Wav2Lip builds
     * them.
     *
     * @throws IllegalArgumentException when the models' face sizes differ
     */
    public static Difference compare(Wav2LipModel a, Wav2LipModel b, int pairs, long seed)
            throws InferenceException {
        if (a.faceSize() != b.faceSize()) {
            throw new IllegalArgumentException(
                    "models take different face sizes: "
                            + a.faceSize()
                            + " and "
                            + b.faceSize()
                            + "; expected the same");
        }
        if (pairs <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + pairs);
        }
        int size = a.faceSize();
        FloatBuffer mel = Wav2LipModel.directFloats(pairs * Wav2LipShapes.melValues());
        FloatBuffer face = Wav2LipModel.directFloats(pairs * Wav2LipShapes.faceValues(size));
        fillRandom(mel, face, pairs, size, seed);
        FloatBuffer outA = Wav2LipModel.directFloats(pairs * Wav2LipShapes.outputValues(size));
        FloatBuffer outB = Wav2LipModel.directFloats(pairs * Wav2LipShapes.outputValues(size));
        a.run(mel, face, pairs, outA);
        b.run(mel, face, pairs, outB);
        return difference(outA, outB, pairs, Wav2LipShapes.outputValues(size));
    }

    /**
     * Runs the reference inputs in {@code dir} and compares with its expected outputs.
     *
     * @throws IOException when a file is missing or not a float32 .npy
     * @throws IllegalArgumentException when the arrays' shapes do not fit the model
     */
    public static Difference againstReference(Wav2LipModel model, Path dir)
            throws IOException, InferenceException {
        Npy.Array mel = Npy.readFloat32(dir.resolve(MEL_FILE));
        Npy.Array face = Npy.readFloat32(dir.resolve(FACE_FILE));
        Npy.Array expected = Npy.readFloat32(dir.resolve(EXPECTED_FILE));
        int size = model.faceSize();
        int n = mel.shape().length > 0 ? mel.shape()[0] : 0;
        requireShape(
                MEL_FILE,
                mel,
                n,
                Wav2LipShapes.MEL_CHANNELS,
                Wav2LipShapes.MEL_BANDS,
                Wav2LipShapes.MEL_STEP);
        requireShape(FACE_FILE, face, n, Wav2LipShapes.FACE_CHANNELS, size, size);
        requireShape(EXPECTED_FILE, expected, n, Wav2LipShapes.OUTPUT_CHANNELS, size, size);
        FloatBuffer melBuffer = direct(mel.data());
        FloatBuffer faceBuffer = direct(face.data());
        FloatBuffer out = Wav2LipModel.directFloats(expected.data().length);
        model.run(melBuffer, faceBuffer, n, out);
        return difference(
                out, FloatBuffer.wrap(expected.data()), n, Wav2LipShapes.outputValues(size));
    }

    private static void requireShape(String file, Npy.Array array, int n, int... rest) {
        int[] expected = new int[rest.length + 1];
        expected[0] = n;
        System.arraycopy(rest, 0, expected, 1, rest.length);
        if (n <= 0 || !Arrays.equals(array.shape(), expected)) {
            throw new IllegalArgumentException(
                    file
                            + " has shape "
                            + Arrays.toString(array.shape())
                            + "; expected "
                            + Arrays.toString(expected)
                            + " for this model");
        }
    }

    /** Fills {@code mel} and {@code face} with the seeded random pairs {@link #compare} uses. */
    static void fillRandom(FloatBuffer mel, FloatBuffer face, int pairs, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < mel.capacity(); i++) {
            mel.put(i, (float) random.nextDouble(-MEL_ABS_MAX, MEL_ABS_MAX));
        }
        int plane = size * size;
        int half = Wav2LipShapes.REFERENCE_CHANNEL;
        int firstMaskedRow = size / 2;
        for (int p = 0; p < pairs; p++) {
            int base = p * Wav2LipShapes.faceValues(size);
            for (int c = 0; c < half; c++) {
                for (int i = 0; i < plane; i++) {
                    float v = (float) random.nextDouble();
                    face.put(base + (half + c) * plane + i, v);
                    // Wav2Lip's masked copy: the same face with the lower half set to 0.
                    face.put(base + c * plane + i, i / size >= firstMaskedRow ? 0f : v);
                }
            }
        }
    }

    private static Difference difference(FloatBuffer a, FloatBuffer b, int pairs, int perPair) {
        double max = 0;
        int worst = 0;
        for (int p = 0; p < pairs; p++) {
            for (int i = p * perPair; i < (p + 1) * perPair; i++) {
                double d = Math.abs((double) a.get(i) - b.get(i));
                // A NaN anywhere is an infinite difference, never a pass.
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                if (d > max) {
                    max = d;
                    worst = p;
                }
            }
        }
        return new Difference(max, pairs, worst);
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer buffer = Wav2LipModel.directFloats(values.length);
        buffer.put(0, values);
        return buffer;
    }
}
