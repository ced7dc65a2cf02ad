package io.lipstream.cli;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.ModelSignature;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.tools.model.OnnxModelReader;
import io.lipstream.tools.model.WeightStatistics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import onnx.Onnx.TensorProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync model inspect M.onnx}: what the file declares (read by field number) and how
 * lipstream binds it (ONNX Runtime on the CPU): inputs and outputs with shapes, which input is mel
 * and which face, batch, face size, opset, parameters, a SHA-256 of the weights, and a warning when
 * the weights look untrained.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Show a model's tensors, their Wav2Lip binding and its weights.",
            "Prints inputs and outputs with shapes, which input is mel and which face, batch,",
            "face size, opset, parameter count and the weights' SHA-256, and warns when the",
            "weights look untrained. Exit code 2 when the file is missing or the model is not",
            "Wav2Lip-shaped."
        })
final class ModelInspectCommand implements Callable<Integer> {
    /** Bytes per megabyte, for file sizes. */
    private static final double MB = 1e6;

    // Names for the onnx.proto element types models use.
    private static final Map<Integer, String> ELEMENT_TYPES =
            Map.of(
                    TensorProto.DataType.FLOAT_VALUE,
                    "float32",
                    TensorProto.DataType.UINT8_VALUE,
                    "uint8",
                    TensorProto.DataType.INT32_VALUE,
                    "int32",
                    TensorProto.DataType.INT64_VALUE,
                    "int64",
                    TensorProto.DataType.FLOAT16_VALUE,
                    "float16",
                    TensorProto.DataType.DOUBLE_VALUE,
                    "float64",
                    TensorProto.DataType.BFLOAT16_VALUE,
                    "bfloat16");

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        ModelFiles.requireReadable(model, "model file");
        OnnxModelReader.Model file;
        try {
            file = OnnxModelReader.read(model);
        } catch (IOException e) {
            throw new UserError(ModelFiles.oneLine(e.getMessage()), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        printFile(out, file);
        ModelSignature signature;
        try (Wav2LipModel loaded = ModelFiles.load(model, InferenceDevice.CPU)) {
            signature = loaded.signature();
        } catch (UserError e) {
            out.println("wav2lip     rejected");
            out.flush();
            throw e;
        }
        printBinding(out, file, signature);
        printWeights(out, file);
        out.flush();
        return 0;
    }

    private void printFile(PrintWriter out, OnnxModelReader.Model file) {
        long bytes;
        try {
            bytes = Files.size(model);
        } catch (IOException e) {
            bytes = -1;
        }
        out.printf(Locale.ROOT, "model       %s (%.1f MB)%n", model, bytes / MB);
        out.printf(
                Locale.ROOT,
                "producer    %s%s, IR version %d, opset %d%n",
                file.producerName().isEmpty() ? "(unnamed)" : file.producerName(),
                file.producerVersion().isEmpty() ? "" : " " + file.producerVersion(),
                file.irVersion(),
                file.defaultOpset());
        out.printf(
                Locale.ROOT,
                "operators   %s%n",
                file.operatorCounts().entrySet().stream()
                        .map(e -> e.getValue() + " " + e.getKey())
                        .collect(Collectors.joining(", ")));
    }

    private static void printBinding(
            PrintWriter out, OnnxModelReader.Model file, ModelSignature signature) {
        int width =
                java.util.stream.Stream.concat(file.inputs().stream(), file.outputs().stream())
                        .mapToInt(t -> t.toString().length())
                        .max()
                        .orElse(0);
        printTensors(out, "inputs", file.inputs(), signature, width);
        printTensors(out, "outputs", file.outputs(), signature, width);
        out.printf(
                Locale.ROOT,
                "batch       %s%n",
                signature.fixedBatch().isPresent()
                        ? "fixed at "
                                + signature.fixedBatch().getAsInt()
                                + " (partial batches are padded with zeros)"
                        : "dynamic (any number of pairs per call)");
        out.printf(Locale.ROOT, "face size   %dx%d%n", signature.faceSize(), signature.faceSize());
    }

    private static void printTensors(
            PrintWriter out,
            String label,
            List<OnnxModelReader.Declared> tensors,
            ModelSignature signature,
            int width) {
        String first = String.format(Locale.ROOT, "%-12s", label);
        String indent = " ".repeat(first.length());
        for (int i = 0; i < tensors.size(); i++) {
            OnnxModelReader.Declared t = tensors.get(i);
            out.printf(
                    Locale.ROOT,
                    "%s%-" + width + "s  %-8s %s%n",
                    i == 0 ? first : indent,
                    t,
                    ELEMENT_TYPES.getOrDefault(t.elemType(), "type " + t.elemType()),
                    role(t.name(), signature));
        }
    }

    private static String role(String name, ModelSignature s) {
        if (name.equals(s.melInput())) {
            return "<- mel window (80 bands x 16 columns)";
        }
        if (name.equals(s.faceInput())) {
            return "<- face (masked + reference, BGR)";
        }
        if (name.equals(s.output())) {
            return "-> generated face (BGR, 0..1)";
        }
        return "(unused)";
    }

    private static void printWeights(PrintWriter out, OnnxModelReader.Model file) {
        long external = file.initializers().stream().filter(i -> i.isExternal()).count();
        out.printf(
                Locale.ROOT,
                "parameters  %,d in %d initializers%s%n",
                file.parameterCount(),
                file.initializers().size(),
                external == 0 ? "" : " (" + external + " in external data files, not hashed)");
        out.printf(Locale.ROOT, "weights     sha256 %s%n", file.weightsSha256());
        WeightStatistics.Verdict verdict = WeightStatistics.assess(file.initializers());
        if (verdict.looksUntrained()) {
            out.println("warning: weights look untrained: " + verdict.summary());
        }
    }
}
