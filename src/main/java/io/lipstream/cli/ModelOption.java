package io.lipstream.cli;

import io.lipstream.job.options.InferenceOptions;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** The {@code --model} of the commands that run the job. */
final class ModelOption {
    @Option(
            names = "--model",
            paramLabel = "M.onnx",
            description =
                    "A Wav2Lip ONNX export; default: a generated identity model that does NOT move lips.")
    Path model;

    /**
     * Sets {@code inference.model} when {@code --model} is given, after checking the file exists.
     */
    void applyTo(Configuration config) {
        if (model == null) {
            return;
        }
        if (!model.toFile().isFile()) {
            throw new UserError("no such model file: " + model);
        }
        config.set(InferenceOptions.MODEL, model.toAbsolutePath().toString());
    }
}
