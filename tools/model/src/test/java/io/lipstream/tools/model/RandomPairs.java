package io.lipstream.tools.model;

import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** Test data: n random mel/face pairs in direct buffers, as the model takes them. */
public final class RandomPairs {
    public final FloatBuffer mel;
    public final FloatBuffer face;
    public final int size;

    private RandomPairs(FloatBuffer mel, FloatBuffer face, int size) {
        this.mel = mel;
        this.face = face;
        this.size = size;
    }

    public static RandomPairs random(int n, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FloatBuffer mel = Wav2LipModel.directFloats(n * Wav2LipShapes.melValues());
        FloatBuffer face = Wav2LipModel.directFloats(n * Wav2LipShapes.faceValues(size));
        for (int i = 0; i < mel.capacity(); i++) {
            mel.put(i, (float) random.nextDouble(-4, 4));
        }
        for (int i = 0; i < face.capacity(); i++) {
            face.put(i, (float) random.nextDouble());
        }
        return new RandomPairs(mel, face, size);
    }

    /** Pair p's output must be channels 3..5 of pair p's face input. */
    public void assertReferenceHalf(FloatBuffer out, int n) {
        int plane = size * size;
        for (int p = 0; p < n; p++) {
            int faceBase = p * Wav2LipShapes.faceValues(size) + 3 * plane;
            int outBase = p * Wav2LipShapes.outputValues(size);
            for (int i = 0; i < 3 * plane; i++) {
                float expected = face.get(faceBase + i);
                float actual = out.get(outBase + i);
                if (expected != actual) {
                    throw new AssertionError(
                            "pair "
                                    + p
                                    + " value "
                                    + i
                                    + ": expected "
                                    + expected
                                    + " got "
                                    + actual);
                }
            }
        }
    }
}
