package io.lipstream.cli;

import io.lipstream.inference.ModelRejectedException;
import io.lipstream.samples.Samples;
import io.lipstream.tools.bench.BenchReport;
import io.lipstream.tools.bench.Benchmark;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.media.MediaException;
import io.lipstream.tools.media.MediaProbe;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync bench}: bare ONNX Runtime throughput per batch size and the embedded pipeline's
 * throughput and latency per stream count, measured in one run on this machine; writes a JSON
 * report and prints a table.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Measure bare ONNX Runtime throughput (pairs/s per batch size) and the whole embedded"
                    + " pipeline (frames/s, Kafka in to segments out, and latency) on this machine.",
            "Writes a JSON report with the ratio pipeline / bare at the pipeline's batch size."
        })
public final class BenchCommand implements Callable<Integer> {
    /** Default bare batch sizes: 1 up to Wav2Lip's 128. */
    static final String DEFAULT_BATCHES = "1,8,32,64,128";

    @Spec CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "M.onnx",
            description =
                    "A Wav2Lip ONNX export; default: the synthesized Wav2Lip generator (the real"
                            + " architecture's cost, random weights).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "REPORT.json", description = "Report.")
    Path out;

    @Option(
            names = "--batches",
            split = ",",
            paramLabel = "N,N,...",
            defaultValue = DEFAULT_BATCHES,
            description = "Bare batch sizes (default ${DEFAULT-VALUE}).")
    List<Integer> batches = new ArrayList<>();

    @Option(
            names = "--streams",
            split = ",",
            paramLabel = "N,N,...",
            defaultValue = "1,8",
            description = "Concurrent streams of each pipeline run (default ${DEFAULT-VALUE}).")
    List<Integer> streams = new ArrayList<>();

    @Option(
            names = "--pipeline-batch",
            paramLabel = "N",
            description =
                    "The pipeline's inference.batch-size, also measured bare for the ratio"
                            + " (default: the largest of --batches).")
    Integer pipelineBatch;

    @Option(
            names = "--frames",
            defaultValue = "1500",
            paramLabel = "N",
            description =
                    "Frames streamed in each pipeline run at the least; the video is looped to"
                            + " reach them (default ${DEFAULT-VALUE}).")
    long frames;

    @Option(
            names = "--min-seconds",
            defaultValue = "10",
            paramLabel = "S",
            description =
                    "Timed seconds per bare batch size at the least (default ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(
            names = "--video",
            paramLabel = "FILE",
            description = "Video to stream through the pipeline; default: the bundled sample.")
    Path video;

    @Option(
            names = "--live-streams",
            defaultValue = "" + Benchmark.AUTO_LIVE_STREAMS,
            paramLabel = "N",
            description =
                    "Streams of the live run (paced in real time, one pass over the video) whose"
                            + " latency shows what a viewer waits when the pipeline keeps up;"
                            + " default: as many as 80%% of the measured capacity carries, at"
                            + " least 1; 0: no live run.")
    int liveStreams;

    @Option(
            names = "--dashboard-port",
            paramLabel = "PORT",
            defaultValue = "" + FlinkTarget.DEFAULT_DASHBOARD_PORT,
            description = "Port of the embedded Flink dashboard (default ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Set a job option for the pipeline runs, e.g. -D faces.detect-every=10;"
                            + " inference.device and inference.intra-op-threads apply to the"
                            + " bare runs too.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (model != null && !Files.isRegularFile(model)) {
            throw new UserError("no such model file: " + model);
        }
        Path source = video == null ? Samples.TALKING_ASTRONAUT_MP4.path() : video;
        try {
            if (!MediaProbe.of(source).hasVideo()) {
                throw new UserError("no video stream in " + source);
            }
        } catch (MediaException e) {
            throw new UserError("video: " + e.getMessage());
        }
        int batch =
                pipelineBatch != null
                        ? pipelineBatch
                        : batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        Benchmark.Settings bench;
        try {
            bench =
                    new Benchmark.Settings(
                            model == null ? null : model.toAbsolutePath(),
                            source,
                            batches,
                            streams,
                            batch,
                            frames,
                            Duration.ofMillis(Math.round(minSeconds * 1000)),
                            Configuration.fromMap(settings),
                            dashboardPort,
                            liveStreams);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        BenchReport report;
        try {
            report = new Benchmark(bench, err).run();
        } catch (ModelRejectedException e) {
            throw new UserError("model rejected: " + e.getMessage());
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, report.toJson());
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(report.table());
        stdout.println("Report: " + out);
        stdout.flush();
        return 0;
    }
}
