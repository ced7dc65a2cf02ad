package io.lipstream.job.audio;

import java.util.Arrays;

/**
 * Wav2Lip's audio numbers (Rudrabha/Wav2Lip {@code hparams.py}, {@code audio.py}, {@code
 * inference.py}) and the index arithmetic that pairs a video frame with its mel window.
 *
 * <p>Pure constants and integer math; every value cites the file and name it comes from.
 */
public final class Wav2LipAudio {
    /** hparams.py {@code sample_rate}: Wav2Lip resamples all audio to 16 kHz mono. */
    public static final int SAMPLE_RATE = 16000;

    /** hparams.py {@code n_fft}: STFT frame length in samples (50 ms). */
    public static final int N_FFT = 800;

    /** hparams.py {@code hop_size}: one mel column every 200 samples (12.5 ms). */
    public static final int HOP_LENGTH = 200;

    /** hparams.py {@code win_size}: periodic Hann window length, equal to {@link #N_FFT}. */
    public static final int WIN_LENGTH = 800;

    /** hparams.py {@code num_mels}: mel bands per column. */
    public static final int NUM_MELS = 80;

    /** inference.py {@code mel_step_size}: mel columns in one frame's window. */
    public static final int MEL_STEP = 16;

    /** {@link #SAMPLE_RATE} / {@link #HOP_LENGTH}: inference.py's literal {@code 80.}. */
    public static final double MEL_FRAMES_PER_SECOND = 80.0;

    /** hparams.py {@code preemphasis}: audio.py applies {@code lfilter([1, -k], [1], wav)}. */
    public static final double PREEMPHASIS = 0.97;

    /** hparams.py {@code fmin}: lowest mel filter edge in Hz. */
    public static final double FMIN = 55.0;

    /** hparams.py {@code fmax}: highest mel filter edge in Hz. */
    public static final double FMAX = 7600.0;

    /** hparams.py {@code min_level_db}: the floor of the dB scale. */
    public static final double MIN_LEVEL_DB = -100.0;

    /** hparams.py {@code ref_level_db}: subtracted after converting to dB. */
    public static final double REF_LEVEL_DB = 20.0;

    /** hparams.py {@code max_abs_value}: symmetric normalisation range [-4, 4]. */
    public static final double MAX_ABS_VALUE = 4.0;

    /** audio.py {@code _amp_to_db}: {@code exp(min_level_db / 20 * ln 10)}, the amplitude floor. */
    public static final double MIN_LEVEL = 1e-5;

    /** Microseconds per mel column: 10^6 / {@link #MEL_FRAMES_PER_SECOND}. */
    private static final long MICROS_PER_COLUMN = 12_500;

    private Wav2LipAudio() {}

    /**
     * s = (int)(i * (80.0 / fps)) exactly as Wav2Lip (double arithmetic).
     *
     * <p>inference.py: {@code mel_idx_multiplier = 80./fps; start_idx = int(i *
     * mel_idx_multiplier)}. The caller applies Wav2Lip's tail rule (take the last {@link #MEL_STEP}
     * columns when {@code s + 16 > T}).
     *
     * @throws IllegalArgumentException if fps is not a positive finite number or i is negative
     */
    public static int windowStart(long frameIndex, double fps) {
        if (!(fps > 0) || Double.isInfinite(fps)) {
            throw new IllegalArgumentException("fps must be positive and finite, got " + fps);
        }
        if (frameIndex < 0) {
            throw new IllegalArgumentException("frame index must be >= 0, got " + frameIndex);
        }
        double melIdxMultiplier = MEL_FRAMES_PER_SECOND / fps;
        return (int) (frameIndex * melIdxMultiplier);
    }

    /** floor(pts_seconds * 80) for streams without a nominal rate. */
    public static long windowStartForPts(long ptsMicros) {
        // pts * 80 / 10^6 == pts / 12500, computed in integers so no rounding can move the floor
        return Math.floorDiv(ptsMicros, MICROS_PER_COLUMN);
    }

    /**
     * The window starts Wav2Lip's inference.py loop picks for a whole mel of {@code totalColumns}
     * columns: {@code windowStart(i, fps)} while the window fits, then one last window of the final
     * {@link #MEL_STEP} columns, and stop.
     *
     * @throws IllegalArgumentException if fewer than {@link #MEL_STEP} columns exist (Wav2Lip would
     *     slice a narrower window there)
     */
    public static int[] inferenceWindowStarts(long totalColumns, double fps) {
        if (totalColumns < MEL_STEP) {
            throw new IllegalArgumentException(
                    "a window needs "
                            + MEL_STEP
                            + " mel columns (3000 samples), found "
                            + totalColumns);
        }
        int[] starts = new int[16];
        int count = 0;
        for (long i = 0; ; i++) {
            int start = windowStart(i, fps);
            boolean tail = start + MEL_STEP > totalColumns;
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
            }
            starts[count++] = tail ? Math.toIntExact(totalColumns - MEL_STEP) : start;
            if (tail) {
                return Arrays.copyOf(starts, count);
            }
        }
    }

    /** Number of mel columns Wav2Lip computes for n samples: 1 + n/200. */
    public static long columnCount(long samples) {
        if (samples < 0) {
            throw new IllegalArgumentException("sample count must be >= 0, got " + samples);
        }
        // librosa.stft(center=True): 1 + (n + 2 * (n_fft / 2) - n_fft) / hop
        return 1 + samples / HOP_LENGTH;
    }
}
