package io.lipstream.tools.model;

import java.util.List;
import java.util.Locale;
import onnx.Onnx.TensorProto;

/**
 * A simple check of whether a model's weights look trained or freshly initialised, for {@code
 * lipsync model inspect}.
 *
 * <p>Two signs of a fresh model: conv kernels drawn from a uniform distribution (PyTorch's default
 * {@code kaiming_uniform_} and this project's {@link ModelSynth}) have an excess kurtosis of -1.2
 * per output channel, while trained kernels are peaked or near-Gaussian (about 0 or above); and
 * unfolded BatchNorm or LayerNorm vectors that are all one value (scale 1, shift 0, mean 0,
 * variance 1). Training moves both. Gaussian initialisations are not detected.
 */
public final class WeightStatistics {
    /** Excess kurtosis of a uniform distribution is -1.2; below this a kernel looks uniform. */
    static final double UNIFORM_KURTOSIS_BELOW = -0.9;

    /** Kernels with fewer values per output channel give too noisy a kurtosis to judge. */
    static final int MIN_VALUES_PER_CHANNEL = 64;

    /** Fewer norm-like vectors than this say nothing about training. */
    static final int MIN_NORM_VECTORS = 4;

    private static final int KERNEL_RANK = 4;

    /**
     * The assessment.
     *
     * @param kernels conv kernels examined
     * @param uniformKernels of which look uniformly initialised
     * @param meanKurtosis mean per-channel excess kurtosis over the examined kernels (NaN if none)
     * @param vectors rank-1 floating initializers examined
     * @param constantVectors of which hold a single repeated value
     */
    public record Verdict(
            int kernels,
            int uniformKernels,
            double meanKurtosis,
            int vectors,
            int constantVectors) {

        /** Most kernels look uniform, or most norm-like vectors are constant. */
        public boolean looksUntrained() {
            boolean uniform = kernels > 0 && 2 * uniformKernels > kernels;
            boolean constant = vectors >= MIN_NORM_VECTORS && 2 * constantVectors > vectors;
            return uniform || constant;
        }

        /** One line for the user. */
        public String summary() {
            String kernelPart =
                    String.format(
                            Locale.ROOT,
                            "%d of %d conv kernels look uniformly initialised (mean per-channel"
                                    + " excess kurtosis %.2f; a fresh uniform init gives -1.2,"
                                    + " trained kernels about 0 or more)",
                            uniformKernels,
                            kernels,
                            meanKurtosis);
            String vectorPart =
                    String.format(
                            Locale.ROOT, "%d of %d vectors are constant", constantVectors, vectors);
            return kernelPart + "; " + vectorPart;
        }
    }

    private WeightStatistics() {}

    public static Verdict assess(List<OnnxModelReader.Initializer> initializers) {
        int kernels = 0;
        int uniform = 0;
        double kurtosisSum = 0;
        int vectors = 0;
        int constant = 0;
        for (OnnxModelReader.Initializer init : initializers) {
            if (init.dataType() != TensorProto.DataType.FLOAT_VALUE || init.isExternal()) {
                continue;
            }
            long[] dims = init.dims();
            if (dims.length == KERNEL_RANK
                    && init.elementCount() / dims[0] >= MIN_VALUES_PER_CHANNEL) {
                double k = meanChannelKurtosis(init.floats(), (int) dims[0]);
                kernels++;
                kurtosisSum += k;
                if (k < UNIFORM_KURTOSIS_BELOW) {
                    uniform++;
                }
            } else if (dims.length == 1 && dims[0] > 1) {
                vectors++;
                if (isConstant(init.floats())) {
                    constant++;
                }
            }
        }
        return new Verdict(
                kernels,
                uniform,
                kernels == 0 ? Double.NaN : kurtosisSum / kernels,
                vectors,
                constant);
    }

    /** Mean over the leading-axis slices of each slice's excess kurtosis. */
    static double meanChannelKurtosis(float[] values, int channels) {
        int per = values.length / channels;
        double sum = 0;
        for (int c = 0; c < channels; c++) {
            sum += excessKurtosis(values, c * per, per);
        }
        return sum / channels;
    }

    /** {@code m4 / m2^2 - 3} of {@code values[from, from+count)}; 0 for a constant slice. */
    static double excessKurtosis(float[] values, int from, int count) {
        double mean = 0;
        for (int i = from; i < from + count; i++) {
            mean += values[i];
        }
        mean /= count;
        double m2 = 0;
        double m4 = 0;
        for (int i = from; i < from + count; i++) {
            double d = values[i] - mean;
            double d2 = d * d;
            m2 += d2;
            m4 += d2 * d2;
        }
        m2 /= count;
        m4 /= count;
        return m2 == 0 ? 0 : m4 / (m2 * m2) - 3;
    }

    private static boolean isConstant(float[] values) {
        for (float v : values) {
            if (v != values[0]) {
                return false;
            }
        }
        return true;
    }
}
