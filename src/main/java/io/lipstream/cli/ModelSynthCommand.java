package io.lipstream.cli;

import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync model synth --arch wav2lip|identity --out M.onnx}: writes one of the models the
 * project generates (see {@link ModelSynth}), with no download.
 */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Write an ONNX model generated in Java, no download.",
            "wav2lip: the Wav2Lip generator with seeded random weights (96x96 faces);",
            "identity: returns the reference half of the face input (any face size);",
            "identity-export-names, six-channel-output: odd exports for binding tests."
        })
final class ModelSynthCommand implements Callable<Integer> {
    private static final double MB = 1e6;

    @Option(
            names = "--arch",
            required = true,
            paramLabel = "ARCH",
            description = "wav2lip, identity, identity-export-names or six-channel-output.")
    String arch;

    @Mixin ModelOutputOptions output;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        Arch chosen = parseArch(arch);
        Integer fixedBatch = output.fixedBatch();
        Path out = output.checkedOut();
        int faceSize = output.faceSize;
        try {
            ModelSynth.write(out, chosen, fixedBatch, faceSize, seed);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot write " + out + ": " + e.getMessage(), e);
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(
                Locale.ROOT,
                "wrote %s: %s, %s, %dx%d faces%s, %.1f MB%n",
                out,
                name(chosen),
                fixedBatch == null ? "dynamic batch" : "batch fixed at " + fixedBatch,
                faceSize,
                faceSize,
                chosen == Arch.WAV2LIP
                        ? String.format(
                                Locale.ROOT,
                                ", %,d parameters (%,d with BatchNorm folded), seed %d",
                                ModelSynth.parameterCount(chosen),
                                ModelSynth.foldedParameterCount(chosen),
                                seed)
                        : "",
                size(out) / MB);
        o.flush();
        return 0;
    }

    private static long size(Path out) {
        try {
            return Files.size(out);
        } catch (IOException e) {
            return -1;
        }
    }

    private static Arch parseArch(String value) {
        for (Arch a : Arch.values()) {
            if (name(a).equalsIgnoreCase(value.trim())) {
                return a;
            }
        }
        throw new UserError(
                "unknown --arch '"
                        + value
                        + "'; expected one of "
                        + Arrays.stream(Arch.values())
                                .map(ModelSynthCommand::name)
                                .collect(Collectors.joining(", ")));
    }

    /** {@code IDENTITY_EXPORT_NAMES} as typed on the command line: identity-export-names. */
    private static String name(Arch a) {
        return a.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
