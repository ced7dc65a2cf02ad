package io.lipstream.job.audio;

import static io.lipstream.job.audio.Wav2LipAudio.MAX_ABS_VALUE;
import static io.lipstream.job.audio.Wav2LipAudio.MIN_LEVEL;
import static io.lipstream.job.audio.Wav2LipAudio.MIN_LEVEL_DB;
import static io.lipstream.job.audio.Wav2LipAudio.NUM_MELS;
import static io.lipstream.job.audio.Wav2LipAudio.N_FFT;
import static io.lipstream.job.audio.Wav2LipAudio.REF_LEVEL_DB;
import static io.lipstream.job.audio.Wav2LipAudio.WIN_LENGTH;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Turns one STFT frame (800 pre-emphasised samples, already reflect-padded where needed) into one
 * normalised Wav2Lip mel column: periodic Hann window, magnitude spectrum, Slaney mel basis, dB,
 * symmetric normalisation to [-4, 4] (audio.py {@code melspectrogram}).
 *
 * <p>The FFT is JTransforms' {@link DoubleFFT_1D}: pure Java (no JNI library to load once per Flink
 * classloader), double precision like numpy's {@code rfft}, and a mixed-radix plan for n = 800 =
 * 2^5 * 5^2, so the 800-point transform is computed directly -- zero-padding to a power of two
 * would change the bins and break parity with librosa. Plans and scratch arrays are per thread, so
 * streams share nothing mutable and the per-stream state stays plain arrays.
 */
final class MelColumnKernel {
    /** scipy {@code get_window('hann', 800, fftbins=True)}: 0.5 - 0.5 cos(2 pi n / 800). */
    private static final double[] HANN = periodicHann(WIN_LENGTH);

    /** dB per decade of amplitude (audio.py {@code _amp_to_db}: {@code 20 * log10}). */
    private static final double DB_PER_DECADE = 20.0;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private MelColumnKernel() {}

    /** The calling thread's FFT plan and scratch arrays. */
    static Workspace workspace() {
        return WORKSPACE.get();
    }

    /** Per-thread FFT plan and buffers; the caller fills {@link #frame} then calls compute. */
    static final class Workspace {
        /** The 800 samples of the frame to transform (overwritten by compute). */
        final double[] frame = new double[N_FFT];

        private final DoubleFFT_1D fft = new DoubleFFT_1D(N_FFT);
        private final double[] magnitude = new double[MelFilterBank.BINS];
        private final double[] mel = new double[NUM_MELS];

        /** Computes the column of {@link #frame} into {@code dst[off .. off + 80)}. */
        void compute(float[] dst, int off) {
            double[] a = frame;
            for (int i = 0; i < N_FFT; i++) {
                a[i] *= HANN[i];
            }
            // realForward layout (n even): a[0] = Re[0], a[1] = Re[n/2], a[2k], a[2k+1] = Re, Im[k]
            fft.realForward(a);
            magnitude[0] = Math.abs(a[0]);
            magnitude[N_FFT / 2] = Math.abs(a[1]);
            for (int k = 1; k < N_FFT / 2; k++) {
                double re = a[2 * k];
                double im = a[2 * k + 1];
                magnitude[k] = Math.sqrt(re * re + im * im);
            }
            MelFilterBank.WAV2LIP.apply(magnitude, mel);
            for (int m = 0; m < NUM_MELS; m++) {
                dst[off + m] = (float) normalize(mel[m]);
            }
        }
    }

    /** audio.py: {@code _normalize(_amp_to_db(mel) - ref_level_db)} with symmetric clipping. */
    static double normalize(double melAmplitude) {
        double db = DB_PER_DECADE * Math.log10(Math.max(MIN_LEVEL, melAmplitude)) - REF_LEVEL_DB;
        double scaled =
                (2 * MAX_ABS_VALUE) * ((db - MIN_LEVEL_DB) / (-MIN_LEVEL_DB)) - MAX_ABS_VALUE;
        return Math.max(-MAX_ABS_VALUE, Math.min(MAX_ABS_VALUE, scaled));
    }

    private static double[] periodicHann(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
        }
        return w;
    }
}
