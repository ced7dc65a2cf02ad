package io.lipstream.tools.model;

import static io.lipstream.tools.model.OnnxGraphBuilder.floatAttr;
import static io.lipstream.tools.model.OnnxGraphBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.lipstream.inference.OrtRuntime;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import io.lipstream.tools.model.RandomWeightLayers.BatchNorm;
import io.lipstream.tools.model.Wav2LipArchitecture.Conv;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BatchNorm folding, checked against ONNX Runtime's own BatchNormalization. */
class RandomWeightLayersTest {
    private static final int CIN = 3;
    private static final int COUT = 5;
    private static final int SIDE = 6;
    private static final float EPS = 1e-5f;

    @TempDir Path dir;

    @ParameterizedTest(name = "transposed={0}")
    @ValueSource(booleans = {false, true})
    void shouldFoldBatchNormIntoTheConvWithoutChangingItsOutput(boolean transposed)
            throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        Conv conv =
                transposed
                        ? new Conv(CIN, COUT, 3, 2, 2, 1, 1, true, true, false, false)
                        : new Conv(CIN, COUT, 3, 1, 1, 1, 0, false, true, false, false);
        float[] weight = values(random, (int) conv.weightCount(), -1, 1);
        float[] bias = values(random, COUT, -1, 1);
        // Per-channel statistics, all different, as a trained BatchNorm has.
        float[] gamma = values(random, COUT, 0.5, 2);
        float[] beta = values(random, COUT, -1, 1);
        float[] mean = values(random, COUT, -1, 1);
        float[] var = values(random, COUT, 0.2, 3);
        float[] x = values(random, CIN * SIDE * SIDE, -1, 1);

        OnnxGraphBuilder unfolded = graph(conv, weight, bias);
        unfolded.floatInitializer("gamma", new long[] {COUT}, gamma);
        unfolded.floatInitializer("beta", new long[] {COUT}, beta);
        unfolded.floatInitializer("mean", new long[] {COUT}, mean);
        unfolded.floatInitializer("var", new long[] {COUT}, var);
        unfolded.node(
                "BatchNormalization",
                List.of("c", "gamma", "beta", "mean", "var"),
                List.of("y"),
                floatAttr("epsilon", EPS));

        float[] w = weight.clone();
        float[] b = bias.clone();
        RandomWeightLayers.fold(
                conv,
                w,
                b,
                new BatchNorm(doubles(gamma), doubles(beta), doubles(mean), doubles(var)));
        OnnxGraphBuilder folded = graph(conv, w, b);
        folded.node("Identity", List.of("c"), List.of("y"));

        float[] expected = run(unfolded, x, "unfolded.onnx");
        float[] actual = run(folded, x, "folded.onnx");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4, "value " + i);
        }
    }

    private static OnnxGraphBuilder graph(Conv c, float[] weight, float[] bias) {
        int out = c.transposed() ? SIDE * 2 : SIDE;
        OnnxGraphBuilder g = new OnnxGraphBuilder("fold");
        g.input("x", Dim.of(1), Dim.of(CIN), Dim.of(SIDE), Dim.of(SIDE));
        g.output("y", Dim.of(1), Dim.of(COUT), Dim.of(out), Dim.of(out));
        long k = c.kernel();
        g.floatInitializer(
                "w",
                c.transposed() ? new long[] {CIN, COUT, k, k} : new long[] {COUT, CIN, k, k},
                weight);
        g.floatInitializer("b", new long[] {COUT}, bias);
        long p = c.padding();
        if (c.transposed()) {
            g.node(
                    "ConvTranspose",
                    List.of("x", "w", "b"),
                    List.of("c"),
                    intsAttr("kernel_shape", k, k),
                    intsAttr("strides", c.strideH(), c.strideW()),
                    intsAttr("pads", p, p, p, p),
                    intsAttr("output_padding", c.outputPadding(), c.outputPadding()));
        } else {
            g.node(
                    "Conv",
                    List.of("x", "w", "b"),
                    List.of("c"),
                    intsAttr("kernel_shape", k, k),
                    intsAttr("pads", p, p, p, p));
        }
        return g;
    }

    private float[] run(OnnxGraphBuilder g, float[] x, String name) throws Exception {
        Path file = dir.resolve(name);
        g.write(file, "test");
        OrtEnvironment env = OrtRuntime.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // No graph optimizations: ONNX Runtime would fold the BatchNorm itself.
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(file.toString(), options);
                    OnnxTensor tensor =
                            OnnxTensor.createTensor(
                                    env, FloatBuffer.wrap(x), new long[] {1, CIN, SIDE, SIDE});
                    OrtSession.Result result = session.run(Map.of("x", tensor))) {
                FloatBuffer y = ((OnnxTensor) result.get("y").orElseThrow()).getFloatBuffer();
                float[] values = new float[y.remaining()];
                y.get(values);
                return values;
            }
        }
    }

    private static float[] values(SplittableRandom random, int n, double from, double to) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(from, to);
        }
        return v;
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
