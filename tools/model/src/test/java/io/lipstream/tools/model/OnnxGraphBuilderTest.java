package io.lipstream.tools.model;

import static io.lipstream.tools.model.OnnxGraphBuilder.floatAttr;
import static io.lipstream.tools.model.OnnxGraphBuilder.intAttr;
import static io.lipstream.tools.model.OnnxGraphBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.lipstream.inference.OrtRuntime;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-written ONNX encoder, checked by ONNX Runtime and by reading the file back. */
class OnnxGraphBuilderTest {
    @TempDir Path dir;

    /** A 3x3 image holding 1..9, row-major. */
    private static final float[] IMAGE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void shouldEncodeConvAttributesAndWeightsAsOnnxRuntimeReadsThem() throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("conv");
        g.input("x", Dim.symbolic("n"), Dim.of(1), Dim.of(3), Dim.of(3));
        g.output("y", Dim.symbolic("n"), Dim.of(1), Dim.of(2), Dim.of(2));
        g.floatInitializer("w", new long[] {1, 1, 2, 2}, new float[] {1, 1, 1, 1});
        g.floatInitializer("b", new long[] {1}, new float[] {0.5f});
        // 2x2 box sum with stride 2 over the image padded by one zero on every side.
        g.node(
                "Conv",
                List.of("x", "w", "b"),
                List.of("y"),
                intsAttr("kernel_shape", 2, 2),
                intsAttr("strides", 2, 2),
                intsAttr("pads", 1, 1, 1, 1));
        float[] y = runOne(g, "x", IMAGE, new long[] {1, 1, 3, 3}, "y");
        // Windows: {1}, {2,3}, {4,7}, {5,6,8,9}, each plus the bias.
        assertArrayEquals(new float[] {1.5f, 5.5f, 11.5f, 28.5f}, y);
    }

    @Test
    void shouldEncodeFloatAndIntAttributes() throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("attrs");
        g.input("x", Dim.of(1), Dim.of(2));
        g.output("y", Dim.of(2), Dim.of(2));
        g.node("LeakyRelu", List.of("x"), List.of("leaky"), floatAttr("alpha", 0.25f));
        g.node("Concat", List.of("leaky", "x"), List.of("y"), intAttr("axis", 0));
        float[] y = runOne(g, "x", new float[] {-4, 2}, new long[] {1, 2}, "y");
        assertArrayEquals(new float[] {-1, 2, -4, 2}, y);
    }

    @Test
    void shouldReadBackWhatItWrote() throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("round_trip");
        g.input("mel", Dim.symbolic("batch"), Dim.of(1), Dim.of(80), Dim.of(16));
        g.output("out", Dim.of(4), Dim.of(3));
        g.floatInitializer("w", new long[] {2, 2}, new float[] {1.5f, -2f, 0f, 3.25f});
        g.int64Initializer("shape", new long[] {2}, new long[] {4, 3});
        g.node("Relu", List.of("mel"), List.of("a"));
        g.node("Relu", List.of("a"), List.of("out"));
        Path file = dir.resolve("m.onnx");
        g.write(file, "test producer");

        OnnxModelReader.Model m = OnnxModelReader.read(file);
        assertEquals(OnnxGraphBuilder.IR_VERSION, m.irVersion());
        assertEquals(OnnxGraphBuilder.OPSET, m.defaultOpset());
        assertEquals("test producer", m.producerName());
        assertEquals("round_trip", m.graphName());
        assertEquals("mel [batch,1,80,16]", m.inputs().get(0).toString());
        assertEquals("out [4,3]", m.outputs().get(0).toString());
        assertEquals(Map.of("Relu", 2), m.operatorCounts());
        assertEquals(2, m.initializers().size());
        assertArrayEquals(new long[] {2, 2}, m.initializers().get(0).dims());
        assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f}, m.initializers().get(0).floats());
        assertEquals(4, m.parameterCount(), "int64 constants are no parameters");
    }

    private float[] runOne(OnnxGraphBuilder g, String input, float[] x, long[] shape, String out)
            throws Exception {
        Path file = dir.resolve("g.onnx");
        g.write(file, "test");
        OrtEnvironment env = OrtRuntime.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(file.toString(), options);
                OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                OrtSession.Result result = session.run(Map.of(input, tensor))) {
            FloatBuffer values = ((OnnxTensor) result.get(out).orElseThrow()).getFloatBuffer();
            float[] y = new float[values.remaining()];
            values.get(y);
            return y;
        }
    }
}
