package io.lipstream.job.audio;

import static io.lipstream.job.audio.Wav2LipAudio.FMAX;
import static io.lipstream.job.audio.Wav2LipAudio.FMIN;
import static io.lipstream.job.audio.Wav2LipAudio.NUM_MELS;
import static io.lipstream.job.audio.Wav2LipAudio.N_FFT;
import static io.lipstream.job.audio.Wav2LipAudio.SAMPLE_RATE;

/**
 * The mel basis of audio.py {@code _build_mel_basis}: librosa 0.7.0 {@code filters.mel(16000, 800,
 * n_mels=80, fmin=55, fmax=7600)} with its defaults {@code htk=False} (Slaney mel scale: linear
 * below 1 kHz, logarithmic above) and {@code norm=1} (Slaney area normalisation).
 *
 * <p>Weights are rounded to float32 in the same two steps as librosa (its {@code dtype=float32}
 * array), then used in double arithmetic. Each band is stored sparsely as the run of FFT bins where
 * it is non-zero.
 */
final class MelFilterBank {
    /** FFT bins of a real 800-point transform: 1 + n_fft / 2. */
    static final int BINS = 1 + N_FFT / 2;

    /** Slaney scale: 200/3 Hz per mel below {@link #MIN_LOG_HZ} (librosa {@code f_sp}). */
    private static final double F_SP = 200.0 / 3;

    /** Slaney scale: start of the logarithmic region in Hz (librosa {@code min_log_hz}). */
    private static final double MIN_LOG_HZ = 1000.0;

    /** Slaney scale: {@link #MIN_LOG_HZ} in mels (librosa {@code min_log_mel}). */
    private static final double MIN_LOG_MEL = MIN_LOG_HZ / F_SP;

    /** Slaney scale: log step per mel above 1 kHz (librosa {@code logstep = ln(6.4) / 27}). */
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    /** The shared basis; immutable after construction. */
    static final MelFilterBank WAV2LIP = new MelFilterBank();

    /** First non-zero bin of each band. */
    private final int[] firstBin = new int[NUM_MELS];

    /** Weights of each band from {@code firstBin[m]} on (all non-zero, or one zero if empty). */
    private final double[][] weights = new double[NUM_MELS][];

    private MelFilterBank() {
        double[] melF = melFrequencies(NUM_MELS + 2, FMIN, FMAX);
        double[] fftFreqs = new double[BINS];
        for (int k = 0; k < BINS; k++) {
            // np.linspace(0, sr / 2, 1 + n_fft // 2)
            fftFreqs[k] = linspace(0, SAMPLE_RATE / 2.0, BINS, k);
        }
        float[] dense = new float[BINS];
        for (int m = 0; m < NUM_MELS; m++) {
            double lowerDiff = melF[m + 1] - melF[m];
            double upperDiff = melF[m + 2] - melF[m + 1];
            double enorm = 2.0 / (melF[m + 2] - melF[m]);
            int first = -1;
            int last = -1;
            for (int k = 0; k < BINS; k++) {
                double lower = -(melF[m] - fftFreqs[k]) / lowerDiff;
                double upper = (melF[m + 2] - fftFreqs[k]) / upperDiff;
                // librosa stores the triangle in float32, then scales in place by enorm
                float tri = (float) Math.max(0, Math.min(lower, upper));
                dense[k] = (float) (tri * enorm);
                if (dense[k] != 0) {
                    if (first < 0) {
                        first = k;
                    }
                    last = k;
                }
            }
            if (first < 0) {
                first = 0;
                last = 0;
            }
            firstBin[m] = first;
            weights[m] = new double[last - first + 1];
            for (int k = first; k <= last; k++) {
                weights[m][k - first] = dense[k];
            }
        }
    }

    /** Writes the 80 mel energies {@code basis . magnitude} into {@code mel}. */
    void apply(double[] magnitude, double[] mel) {
        for (int m = 0; m < NUM_MELS; m++) {
            double[] w = weights[m];
            int first = firstBin[m];
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                sum += w[k] * magnitude[first + k];
            }
            mel[m] = sum;
        }
    }

    /** librosa {@code mel_frequencies(n, fmin, fmax, htk=False)}. */
    private static double[] melFrequencies(int n, double fmin, double fmax) {
        double minMel = hzToMel(fmin);
        double maxMel = hzToMel(fmax);
        double[] hz = new double[n];
        for (int i = 0; i < n; i++) {
            hz[i] = melToHz(linspace(minMel, maxMel, n, i));
        }
        return hz;
    }

    private static double hzToMel(double hz) {
        return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
    }

    private static double melToHz(double mel) {
        return mel >= MIN_LOG_MEL
                ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL))
                : F_SP * mel;
    }

    /** Element i of numpy {@code linspace(start, stop, n)} (endpoint included). */
    private static double linspace(double start, double stop, int n, int i) {
        if (i == n - 1) {
            return stop;
        }
        double step = (stop - start) / (n - 1);
        return start + i * step;
    }
}
