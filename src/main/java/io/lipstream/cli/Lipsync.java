package io.lipstream.cli;

import io.lipstream.connectors.media.NativeLibraries;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lipsync} command line: dub a file, run the live demo, move media in and out of Kafka,
 * compute Wav2Lip mel windows, inspect, verify or generate models, and benchmark the pipeline.
 *
 * <p>User errors (a missing file, a rejected model) end with one line on stderr and exit code 2,
 * without a stack trace.
 */
@Command(
        name = "lipsync",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Live lip-sync dubbing on Kafka, Flink and ONNX Runtime.",
        subcommands = {
            DubCommand.class,
            DemoCommand.class,
            ConsoleCommand.class,
            IngestCommand.class,
            ExportCommand.class,
            MelCommand.class,
            ModelCommand.class,
            OptionsCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Lipsync {

    public static void main(String[] args) {
        // FFmpeg prints every file's layout and encoder chatter at its default level.
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(
                org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        NativeLibraries.load();
        return commandLine().execute(args);
    }

    /** The configured command line, with every subcommand registered. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Lipsync());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        return cli;
    }
}
