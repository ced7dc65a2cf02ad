package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SegmentClockTest {
    @Test
    void shouldPlaceFramesOnTheStreamClock() {
        SegmentClock clock = new SegmentClock(50, 50, 25, 1);

        assertEquals(2_000_000, clock.startMicros());
        assertEquals(2_000_000, clock.durationMicros());
        assertEquals(32_000, clock.audioStartSample());
        assertEquals(32_000, clock.audioSampleCount());
    }

    @Test
    void shouldRoundNtscTimesToTheNearestMicrosecondAndSample() {
        // Frame 1 of 30000/1001 fps is at 1001/30000 s = 33366.67 us = 533.87 samples.
        SegmentClock clock = new SegmentClock(1, 1, 30_000, 1_001);

        assertEquals(33_367, clock.startMicros());
        assertEquals(534, clock.audioStartSample());
        // Frame 2 is at 66733.33 us = 1067.73 samples.
        assertEquals(66_733 - 33_367, clock.durationMicros());
        assertEquals(1_068 - 534, clock.audioSampleCount());
    }

    @Test
    void shouldMakeConsecutiveSegmentsMeetExactly() {
        long end = 0;
        long samples = 0;
        for (int segment = 0; segment < 1_000; segment++) {
            SegmentClock clock = new SegmentClock(segment * 47L, 47, 30_000, 1_001);
            assertEquals(end, clock.startMicros(), "segment " + segment);
            assertEquals(samples, clock.audioStartSample(), "segment " + segment);
            end = clock.startMicros() + clock.durationMicros();
            samples = clock.audioStartSample() + clock.audioSampleCount();
        }
        // 47000 frames at 30000/1001 fps last 47000 * 1001 / 30000 = 1568.2333... s.
        assertEquals(1_568_233_333, end);
        assertEquals(25_091_733, samples);
    }

    @Test
    void shouldRejectARateThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> new SegmentClock(0, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SegmentClock(0, 1, 25, -1));
    }
}
