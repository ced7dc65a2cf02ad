package io.lipstream.job.faces;

import io.lipstream.tools.model.OnnxGraphBuilder;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.util.Arrays;
import java.util.List;

/**
 * Test helper: tiny ONNX models (built with the model tools' {@link OnnxGraphBuilder}) to drive
 * {@link OnnxFaceDetector} end to end through ONNX Runtime.
 */
final class TinyOnnx {
    private final OnnxGraphBuilder graph = new OnnxGraphBuilder("tiny");

    /** Declares a float graph input; a negative dim is dynamic ("N"). */
    TinyOnnx input(String name, long... dims) {
        graph.input(name, dims(dims));
        return this;
    }

    TinyOnnx output(String name, long... dims) {
        graph.output(name, dims(dims));
        return this;
    }

    /** A Constant node: {@code output = values} shaped {@code dims}. */
    TinyOnnx constant(String output, float[] values, long... dims) {
        graph.node(
                "Constant",
                List.of(),
                List.of(output),
                OnnxGraphBuilder.floatTensorAttr("value", dims, values));
        return this;
    }

    /** ReduceMean over {@code axes}, dropping them (keepdims = 0). */
    TinyOnnx reduceMean(String input, String output, long... axes) {
        // Opset 17 still takes ReduceMean's axes as an attribute (an input from opset 18).
        graph.node(
                "ReduceMean",
                List.of(input),
                List.of(output),
                OnnxGraphBuilder.intsAttr("axes", axes),
                OnnxGraphBuilder.intAttr("keepdims", 0));
        return this;
    }

    TinyOnnx concat(String output, long axis, String... inputs) {
        graph.node(
                "Concat", List.of(inputs), List.of(output), OnnxGraphBuilder.intAttr("axis", axis));
        return this;
    }

    /** The serialised ModelProto. */
    byte[] build() {
        return graph.toByteArray("tiny");
    }

    private static Dim[] dims(long[] dims) {
        return Arrays.stream(dims)
                .mapToObj(d -> d >= 0 ? Dim.of(d) : Dim.symbolic("N"))
                .toArray(Dim[]::new);
    }
}
