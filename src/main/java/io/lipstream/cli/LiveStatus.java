package io.lipstream.cli;

import io.lipstream.tools.media.LiveStreamMetrics;
import io.lipstream.tools.media.MediaIngest;
import java.util.Locale;

/** The one-line status of a live stream that {@code live} and {@code publish} print. */
final class LiveStatus {
    private LiveStatus() {}

    static String line(LiveStreamMetrics.Snapshot s) {
        long[] q = s.latencyQuantilesMicros();
        String latency =
                q.length == 0
                        ? "latency -"
                        : String.format(
                                Locale.ROOT,
                                "latency p50 %.2f s p95 %.2f s p99 %.2f s",
                                q[0] / 1e6,
                                q[1] / 1e6,
                                q[2] / 1e6);
        String offset =
                s.lastAvOffsetMicros() == null
                        ? "A/V -"
                        : String.format(Locale.ROOT, "A/V %+d ms", s.lastAvOffsetMicros() / 1000);
        return String.format(
                Locale.ROOT,
                "%s: in %d frames, pushed %d (lip-synced %d, passed through %d), %s, %s,"
                        + " reconnects source %d push %d, gaps %d (%.1f s), silence %.1f s,"
                        + " %.2f Mbit/s",
                s.streamId(),
                s.framesIn(),
                s.framesPushed(),
                s.lipSyncedFrames(),
                s.passedThroughFrames(),
                latency,
                offset,
                s.sourceReconnects(),
                s.pushReconnects(),
                s.sourceGaps(),
                s.sourceGapMicros() / 1e6,
                s.silenceFilledSamples() / (double) MediaIngest.SAMPLE_RATE,
                s.pushedBitsPerSecond() / 1e6);
    }

    /**
     * The end-of-run line: totals, latency quantiles over the whole run, A/V offset first and last.
     */
    static String summary(LiveStreamMetrics metrics) {
        LiveStreamMetrics.Snapshot s = metrics.snapshot();
        long[] q = metrics.latencyQuantiles(0, LiveStreamMetrics.QUANTILES);
        return String.format(
                Locale.ROOT,
                "%s summary: %d frames in, %d pushed in %d segments (%.1f MB); glass-to-glass over"
                        + " the run %s; A/V offset first %s, last %s; reconnects source %d push %d;"
                        + " gaps %d (%.1f s); silence %.1f s",
                s.streamId(),
                s.framesIn(),
                s.framesPushed(),
                s.segmentsPushed(),
                s.bytesPushed() / 1e6,
                q.length == 0
                        ? "-"
                        : String.format(
                                Locale.ROOT,
                                "p50 %.2f s p95 %.2f s p99 %.2f s",
                                q[0] / 1e6,
                                q[1] / 1e6,
                                q[2] / 1e6),
                millis(s.firstAvOffsetMicros()),
                millis(s.lastAvOffsetMicros()),
                s.sourceReconnects(),
                s.pushReconnects(),
                s.sourceGaps(),
                s.sourceGapMicros() / 1e6,
                s.silenceFilledSamples() / (double) MediaIngest.SAMPLE_RATE);
    }

    private static String millis(Long micros) {
        return micros == null ? "-" : String.format(Locale.ROOT, "%+d ms", micros / 1000);
    }
}
