package io.lipstream.tools.model;

import java.util.SplittableRandom;

/**
 * Emits {@link Wav2LipArchitecture} layers into an ONNX graph with deterministic random weights,
 * BatchNorm folded into each conv at write time.
 *
 * <p>Weights are drawn like a fresh PyTorch model, scaled so activations stay of order one through
 * the 51 convolutions: conv weights uniform in {@code ±sqrt(6/fan_in)} (He uniform for ReLU),
 * biases uniform in {@code ±1/sqrt(fan_in)} (PyTorch's default), BatchNorm at its initial running
 * statistics (mean 0, variance 1, shift 0) with scale 1, except {@link #RESIDUAL_SCALE} on residual
 * blocks so that the sum of branch and skip does not double the variance at each block. A
 * transposed conv's fan-in is the taps that reach one output pixel on average, {@code
 * cin*k*k/(stride*stride)}. The output conv (no ReLU after it) uses {@code
 * ±OUTPUT_GAIN*sqrt(3/fan_in)}: with these weights the activations in front of it measure about 4
 * to 5 rms (residual sums grow them slowly), and a sigmoid fed logits that large would round many
 * outputs to exactly 0 or 1.
 */
final class RandomWeightLayers implements Wav2LipArchitecture.Layers {
    /** BatchNorm's epsilon: torch.nn.BatchNorm2d default. */
    private static final double BATCH_NORM_EPS = 1e-5;

    /** BatchNorm scale on residual branches, keeping branch + skip near unit variance. */
    static final double RESIDUAL_SCALE = 0.5;

    /** He-uniform numerator for layers followed by ReLU (gain^2 = 2, times 3 for uniform). */
    private static final double RELU_UNIFORM_NUMERATOR = 6.0;

    /** Uniform numerator for the linear output conv (gain 1). */
    private static final double LINEAR_UNIFORM_NUMERATOR = 3.0;

    /** Shrinks the output conv so the sigmoid's logits stay about ±1.5 rms (see above). */
    static final double OUTPUT_GAIN = 0.25;

    private final ConvNodes nodes;
    private final SplittableRandom random;

    RandomWeightLayers(OnnxGraphBuilder graph, long seed) {
        this.nodes = new ConvNodes(graph, ConvNodes.Precision.FLOAT32);
        this.random = new SplittableRandom(seed);
    }

    @Override
    public String conv(String input, Wav2LipArchitecture.Conv c) {
        double fanIn =
                c.transposed()
                        ? (double) c.cin() * c.kernel() * c.kernel() / (c.strideH() * c.strideW())
                        : (double) c.cin() * c.kernel() * c.kernel();
        double bound =
                c.relu()
                        ? Math.sqrt(RELU_UNIFORM_NUMERATOR / fanIn)
                        : OUTPUT_GAIN * Math.sqrt(LINEAR_UNIFORM_NUMERATOR / fanIn);
        float[] weight = uniform((int) c.weightCount(), bound);
        float[] bias = uniform(c.cout(), 1.0 / Math.sqrt(fanIn));
        if (c.batchNorm()) {
            fold(c, weight, bias, BatchNorm.initial(c.cout(), c.residual() ? RESIDUAL_SCALE : 1.0));
        }
        return nodes.conv(input, c, weight, bias);
    }

    @Override
    public String concat(String first, String second) {
        return nodes.concat(first, second);
    }

    @Override
    public String sigmoid(String input) {
        return nodes.sigmoid(input);
    }

    /** An eval-mode BatchNorm2d's per-channel scale, shift and running statistics. */
    record BatchNorm(double[] gamma, double[] beta, double[] mean, double[] variance) {
        /** A freshly initialised BatchNorm2d (shift 0, mean 0, variance 1) with scale gamma. */
        static BatchNorm initial(int channels, double gamma) {
            double[] scale = new double[channels];
            double[] ones = new double[channels];
            java.util.Arrays.fill(scale, gamma);
            java.util.Arrays.fill(ones, 1.0);
            return new BatchNorm(scale, new double[channels], new double[channels], ones);
        }
    }

    /**
     * Folds {@code bn} into the conv, per output channel o: {@code w'[o] = w[o]*s[o]} and {@code
     * b'[o] = (b[o] - mean[o])*s[o] + beta[o]} with {@code s[o] = gamma[o]/sqrt(var[o] + eps)}.
     */
    static void fold(Wav2LipArchitecture.Conv c, float[] weight, float[] bias, BatchNorm bn) {
        double[] s = new double[c.cout()];
        for (int o = 0; o < s.length; o++) {
            s[o] = bn.gamma()[o] / Math.sqrt(bn.variance()[o] + BATCH_NORM_EPS);
            bias[o] = (float) ((bias[o] - bn.mean()[o]) * s[o] + bn.beta()[o]);
        }
        int taps = c.kernel() * c.kernel();
        for (int i = 0; i < weight.length; i++) {
            // Conv weights are [C_out, C_in, k, k]; ConvTranspose weights [C_in, C_out, k, k].
            int o = c.transposed() ? (i / taps) % c.cout() : i / (c.cin() * taps);
            weight[i] = (float) (weight[i] * s[o]);
        }
    }

    private float[] uniform(int count, double bound) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }
}
