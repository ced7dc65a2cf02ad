package io.lipstream.cli;

import io.lipstream.job.options.SegmentOptions;
import io.lipstream.samples.Samples;
import io.lipstream.tools.console.OperatorConsole;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The newcomer's tour: the embedded stack, the bundled sample streamed in as live streams (paced in
 * real time, looping), lip-synced and written as HLS under {@code ./out/}, until Ctrl-C.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole pipeline on the bundled sample as a live stream, written as HLS under"
                    + " ./out/, until Ctrl-C. Open the printed operator console URL to watch it."
        })
public final class DemoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--streams",
            defaultValue = "1",
            description = "Concurrent live streams (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(
            names = "--out",
            defaultValue = "out",
            paramLabel = "DIR",
            description = "HLS output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--seconds",
            defaultValue = "0",
            description = "Stop after this many seconds (0: run until Ctrl-C).")
    long seconds;

    @Mixin ModelOption model;

    @Mixin StackOptions stack;

    @Mixin ConsoleOptions console;

    /** Set when the demo was stopped by an interrupt. */
    private boolean interrupted;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Configuration config = stack.configuration();
        config.set(SegmentOptions.HLS_DIR, out.toAbsolutePath().toString());
        model.applyTo(config);
        LipSyncRun run = stack.start(config, "lipsync demo");
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        List<Thread> producers = new ArrayList<>();
        try (run;
                OperatorConsole operatorConsole =
                        console.start(run.kafkaSettings(), run.dashboardUrl(), err);
                MediaIngest ingest = new MediaIngest(run.kafkaSettings())) {
            err.println("Flink dashboard: " + run.dashboardUrl());
            run.prometheusUrl().ifPresent(url -> err.println("Prometheus metrics: " + url));
            err.println(
                    "Kafka: "
                            + run.kafkaSettings().bootstrapServers()
                            + " (lipsync ingest/export --bootstrap-servers this address)");
            if (run.generatedModel()) {
                err.println(
                        "No --model given: the generated identity model runs; it does NOT move lips"
                                + " (see README, 'Bring a real Wav2Lip model').");
            }
            for (int i = 0; i < streams; i++) {
                String streamId = "demo-" + i;
                Thread producer =
                        new Thread(
                                () -> {
                                    try {
                                        ingest.ingest(
                                                new MediaIngest.Request(
                                                        streamId,
                                                        Samples.TALKING_ASTRONAUT_MP4.path(),
                                                        null,
                                                        true,
                                                        1,
                                                        true));
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                },
                                "demo-ingest-" + i);
                producer.setDaemon(true);
                producer.start();
                producers.add(producer);
                err.println(
                        "Live stream "
                                + streamId
                                + ": HLS at "
                                + out.resolve(streamId).resolve("index.m3u8").toAbsolutePath());
            }
            err.println(seconds > 0 ? "Running for " + seconds + " s." : "Running until Ctrl-C.");
            while (!awaitStop(stop)) {
                if (run.jobEnded()) {
                    // Failed, cancelled, or restarted past its strategy: say why in one line.
                    throw new UserError(run.endedLine());
                }
                if (seconds > 0 && --seconds == 0) {
                    break;
                }
            }
            producers.forEach(Thread::interrupt);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already stopping.
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }

    /**
     * Waits a second for Ctrl-C; true when the demo should stop. An interrupt of the thread running
     * the demo (an embedding program or a test stopping it) stops it like Ctrl-C; the interrupt is
     * restored once everything is closed, so the closing itself is not cut short.
     */
    private boolean awaitStop(CountDownLatch stop) {
        try {
            return stop.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            return true;
        }
    }
}
