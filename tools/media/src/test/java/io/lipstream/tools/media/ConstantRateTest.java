package io.lipstream.tools.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConstantRateTest {
    private static final long MS = 1_000;

    @Test
    void shouldGiveAConstantRateFileOneSlotPerFrame() {
        ConstantRate rate = new ConstantRate(25, 1);
        rate.startLoop(0);
        for (long i = 0; i < 100; i++) {
            // 40 ms per frame, from a non-zero start and with a little jitter
            assertEquals(i, rate.slotOf(1_000 * MS + i * 40 * MS + (i % 3) * MS, i));
        }
    }

    @Test
    void shouldPlaceVariableRateFramesByTheirTime() {
        // 30 frames at 30 fps, then 15 at 15 fps: 45 frames in 2 s, 22.5 fps on average.
        ConstantRate rate = new ConstantRate(45, 2);
        rate.startLoop(0);
        // The grid's slots are 44.4 ms apart.
        assertEquals(0, rate.slotOf(0, 0));
        assertEquals(1, rate.slotOf(33_333, 1), "33 ms: slot 1 (44 ms) is nearest");
        assertEquals(2, rate.slotOf(66_667, 2), "67 ms: slot 2 (89 ms)");
        assertEquals(2, rate.slotOf(100_000, 3), "100 ms: slot 2 again, this frame is dropped");
        assertEquals(24, rate.slotOf(1_066_667, 3), "1.067 s: slot 24, after a gap to fill");
    }

    @Test
    void shouldStartEachPassOverTheFileAtTheSlotItIsGiven() {
        ConstantRate rate = new ConstantRate(25, 1);
        rate.startLoop(0);
        rate.slotOf(5_000 * MS, 0);
        rate.slotOf(5_040 * MS, 1);
        rate.startLoop(2);
        assertEquals(2, rate.slotOf(5_000 * MS, 2), "the file's timestamps start over");
        assertEquals(3, rate.slotOf(5_040 * MS, 3));
    }

    @Test
    void shouldNotTrustTimestampsThatGoBackOrJumpFarAhead() {
        ConstantRate rate = new ConstantRate(25, 1);
        rate.startLoop(0);
        assertEquals(0, rate.slotOf(0, 0));
        assertEquals(1, rate.slotOf(0, 1), "no later than the frame before: next slot");
        assertEquals(2, rate.slotOf(3_600_000 * MS, 2), "an hour ahead: next slot");
        assertEquals(3, rate.slotOf(3_600_040 * MS, 3), "and the grid goes on from there");
    }
}
