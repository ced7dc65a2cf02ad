package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class Wav2LipExtentTest {

    @Test
    void shouldScaleAnUprightFaceAboutItsCentre() {
        var d = upright(200, 150, 100);
        Wav2LipExtent e = Wav2LipExtent.of(d, 0.9, 1.1);
        assertEquals(200, e.centerX(), 1e-9);
        assertEquals(150, e.centerY(), 1e-9);
        assertEquals(90, e.width(), 1e-3);
        assertEquals(110, e.height(), 1e-3);
        assertEquals(Optional.of(new FaceBox(155, 95, 245, 205)), e.toBox(640, 360));
    }

    @Test
    void shouldBoundATiltedFaceByItsTurnedEllipse() {
        Wav2LipExtent upright = Wav2LipExtent.upright(0, 0, 90, 110);
        Wav2LipExtent turned = upright.turned(Math.toRadians(30));
        double c = Math.cos(Math.toRadians(30)), s = Math.sin(Math.toRadians(30));
        assertEquals(Math.hypot(90 * c, 110 * s), turned.width(), 1e-9);
        assertEquals(Math.hypot(90 * s, 110 * c), turned.height(), 1e-9);
        Wav2LipExtent quarter = upright.turned(Math.PI / 2);
        assertEquals(110, quarter.width(), 1e-9);
        assertEquals(90, quarter.height(), 1e-9);
    }

    @Test
    void shouldReadTheTiltFromTheKeypoints() {
        // Eyes to the upper right of the mouth: the head leans 30 degrees.
        double t = Math.toRadians(30);
        float[] k = new float[12];
        setPoint(
                k,
                BlazeFaceDecoder.RIGHT_EYE,
                200 - 20 * Math.cos(t) + 25 * Math.sin(t),
                150 - 20 * Math.sin(t) - 25 * Math.cos(t));
        setPoint(
                k,
                BlazeFaceDecoder.LEFT_EYE,
                200 + 20 * Math.cos(t) + 25 * Math.sin(t),
                150 + 20 * Math.sin(t) - 25 * Math.cos(t));
        setPoint(k, BlazeFaceDecoder.MOUTH, 200 - 20 * Math.sin(t), 150 + 20 * Math.cos(t));
        var tilted = new BlazeFaceDecoder.Detection(200, 150, 100, 100, k, 0.9f);

        Wav2LipExtent e = Wav2LipExtent.of(tilted, 0.9, 1.1);

        Wav2LipExtent expected = Wav2LipExtent.upright(200, 150, 90, 110).turned(t);
        assertEquals(expected.width(), e.width(), 1e-3);
        assertEquals(expected.height(), e.height(), 1e-3);
    }

    @Test
    void shouldHaveNoBoxWhenTheExtentIsOutsideTheFrame() {
        assertTrue(Wav2LipExtent.upright(-100, 50, 40, 40).toBox(640, 360).isEmpty());
        assertTrue(Wav2LipExtent.upright(700, 50, 40, 40).toBox(640, 360).isEmpty());
    }

    private static BlazeFaceDecoder.Detection upright(double cx, double cy, double size) {
        float[] k = new float[12];
        setPoint(k, BlazeFaceDecoder.RIGHT_EYE, cx - 20, cy - 20);
        setPoint(k, BlazeFaceDecoder.LEFT_EYE, cx + 20, cy - 20);
        setPoint(k, BlazeFaceDecoder.MOUTH, cx, cy + 25);
        return new BlazeFaceDecoder.Detection(
                (float) cx, (float) cy, (float) size, (float) size, k, 0.9f);
    }

    private static void setPoint(float[] k, int point, double x, double y) {
        k[2 * point] = (float) x;
        k[2 * point + 1] = (float) y;
    }
}
