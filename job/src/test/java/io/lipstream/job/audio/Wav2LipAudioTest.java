package io.lipstream.job.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Frame-to-window index math as Wav2Lip's inference.py does it. */
class Wav2LipAudioTest {

    @Test
    void shouldStartWindowsAtIntOfIndexTimesEightyOverFps() {
        assertEquals(0, Wav2LipAudio.windowStart(0, 25.0));
        assertEquals(3, Wav2LipAudio.windowStart(1, 25.0)); // 3.2
        assertEquals(16, Wav2LipAudio.windowStart(5, 25.0));
        assertEquals(26, Wav2LipAudio.windowStart(10, 30000 / 1001.0)); // 26.69
    }

    @Test
    void shouldKeepWav2LipsDoubleRoundingRatherThanExactFractions() {
        // exactly 300 * 80 * 1001 / 24000 = 1001, but 80.0 / (24000 / 1001.0) = 3.3366666666666664
        // and Python's int(300 * 3.3366666666666664) is 1000
        assertEquals(1000, Wav2LipAudio.windowStart(300, 24000 / 1001.0));
    }

    @Test
    void shouldRejectFrameRatesThatAreNotPositiveNumbers() {
        assertThrows(IllegalArgumentException.class, () -> Wav2LipAudio.windowStart(1, 0));
        assertThrows(IllegalArgumentException.class, () -> Wav2LipAudio.windowStart(1, -25));
        assertThrows(IllegalArgumentException.class, () -> Wav2LipAudio.windowStart(1, Double.NaN));
    }

    @Test
    void shouldStartPtsWindowsAtFloorOfSecondsTimesEighty() {
        assertEquals(0, Wav2LipAudio.windowStartForPts(0));
        assertEquals(0, Wav2LipAudio.windowStartForPts(12_499)); // 0.999 columns
        assertEquals(1, Wav2LipAudio.windowStartForPts(12_500)); // 12.5 ms = one hop
        assertEquals(80, Wav2LipAudio.windowStartForPts(1_000_000));
        assertEquals(3, Wav2LipAudio.windowStartForPts(40_000)); // 25 fps frame 1: 3.2
        assertEquals(-1, Wav2LipAudio.windowStartForPts(-1));
    }

    @Test
    void shouldCountColumnsLikeLibrosaCentredStft() {
        assertEquals(1, Wav2LipAudio.columnCount(0));
        assertEquals(1, Wav2LipAudio.columnCount(199));
        assertEquals(2, Wav2LipAudio.columnCount(200));
        float[] speech = MelGolden.input("speech");
        assertEquals(MelGolden.mel("speech")[0].length, Wav2LipAudio.columnCount(speech.length));
    }

    @Test
    void shouldPickAsManyWindowsAsInferencePyWithTheLastSixteenColumnsLast() {
        for (MelGolden.WindowRate rate : MelGolden.WINDOW_RATES) {
            double fps = rate.fps();
            int columns = MelGolden.mel("speech")[0].length;

            int[] starts = Wav2LipAudio.inferenceWindowStarts(columns, fps);

            assertEquals(MelGolden.speechWindows(rate.tag()).shape()[0], starts.length);
            assertEquals(columns - 16, starts[starts.length - 1]);
            assertEquals(
                    Wav2LipAudio.windowStart(starts.length - 2, fps), starts[starts.length - 2]);
        }
    }

    @Test
    void shouldRefuseWindowsForLessThanSixteenColumns() {
        assertThrows(
                IllegalArgumentException.class, () -> Wav2LipAudio.inferenceWindowStarts(15, 25));
        // inference.py takes [0, 16) for frame 0, then frame 1 (start 3) no longer fits: the tail
        // rule appends the last 16 columns, [0, 16) again, and stops
        assertArrayEquals(new int[] {0, 0}, Wav2LipAudio.inferenceWindowStarts(16, 25));
    }
}
