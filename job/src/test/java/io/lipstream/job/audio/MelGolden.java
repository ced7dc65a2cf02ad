package io.lipstream.job.audio;

import io.lipstream.tools.model.Npy;
import java.util.List;

/**
 * The golden files written by {@code job/src/test/python/mel_oracle.py} (Wav2Lip's offline mel,
 * recomputed in numpy), read from the test classpath.
 */
public final class MelGolden {
    /** Signals the oracle wrote, each as NAME.input.npy and NAME.mel.npy. */
    public static final List<String> SIGNALS =
            List.of(
                    "speech",
                    "sweep",
                    "silence",
                    "noise",
                    "three",
                    "short1",
                    "short2",
                    "short399",
                    "short400",
                    "short401",
                    "short599",
                    "short600",
                    "short601",
                    "short799",
                    "short1001");

    /** A frame rate the oracle wrote speech windows for (file speech.windows.TAG.npy). */
    public record WindowRate(String tag, int numerator, int denominator) {
        /** The rate as Wav2Lip holds it: a Python float. */
        public double fps() {
            return numerator / (double) denominator;
        }

        /** The rate as {@code lipsync mel --fps} takes it. */
        public String argument() {
            return denominator == 1 ? Integer.toString(numerator) : numerator + "/" + denominator;
        }
    }

    /** The rates of the golden windows: 25 fps and NTSC's 30000/1001. */
    public static final List<WindowRate> WINDOW_RATES =
            List.of(new WindowRate("fps25", 25, 1), new WindowRate("fps30000_1001", 30000, 1001));

    /** librosa.load of s16 PCM: sample / 32768 (soundfile's scaling). */
    private static final float PCM16_SCALE = 32768f;

    private MelGolden() {}

    /** The exact float32 samples the oracle fed to Wav2Lip's melspectrogram. */
    public static float[] input(String signal) {
        Npy.Array a = read(signal + ".input.npy");
        if (a.dtype().equals("<i2")) {
            float[] x = a.data().clone();
            for (int i = 0; i < x.length; i++) {
                x[i] /= PCM16_SCALE;
            }
            return x;
        }
        return a.data();
    }

    /** Wav2Lip's mel [80][T] for the signal. */
    public static float[][] mel(String signal) {
        return read(signal + ".mel.npy").toMatrix();
    }

    /** Wav2Lip inference.py's mel chunks (N, 80, 16) for the speech at the tagged frame rate. */
    public static Npy.Array speechWindows(String rateTag) {
        return read("speech.windows." + rateTag + ".npy");
    }

    /** Any file of the golden folder. */
    public static Npy.Array read(String fileName) {
        return Npy.resource(MelGolden.class, "/mel-golden/" + fileName);
    }

    /** Largest |a - b| over two equally shaped matrices. */
    public static double maxAbsDiff(float[][] expected, float[][] actual) {
        if (expected.length != actual.length || expected[0].length != actual[0].length) {
            throw new AssertionError(
                    "shape ["
                            + expected.length
                            + "]["
                            + expected[0].length
                            + "] expected, found ["
                            + actual.length
                            + "]["
                            + actual[0].length
                            + "]");
        }
        double max = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < expected[r].length; c++) {
                max = Math.max(max, Math.abs(expected[r][c] - actual[r][c]));
            }
        }
        return max;
    }
}
