package io.lipstream.tools.model;

import io.lipstream.tools.model.Wav2LipArchitecture.Conv;
import io.lipstream.tools.model.Wav2LipArchitecture.Module;
import java.util.Iterator;

/**
 * Emits {@link Wav2LipArchitecture} layers into an ONNX graph with a checkpoint's weights, each
 * BatchNorm folded into its conv at write time ({@link RandomWeightLayers#fold}).
 *
 * <p>The layers arrive in forward order and are paired, one by one, with {@link
 * Wav2LipArchitecture#modules()}, which names them in the same order; a layer that does not match
 * its module is a bug and fails loudly. A checkpoint whose values cannot be read stops the walk
 * with a {@link Failed} wrapping the {@link CheckpointException}.
 */
final class ImportedWeightLayers implements Wav2LipArchitecture.Layers {
    /** Carries a checked failure out of the {@link Wav2LipArchitecture.Layers} callbacks. */
    static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(CheckpointException cause) {
            super(cause);
        }

        CheckpointException checkpointException() {
            return (CheckpointException) getCause();
        }
    }

    private final Wav2LipParameters parameters;
    private final ConvNodes nodes;
    private final Iterator<Module> modules = Wav2LipArchitecture.modules().iterator();

    ImportedWeightLayers(
            OnnxGraphBuilder graph, Wav2LipParameters parameters, ConvNodes.Precision precision) {
        this.parameters = parameters;
        this.nodes = new ConvNodes(graph, precision);
    }

    @Override
    public String conv(String input, Conv c) {
        Module m = modules.next();
        if (!m.conv().equals(c)) {
            throw new IllegalStateException(
                    "layer " + c + " emitted where module " + m + " was expected");
        }
        try {
            float[] weight = parameters.weight(m);
            float[] bias = parameters.bias(m);
            if (c.batchNorm()) {
                RandomWeightLayers.fold(c, weight, bias, parameters.batchNorm(m));
            }
            return nodes.conv(input, c, weight, bias);
        } catch (CheckpointException e) {
            throw new Failed(e);
        }
    }

    @Override
    public String concat(String first, String second) {
        return nodes.concat(first, second);
    }

    @Override
    public String sigmoid(String input) {
        return nodes.sigmoid(input);
    }
}
