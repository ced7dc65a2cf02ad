package io.lipstream.tools.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class LiveStreamMetricsTest {
    @Test
    void shouldGiveNearestRankQuantilesOfTheWindowOnly() {
        LiveStreamMetrics metrics = new LiveStreamMetrics("s");
        metrics.latency(999_000_000, 1_000); // before the window
        for (int i = 1; i <= 100; i++) {
            metrics.latency(i * 1000L, 10_000);
        }
        assertArrayEquals(
                new long[] {50_000, 95_000, 99_000},
                metrics.latencyQuantiles(5_000, 0.5, 0.95, 0.99));
        assertEquals(999_000_000, metrics.latencyQuantiles(0, 1.0)[0], "all kept samples");
        assertEquals(0, metrics.latencyQuantiles(20_000, 0.5).length, "none in the window");
    }

    @Test
    void shouldAverageThePushedBitrateOverWholeSeconds() {
        LiveStreamMetrics metrics = new LiveStreamMetrics("s");
        for (long second = 100; second < 110; second++) {
            metrics.packetPushed(1000, true, second * 1000 + 500);
        }
        metrics.packetPushed(1_000_000, false, 110_100); // the current second does not count yet
        assertEquals(1000 * 8, metrics.pushedBitsPerSecond(110_200));
        assertEquals(10, metrics.snapshot().framesPushed());
    }

    @Test
    void shouldKeepTheFirstAndLastAvOffset() {
        LiveStreamMetrics metrics = new LiveStreamMetrics("s");
        assertNull(metrics.snapshot().firstAvOffsetMicros());
        metrics.avOffset(-16_000);
        metrics.avOffset(4_000);
        assertEquals(-16_000, metrics.snapshot().firstAvOffsetMicros());
        assertEquals(4_000, metrics.snapshot().lastAvOffsetMicros());
    }

    @Test
    void shouldCountGapsAndTheirLength() {
        LiveStreamMetrics metrics = new LiveStreamMetrics("s");
        metrics.sourceGap(2_000_000);
        metrics.sourceGap(40_000);
        assertEquals(2, metrics.snapshot().sourceGaps());
        assertEquals(2_040_000, metrics.snapshot().sourceGapMicros());
    }
}
