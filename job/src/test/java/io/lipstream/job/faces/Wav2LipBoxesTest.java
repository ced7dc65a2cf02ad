package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Wav2LipBoxesTest {

    private static final int W = 640, H = 360;

    @Test
    void shouldExtendTheBoxTenPixelsDownOnly() {
        assertEquals(
                new FaceBox(100, 50, 200, 160),
                Wav2LipBoxes.pad(new FaceBox(100, 50, 200, 150), W, H));
    }

    @Test
    void shouldClampThePaddedBoxToTheFrame() {
        assertEquals(
                new FaceBox(500, 300, 640, 360),
                Wav2LipBoxes.pad(new FaceBox(500, 300, 700, 355), W, H));
        assertEquals(
                new FaceBox(0, 0, 100, 110), Wav2LipBoxes.pad(new FaceBox(-5, -3, 100, 100), W, H));
    }

    @Test
    void shouldRejectABoxOutsideTheFrame() {
        FaceBox outside = new FaceBox(700, 10, 800, 100);
        assertFalse(Wav2LipBoxes.overlapsFrame(outside, W, H));
        assertTrue(Wav2LipBoxes.overlapsFrame(new FaceBox(600, 10, 800, 100), W, H));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Wav2LipBoxes.pad(outside, W, H));
        assertTrue(e.getMessage().contains("640x360"), e.getMessage());
    }

    @Test
    void shouldDescribeBoxesWithExclusiveEnds() {
        FaceBox box = FaceBox.ofSize(10, 20, 30, 40);
        assertEquals(new FaceBox(10, 20, 40, 60), box);
        assertEquals(30, box.width());
        assertEquals(40, box.height());
        assertTrue(box.isInside(40, 60));
        assertFalse(box.isInside(39, 60));
        assertThrows(IllegalArgumentException.class, () -> new FaceBox(10, 10, 10, 20));
    }
}
