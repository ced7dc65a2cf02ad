package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.tools.media.LiveIngest;
import io.lipstream.tools.media.LiveSource;
import io.lipstream.tools.media.LiveStreamMetrics;
import io.lipstream.tools.media.MediaException;
import io.lipstream.tools.media.MediaIngest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Streams a file or live source into the audio and video topics of any Kafka. */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description =
                "Stream a video (and optionally separate audio) into lipstream's Kafka topics as one stream.")
public final class IngestCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--video",
            required = true,
            paramLabel = "IN",
            description =
                    "Video file or live source URL FFmpeg reads (srt://, rtmp://, rtsp://, udp://,"
                            + " http(s)://; caller or listener as the URL says).")
    String video;

    @Option(
            names = "--audio",
            paramLabel = "NEW",
            description =
                    "The new audio, a file or a live URL; default: the video's own audio track.")
    String audio;

    @Option(
            names = "--stream",
            required = true,
            paramLabel = "ID",
            description = "Stream id (the Kafka key).")
    String streamId;

    @Option(names = "--realtime", description = "Pace records like a live source.")
    boolean realtime;

    @Option(
            names = "--loop",
            defaultValue = "1",
            paramLabel = "N",
            description = "Send the media N times back to back (default ${DEFAULT-VALUE}).")
    int loops;

    @Option(names = "--forever", description = "Loop until interrupted.")
    boolean forever;

    @Option(
            names = "--source-timeout",
            defaultValue = "30",
            paramLabel = "SECONDS",
            description =
                    "A live source that delivers nothing for this long at the start is an error"
                            + " (default ${DEFAULT-VALUE}).")
    long sourceTimeoutSeconds;

    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (kafka.bootstrapServers == null) {
            throw new UserError(
                    "ingest needs --bootstrap-servers HOST:PORT of the Kafka to send to");
        }
        KafkaSettings settings = KafkaSettings.from(kafka.configuration());
        Topics.ensure(settings, 1);
        LiveSource videoSource = LiveSources.parse(video);
        LiveSource audioSource = audio == null ? null : LiveSources.parse(audio);
        if (videoSource.live()) {
            return ingestLive(settings, videoSource, audioSource);
        }
        try (MediaIngest ingest = new MediaIngest(settings)) {
            long frames =
                    ingest.ingest(
                            new MediaIngest.Request(
                                    streamId,
                                    LiveSources.file(videoSource),
                                    audioSource == null ? null : LiveSources.file(audioSource),
                                    realtime,
                                    loops,
                                    forever));
            spec.commandLine()
                    .getErr()
                    .printf(
                            "Sent stream %s: %d frames, %.2f s of audio to %s%n",
                            streamId,
                            frames,
                            ingest.samplesSent() / (double) MediaIngest.SAMPLE_RATE,
                            settings.bootstrapServers());
        } catch (MediaException e) {
            throw new UserError(e.getMessage());
        }
        return 0;
    }

    /** A live source until Ctrl-C: reconnects and gaps are reported as they happen. */
    private int ingestLive(KafkaSettings settings, LiveSource videoSource, LiveSource audioSource)
            throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        LiveStreamMetrics metrics = new LiveStreamMetrics(streamId);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread main = Thread.currentThread();
        Thread hook =
                new Thread(
                        () -> {
                            running.set(false);
                            try {
                                main.join(LiveIngest.READ_TIMEOUT.toMillis() * 3);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "ingest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println(
                "Ingesting " + videoSource.location() + " as stream " + streamId + " until Ctrl-C");
        try (MediaIngest ingest = new MediaIngest(settings)) {
            new LiveIngest(ingest, metrics, err::println)
                    .run(
                            new LiveIngest.Request(
                                    streamId,
                                    videoSource,
                                    audioSource,
                                    Duration.ofSeconds(sourceTimeoutSeconds)),
                            running::get);
        } catch (MediaException e) {
            throw new UserError(e.getMessage());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already stopping.
            }
        }
        LiveStreamMetrics.Snapshot s = metrics.snapshot();
        err.printf(
                "Sent stream %s: %d frames, %d source reconnects, %d gaps (%.1f s), %.1f s of"
                        + " silence filled%n",
                streamId,
                s.framesIn(),
                s.sourceReconnects(),
                s.sourceGaps(),
                s.sourceGapMicros() / 1e6,
                s.silenceFilledSamples() / (double) MediaIngest.SAMPLE_RATE);
        return 0;
    }
}
