package io.lipstream.tools.model;

import static io.lipstream.tools.model.OnnxGraphBuilder.intsAttr;

import java.util.List;

/**
 * Writes {@link Wav2LipArchitecture} layers into an ONNX graph from weights with BatchNorm already
 * folded in: a {@code Conv} or {@code ConvTranspose} node with weight and bias initializers named
 * {@code layerN.weight}/{@code layerN.bias}, then the residual {@code Add} and the {@code Relu} the
 * layer declares; {@code Concat} on the channel axis; {@code Sigmoid}.
 *
 * <p>Weights are stored as float32, or as float16 for a graph that computes in half precision (its
 * caller casts the inputs to float16 first and the output back to float32).
 */
final class ConvNodes {
    /** Element type of the weights written. */
    enum Precision {
        FLOAT32,
        FLOAT16
    }

    private static final int CHANNEL_AXIS = 1;

    private final OnnxGraphBuilder graph;
    private final Precision precision;
    private int layer;
    private int value;

    ConvNodes(OnnxGraphBuilder graph, Precision precision) {
        this.graph = graph;
        this.precision = precision;
    }

    /**
     * Emits one conv layer.
     *
     * @param weight {@code [C_out, C_in, k, k]}, or {@code [C_in, C_out, k, k]} when transposed
     * @param bias {@code [C_out]}
     * @return the name of the layer's output
     */
    String conv(String input, Wav2LipArchitecture.Conv c, float[] weight, float[] bias) {
        String prefix = "layer" + layer++;
        long k = c.kernel();
        long[] weightDims =
                c.transposed()
                        ? new long[] {c.cin(), c.cout(), k, k} // ConvTranspose: [C_in, C_out, k, k]
                        : new long[] {c.cout(), c.cin(), k, k}; // Conv: [C_out, C_in, k, k]
        initializer(prefix + ".weight", weightDims, weight);
        initializer(prefix + ".bias", new long[] {c.cout()}, bias);
        String convOut = prefix + (c.transposed() ? ".conv_transpose" : ".conv");
        List<String> inputs = List.of(input, prefix + ".weight", prefix + ".bias");
        long p = c.padding();
        if (c.transposed()) {
            graph.node(
                    "ConvTranspose",
                    inputs,
                    List.of(convOut),
                    intsAttr("kernel_shape", k, k),
                    intsAttr("strides", c.strideH(), c.strideW()),
                    intsAttr("pads", p, p, p, p),
                    intsAttr("output_padding", c.outputPadding(), c.outputPadding()));
        } else {
            graph.node(
                    "Conv",
                    inputs,
                    List.of(convOut),
                    intsAttr("kernel_shape", k, k),
                    intsAttr("strides", c.strideH(), c.strideW()),
                    intsAttr("pads", p, p, p, p));
        }
        String x = convOut;
        if (c.residual()) {
            x = prefix + ".residual";
            graph.node("Add", List.of(convOut, input), List.of(x));
        }
        if (c.relu()) {
            String relu = prefix + ".relu";
            graph.node("Relu", List.of(x), List.of(relu));
            x = relu;
        }
        return x;
    }

    String concat(String first, String second) {
        String out = "concat" + value++;
        graph.node(
                "Concat",
                List.of(first, second),
                List.of(out),
                OnnxGraphBuilder.intAttr("axis", CHANNEL_AXIS));
        return out;
    }

    String sigmoid(String input) {
        String out = "sigmoid" + value++;
        graph.node("Sigmoid", List.of(input), List.of(out));
        return out;
    }

    private void initializer(String name, long[] dims, float[] values) {
        if (precision == Precision.FLOAT16) {
            graph.float16Initializer(name, dims, values);
        } else {
            graph.floatInitializer(name, dims, values);
        }
    }
}
