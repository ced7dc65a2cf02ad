package io.lipstream.cli;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.InferenceException;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.tools.model.ModelComparison;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync model verify M.onnx --against OTHER.onnx | --reference DIR}: runs the same inputs
 * through the model and the other model (seeded random pairs) or the reference arrays, prints the
 * largest absolute difference and exits 1 when it is past the tolerance.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Compare a model's outputs with another model's or with reference arrays.",
            "Runs the same inputs through both and prints the largest absolute difference.",
            "Exit code 1 past the tolerance, 2 when a file is missing or a model rejected."
        })
final class ModelVerifyCommand implements Callable<Integer> {
    static final int TOLERANCE_EXCEEDED = 1;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The model to check.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(
                names = "--against",
                paramLabel = "OTHER.onnx",
                description = "Compare with this model on seeded random pairs.")
        Path against;

        @Option(
                names = "--reference",
                paramLabel = "DIR",
                description = {
                    "Compare with reference arrays: DIR/mel.npy [n,1,80,16], DIR/face.npy",
                    "[n,6,S,S] and DIR/expected.npy [n,3,S,S], float32."
                })
        Path reference;
    }

    @Option(
            names = "--tolerance",
            defaultValue = "1e-4",
            description = "Largest absolute difference that passes (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--batch",
            defaultValue = "4",
            description = "Random pairs to compare with --against (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the random pairs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description = "auto, cpu, cuda[:N] or tensorrt[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        InferenceDevice onDevice;
        try {
            onDevice = InferenceDevice.parse(device);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (batch <= 0) {
            throw new UserError("--batch must be positive, got " + batch);
        }
        ModelComparison.Difference d;
        String against;
        try (Wav2LipModel checked = ModelFiles.load(model, onDevice)) {
            if (target.against != null) {
                against = target.against.toString();
                try (Wav2LipModel other = ModelFiles.load(target.against, onDevice)) {
                    d = ModelComparison.compare(checked, other, batch, seed);
                }
            } else {
                against = "reference " + target.reference;
                if (!Files.isDirectory(target.reference)) {
                    throw new UserError("reference folder not found: " + target.reference);
                }
                d = ModelComparison.againstReference(checked, target.reference);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError(ModelFiles.oneLine(e.getMessage()), e);
        } catch (InferenceException e) {
            throw new UserError(ModelFiles.oneLine(e.getMessage()), e);
        }
        boolean pass = d.maxAbs() <= tolerance;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "%s vs %s: largest absolute difference %.3g over %d pairs (worst pair %d);"
                        + " tolerance %.2e: %s%n",
                model,
                against,
                d.maxAbs(),
                d.pairs(),
                d.worstPair(),
                tolerance,
                pass ? "PASS" : "FAIL");
        out.flush();
        return pass ? 0 : TOLERANCE_EXCEEDED;
    }
}
