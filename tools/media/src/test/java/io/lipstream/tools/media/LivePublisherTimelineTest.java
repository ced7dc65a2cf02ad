package io.lipstream.tools.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The publisher's output clock: continuous across segments and across a restarted stream. */
class LivePublisherTimelineTest {
    private static final long FRAME = 40_000;

    @Test
    void shouldStartTheOutputAtZero() {
        LivePublisher.Timeline timeline = new LivePublisher.Timeline();
        assertEquals(-1_400_000, timeline.shiftFor(1_400_000));
    }

    @Test
    void shouldKeepTheShiftWhileTheStreamGoesForwardAndKeepAHoleAHole() {
        LivePublisher.Timeline timeline = new LivePublisher.Timeline();
        long shift = timeline.shiftFor(1_400_000);
        pushVideo(timeline, 1_400_000 + shift, 50);
        assertEquals(shift, timeline.shiftFor(3_400_000), "the next segment follows on");
        pushVideo(timeline, 3_400_000 + shift, 50);
        assertEquals(shift, timeline.shiftFor(9_000_000), "a hole in the stream clock stays");
    }

    @Test
    void shouldMoveASegmentThatWouldGoBackToFollowWhatWasPushed() {
        LivePublisher.Timeline timeline = new LivePublisher.Timeline();
        long shift = timeline.shiftFor(1_400_000);
        pushVideo(timeline, 1_400_000 + shift, 100); // 4 s pushed
        long restarted = timeline.shiftFor(1_400_000); // a new ingest starts its clock again
        assertEquals(4_000_000, 1_400_000 + restarted, "starts where the output was");
    }

    private static void pushVideo(LivePublisher.Timeline timeline, long fromMicros, int frames) {
        for (int i = 0; i < frames; i++) {
            timeline.videoPushed(fromMicros + i * FRAME, FRAME);
        }
    }

    @Test
    void shouldPaceAtRealTimeAndNotWaitWhileCatchingUp() throws InterruptedException {
        LivePublisher.Timeline timeline = new LivePublisher.Timeline();
        timeline.pace(0, false);
        long start = System.nanoTime();
        timeline.pace(10_000_000, true); // ten seconds ahead, but behind the live edge: no wait
        timeline.pace(10_100_000, false); // then real time again from there: 100 ms
        long waited = System.nanoTime() - start;
        assertTrue(waited >= 90_000_000L, "waited " + waited + " ns");
        assertTrue(waited < 5_000_000_000L, "did not wait for the ten seconds: " + waited + " ns");
    }
}
