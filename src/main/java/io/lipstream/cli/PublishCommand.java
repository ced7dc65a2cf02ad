package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.tools.media.LiveMetricsEndpoint;
import io.lipstream.tools.media.LivePublisher;
import io.lipstream.tools.media.LiveSource;
import io.lipstream.tools.media.LiveStreamMetrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Pushes a stream's committed segments from Kafka to a live receiver (SRT, RTMP, UDP ...). */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        description =
                "Push a stream's lip-synced segments from Kafka as one continuous live stream"
                        + " (MPEG-TS for srt:// and udp://, FLV for rtmp://), no re-encoding.")
public final class PublishCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "ID", description = "Stream id.")
    String streamId;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "URL",
            description = "Receiver, e.g. srt://host:port or rtmp://host/app/key.")
    String to;

    @Option(
            names = "--from-start",
            description = "Start at the stream's first segment instead of the live edge.")
    boolean fromStart;

    @Option(
            names = "--seconds",
            defaultValue = "0",
            description = "Stop after this many seconds (0: run until Ctrl-C).")
    long seconds;

    @Mixin LiveRunOptions live;

    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (kafka.bootstrapServers == null) {
            throw new UserError("publish needs --bootstrap-servers HOST:PORT of the Kafka to read");
        }
        LiveSource receiver = live.receiver(to);
        KafkaSettings settings = KafkaSettings.from(kafka.configuration());
        PrintWriter err = spec.commandLine().getErr();
        LiveStreamMetrics metrics = new LiveStreamMetrics(streamId);
        try (LiveMetricsEndpoint endpoint = live.startMetrics()) {
            endpoint.add(metrics);
            err.println("Live metrics (Prometheus): " + endpoint.url());
            err.println(
                    "Pushing stream "
                            + streamId
                            + " to "
                            + to
                            + (fromStart ? " from its start" : " from the live edge"));
            LivePublisher publisher = new LivePublisher(settings, metrics, err::println);
            AtomicBoolean running = new AtomicBoolean(true);
            LiveRunOptions.Shutdown shutdown = LiveRunOptions.onCtrlC(running);
            Thread pusher =
                    LiveRunOptions.thread(
                            "publish-" + streamId,
                            () ->
                                    publisher.run(
                                            new LivePublisher.Request(
                                                    streamId,
                                                    receiver,
                                                    fromStart,
                                                    live.stallNotice()),
                                            running::get));
            try {
                live.watch(
                        running,
                        seconds,
                        err,
                        () -> LiveStatus.line(metrics.snapshot()),
                        () -> LiveRunOptions.failure(pusher));
            } finally {
                running.set(false);
                pusher.join(Duration.ofSeconds(10).toMillis());
                shutdown.done();
            }
            err.println(LiveStatus.line(metrics.snapshot()));
            err.println(LiveStatus.summary(metrics));
        }
        return 0;
    }
}
