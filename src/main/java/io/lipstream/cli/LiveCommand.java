package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.job.options.JobOptions;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.LiveIngest;
import io.lipstream.tools.media.LiveMetricsEndpoint;
import io.lipstream.tools.media.LivePublisher;
import io.lipstream.tools.media.LiveSource;
import io.lipstream.tools.media.LiveStreamMetrics;
import io.lipstream.tools.media.MediaIngest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The operator's one command: a live source in, the job, and the lip-synced stream pushed out live,
 * on the embedded default or an external Kafka and Flink; a status line a few times a minute, a
 * clean stop on Ctrl-C or after {@code --seconds}.
 */
@Command(
        name = "live",
        mixinStandardHelpOptions = true,
        description = {
            "Lip-sync a live stream: ingest --video (and --audio), run the job, push the result to"
                    + " --to (srt://, rtmp://, udp://), until Ctrl-C or --seconds."
        })
public final class LiveCommand implements Callable<Integer> {
    /** How long the end of the stream may take to reach the receiver after the ingest stops. */
    private static final Duration DRAIN = Duration.ofSeconds(60);

    @Spec CommandSpec spec;

    @Option(
            names = "--video",
            required = true,
            paramLabel = "URL",
            description =
                    "Live source FFmpeg reads: srt://, rtmp://, rtsp://, udp://, http(s)://"
                            + " (caller or listener as the URL says).")
    String video;

    @Option(
            names = "--audio",
            paramLabel = "URL|FILE",
            description =
                    "The dubbed audio, a second live feed or a file; default: the video's own.")
    String audio;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "URL",
            description = "Where the lip-synced stream goes: srt://, rtmp(s)://, udp://.")
    String to;

    @Option(
            names = "--stream",
            defaultValue = "live-0",
            paramLabel = "ID",
            description = "Stream id (default ${DEFAULT-VALUE}).")
    String streamId;

    @Option(
            names = "--seconds",
            defaultValue = "0",
            description = "Stop after this many seconds (0: run until Ctrl-C).")
    long seconds;

    @Option(
            names = "--source-timeout",
            defaultValue = "30",
            paramLabel = "SECONDS",
            description =
                    "A source that delivers nothing for this long at the start is an error"
                            + " (default ${DEFAULT-VALUE}).")
    long sourceTimeoutSeconds;

    @Mixin ModelOption model;

    @Mixin LiveRunOptions live;

    @Mixin StackOptions stack;

    @Override
    public Integer call() throws Exception {
        LiveSource videoSource = LiveSources.parse(video);
        if (!videoSource.live()) {
            throw new UserError(
                    "live needs a live --video URL (srt://, rtmp://, rtsp://, udp://, http(s)://);"
                            + " for a file use dub or ingest --realtime");
        }
        LiveSource audioSource = audio == null ? null : LiveSources.parse(audio);
        if (audioSource != null && !audioSource.live()) {
            LiveSources.file(audioSource);
        }
        LiveSource receiver = live.receiver(to);
        PrintWriter err = spec.commandLine().getErr();
        Configuration config = stack.configuration();
        model.applyTo(config);
        if (stack.kafka.bootstrapServers != null) {
            isolate(config);
        }
        LiveStreamMetrics metrics = new LiveStreamMetrics(streamId);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean ingesting = new AtomicBoolean(true);
        LiveRunOptions.Shutdown shutdown = LiveRunOptions.onCtrlC(running);
        try (LipSyncRun run = stack.start(config, "lipsync live " + streamId);
                LiveMetricsEndpoint endpoint = live.startMetrics();
                MediaIngest sink = new MediaIngest(run.kafkaSettings())) {
            endpoint.add(metrics);
            err.println("Flink dashboard: " + run.dashboardUrl());
            run.prometheusUrl().ifPresent(url -> err.println("Prometheus metrics: " + url));
            err.println("Live metrics (Prometheus): " + endpoint.url());
            err.println("Kafka: " + run.kafkaSettings().bootstrapServers());
            if (run.generatedModel()) {
                err.println(
                        "No --model given: the generated identity model runs; it does NOT move lips"
                                + " (see README, 'Bring a real Wav2Lip model').");
            }
            LivePublisher publisher = new LivePublisher(run.kafkaSettings(), metrics, err::println);
            AtomicBoolean pushing = new AtomicBoolean(true);
            Thread pusher =
                    LiveRunOptions.thread(
                            "live-publish-" + streamId,
                            () ->
                                    publisher.run(
                                            new LivePublisher.Request(
                                                    streamId, receiver, false, live.stallNotice()),
                                            pushing::get));
            Thread ingester =
                    LiveRunOptions.thread(
                            "live-ingest-" + streamId,
                            () ->
                                    new LiveIngest(sink, metrics, err::println)
                                            .run(
                                                    new LiveIngest.Request(
                                                            streamId,
                                                            videoSource,
                                                            audioSource,
                                                            Duration.ofSeconds(
                                                                    sourceTimeoutSeconds)),
                                                    () -> ingesting.get() && running.get()));
            err.println(
                    "Live stream "
                            + streamId
                            + ": "
                            + video
                            + (audio == null ? "" : " with audio " + audio)
                            + " -> "
                            + to
                            + (seconds > 0 ? ", for " + seconds + " s" : ", until Ctrl-C"));
            try {
                live.watch(
                        running,
                        seconds,
                        err,
                        () -> LiveStatus.line(metrics.snapshot()),
                        () -> {
                            if (run.jobEnded()) {
                                return new IllegalStateException(
                                        "the job ended: " + run.failure().map(Throwable::toString));
                            }
                            Throwable failed = LiveRunOptions.failure(ingester);
                            return failed != null ? failed : LiveRunOptions.failure(pusher);
                        });
            } finally {
                // Stop the sources first: the end of the stream then reaches the receiver.
                ingesting.set(false);
                ingester.join(LiveIngest.READ_TIMEOUT.toMillis() * 3);
                long drainUntil = System.nanoTime() + DRAIN.toNanos();
                while (LiveRunOptions.failure(ingester) == null
                        && !publisher.endPushed()
                        && pusher.isAlive()
                        && !run.jobEnded()
                        && System.nanoTime() < drainUntil) {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                pushing.set(false);
                pusher.join(TimeUnit.SECONDS.toMillis(10));
            }
            err.println(LiveStatus.line(metrics.snapshot()));
            err.println(LiveStatus.summary(metrics));
        } finally {
            shutdown.done();
        }
        return 0;
    }

    /** On a shared Kafka: this stream only, from now on, with its own group and transactions. */
    private void isolate(Configuration config) {
        if (!config.contains(JobOptions.STREAM_IDS)) {
            config.set(JobOptions.STREAM_IDS, List.of(streamId));
        }
        if (!config.contains(KafkaOptions.START_TIMESTAMP_MS)) {
            config.set(KafkaOptions.START_TIMESTAMP_MS, System.currentTimeMillis());
        }
        if (!config.contains(KafkaOptions.GROUP_ID)) {
            config.set(KafkaOptions.GROUP_ID, "lipstream-live-" + streamId);
        }
        if (!config.contains(KafkaOptions.TRANSACTIONAL_ID_PREFIX)) {
            config.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, "lipstream-live-" + streamId);
        }
    }
}
