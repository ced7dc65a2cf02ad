package io.lipstream.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code lipsync model}: inspect, verify, generate or import Wav2Lip ONNX models. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Inspect, verify, generate or import Wav2Lip ONNX models.",
        subcommands = {
            ModelInspectCommand.class,
            ModelVerifyCommand.class,
            ModelSynthCommand.class,
            ModelImportCommand.class
        })
public final class ModelCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(), "Missing subcommand: inspect, verify, synth or import");
    }
}
