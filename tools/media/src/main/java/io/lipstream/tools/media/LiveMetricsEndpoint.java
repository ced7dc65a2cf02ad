package io.lipstream.tools.media;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Serves the {@link LiveStreamMetrics} of the streams registered with it to Prometheus on
 * 127.0.0.1, one series per stream (label {@code stream}): {@code lipsync_live_*}. The names are
 * the contract of {@code deploy/monitoring/grafana/dashboards/lipstream-live.json}.
 */
public final class LiveMetricsEndpoint implements AutoCloseable {
    /** First port tried: one above Flink's Prometheus reporter default (9249). */
    public static final int DEFAULT_PORT = 9250;

    /** Ports tried from the asked one before giving up. */
    private static final int PORT_ATTEMPTS = 20;

    private static final String STREAM = "stream";
    private static final String QUANTILE = "quantile";
    private static final double MICROS_PER_SECOND = 1e6;

    private final List<LiveStreamMetrics> streams = new CopyOnWriteArrayList<>();
    private final HTTPServer server;

    private LiveMetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** Starts the endpoint on {@code port} of 127.0.0.1, or the next free one. */
    public static LiveMetricsEndpoint start(int port) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        IOException last = null;
        for (int p = port; p < port + PORT_ATTEMPTS; p++) {
            try {
                HTTPServer server =
                        HTTPServer.builder()
                                .inetAddress(InetAddress.getLoopbackAddress())
                                .port(p)
                                .registry(registry)
                                .buildAndStart();
                LiveMetricsEndpoint endpoint = new LiveMetricsEndpoint(server);
                endpoint.register(registry);
                return endpoint;
            } catch (BindException e) {
                last = e;
            }
        }
        throw new IOException(
                "no free port for the live metrics in " + port + ".." + (port + PORT_ATTEMPTS - 1),
                last);
    }

    /** Adds a stream's metrics to what is served. */
    public void add(LiveStreamMetrics metrics) {
        streams.add(metrics);
    }

    /** The URL Prometheus scrapes. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort() + "/metrics";
    }

    private void register(PrometheusRegistry registry) {
        counter(registry, "frames_in", "Frames sent into the video topic.", s -> s.framesIn());
        counter(
                registry,
                "source_reconnects",
                "Times a source (video or audio feed) dropped and was opened again.",
                s -> s.sourceReconnects());
        counter(
                registry,
                "source_gaps",
                "Holes in a source's timeline that were filled.",
                s -> s.sourceGaps());
        gauge(
                registry,
                "source_gap_seconds",
                "Total length of the filled holes in the sources' timelines.",
                s -> s.sourceGapMicros() / MICROS_PER_SECOND);
        gauge(
                registry,
                "silence_filled_seconds",
                "Audio sent as silence because the audio feed had nothing.",
                s -> s.silenceFilledSamples() / (double) MediaIngest.SAMPLE_RATE);
        counter(registry, "frames_pushed", "Video frames pushed.", s -> s.framesPushed());
        counter(
                registry,
                "segments_pushed",
                "Committed segments pushed whole.",
                s -> s.segmentsPushed());
        counter(registry, "pushed_bytes", "Bytes pushed to the receiver.", s -> s.bytesPushed());
        gauge(
                registry,
                "pushed_bitrate_bits",
                "Mean bits per second pushed over the last 10 s.",
                s -> s.pushedBitsPerSecond());
        counter(
                registry,
                "push_reconnects",
                "Times the push to the receiver was opened again after a loss or refusal.",
                s -> s.pushReconnects());
        counter(
                registry,
                "lipsynced_frames",
                "Pushed frames whose mouth was re-drawn.",
                s -> s.lipSyncedFrames());
        counter(
                registry,
                "passed_through_frames",
                "Pushed frames left unchanged (no face, model error, timeout).",
                s -> s.passedThroughFrames());
        GaugeWithCallback.builder()
                .name("lipsync_live_av_offset_seconds")
                .help("Audio start minus video start of the last pushed segment.")
                .labelNames(STREAM)
                .callback(
                        cb -> {
                            for (LiveStreamMetrics stream : streams) {
                                Long offset = stream.snapshot().lastAvOffsetMicros();
                                if (offset != null) {
                                    cb.call(offset / MICROS_PER_SECOND, stream.streamId());
                                }
                            }
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("lipsync_live_glass_to_glass_seconds")
                .help(
                        "Capture of a frame to the push of its packet, quantiles over the last"
                                + " minute.")
                .labelNames(STREAM, QUANTILE)
                .callback(
                        cb -> {
                            long since =
                                    System.currentTimeMillis()
                                            - LiveStreamMetrics.LATENCY_WINDOW_MILLIS;
                            for (LiveStreamMetrics stream : streams) {
                                long[] q =
                                        stream.latencyQuantiles(since, LiveStreamMetrics.QUANTILES);
                                for (int i = 0; i < q.length; i++) {
                                    cb.call(
                                            q[i] / MICROS_PER_SECOND,
                                            stream.streamId(),
                                            Double.toString(LiveStreamMetrics.QUANTILES[i]));
                                }
                            }
                        })
                .register(registry);
    }

    private void counter(
            PrometheusRegistry registry,
            String name,
            String help,
            ToLongFunction<LiveStreamMetrics.Snapshot> value) {
        // Exposed with the _total suffix of counters.
        CounterWithCallback.builder()
                .name("lipsync_live_" + name)
                .help(help)
                .labelNames(STREAM)
                .callback(
                        cb -> {
                            for (LiveStreamMetrics stream : streams) {
                                cb.call(value.applyAsLong(stream.snapshot()), stream.streamId());
                            }
                        })
                .register(registry);
    }

    private void gauge(
            PrometheusRegistry registry,
            String name,
            String help,
            ToDoubleFunction<LiveStreamMetrics.Snapshot> value) {
        GaugeWithCallback.builder()
                .name("lipsync_live_" + name)
                .help(help)
                .labelNames(STREAM)
                .callback(
                        cb -> {
                            for (LiveStreamMetrics stream : streams) {
                                cb.call(value.applyAsDouble(stream.snapshot()), stream.streamId());
                            }
                        })
                .register(registry);
    }

    @Override
    public void close() {
        server.close();
    }
}
