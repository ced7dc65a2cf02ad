package io.lipstream.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where and in what shape the commands that write a model write it: {@code --out}, {@code --batch},
 * {@code --face-size} (a picocli mixin of {@code model synth} and {@code model import}).
 */
final class ModelOutputOptions {
    @Option(names = "--out", required = true, paramLabel = "M.onnx", description = "Output file.")
    Path out;

    @Option(
            names = "--batch",
            defaultValue = ModelFiles.DYNAMIC_BATCH,
            paramLabel = "N|dynamic",
            description =
                    "Fixed batch size (Wav2Lip's inference uses 128), or dynamic (default:"
                            + " ${DEFAULT-VALUE}).")
    String batch;

    @Option(
            names = "--face-size",
            defaultValue = "96",
            description =
                    "Face side in pixels; the Wav2Lip generator takes 96 only (default:"
                            + " ${DEFAULT-VALUE}).")
    int faceSize;

    /** The fixed batch size, or null for a dynamic batch. */
    Integer fixedBatch() {
        return ModelFiles.parseBatch(batch);
    }

    /** {@code --out}, once its folder is known to exist. */
    Path checkedOut() {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("output folder not found: " + parent);
        }
        return out;
    }
}
