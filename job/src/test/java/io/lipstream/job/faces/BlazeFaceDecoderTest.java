package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BlazeFace's anchors, decoding, threshold and weighted NMS, on hand-made raw outputs. */
class BlazeFaceDecoderTest {
    private static final int SIZE = 256;
    private static final float NONE = -20f; // sigmoid: 2e-9

    @Test
    void shouldLayOutTheAnchorsAsMediaPipesSsdAnchors() {
        float[] a = BlazeFaceDecoder.anchors();
        assertEquals(2 * 896, a.length);
        // 16x16 cells, 2 anchors each, row by row.
        assertAnchor(a, 0, 0.5f / 16, 0.5f / 16);
        assertAnchor(a, 1, 0.5f / 16, 0.5f / 16);
        assertAnchor(a, 2, 1.5f / 16, 0.5f / 16);
        assertAnchor(a, 32, 0.5f / 16, 1.5f / 16);
        // Then 8x8 cells, 6 anchors each.
        assertAnchor(a, 512, 0.5f / 8, 0.5f / 8);
        assertAnchor(a, 517, 0.5f / 8, 0.5f / 8);
        assertAnchor(a, 518, 1.5f / 8, 0.5f / 8);
        assertAnchor(a, 895, 7.5f / 8, 7.5f / 8);
    }

    @Test
    void shouldDecodeABoxAndKeypointsRelativeToTheirAnchor() {
        float[] scores = filled(BlazeFaceDecoder.ANCHORS, NONE);
        float[] regressors = new float[BlazeFaceDecoder.ANCHORS * BlazeFaceDecoder.REGRESSORS];
        int anchor = 600; // 8x8 grid: cell 88 / 6 = 14 -> x 6, y 1
        scores[anchor] = 3f;
        float[] r = {4, -8, 40, 48, -10, -12, 10, -12, 0, 0, 0, 14, -20, -4, 20, -4};
        System.arraycopy(r, 0, regressors, anchor * 16, 16);

        List<BlazeFaceDecoder.Detection> faces =
                BlazeFaceDecoder.decode(scores, regressors, SIZE, 0.5f);

        assertEquals(1, faces.size());
        var f = faces.get(0);
        float ax = 6.5f / 8, ay = 1.5f / 8;
        assertEquals(ax + 4f / SIZE, f.centerX(), 1e-6);
        assertEquals(ay - 8f / SIZE, f.centerY(), 1e-6);
        assertEquals(40f / SIZE, f.width(), 1e-6);
        assertEquals(48f / SIZE, f.height(), 1e-6);
        assertEquals(ax - 10f / SIZE, f.keypointX(BlazeFaceDecoder.RIGHT_EYE), 1e-6);
        assertEquals(ay + 14f / SIZE, f.keypointY(BlazeFaceDecoder.MOUTH), 1e-6);
        assertEquals(1 / (1 + Math.exp(-3)), f.score(), 1e-6);
    }

    @Test
    void shouldDropAnchorsScoringBelowTheThreshold() {
        float[] scores = filled(BlazeFaceDecoder.ANCHORS, NONE);
        float[] regressors = new float[BlazeFaceDecoder.ANCHORS * BlazeFaceDecoder.REGRESSORS];
        scores[10] = -0.5f; // 0.38
        scores[700] = 0.5f; // 0.62
        for (int a : new int[] {10, 700}) {
            regressors[a * 16 + 2] = 30;
            regressors[a * 16 + 3] = 30;
        }
        assertEquals(1, BlazeFaceDecoder.decode(scores, regressors, SIZE, 0.5f).size());
        assertEquals(2, BlazeFaceDecoder.decode(scores, regressors, SIZE, 0.3f).size());
    }

    @Test
    void shouldMergeOverlappingDetectionsIntoTheirScoreWeightedMean() {
        var strong = detection(0.50f, 0.50f, 0.2f, 0.9f);
        var weak = detection(0.52f, 0.50f, 0.2f, 0.3f);
        var apart = detection(0.10f, 0.10f, 0.1f, 0.6f);

        List<BlazeFaceDecoder.Detection> merged =
                BlazeFaceDecoder.weightedNms(
                        List.of(weak, apart, strong), BlazeFaceDecoder.NMS_IOU);

        assertEquals(2, merged.size(), "the two overlapping ones become one");
        var face = merged.get(0);
        assertEquals(0.9f, face.score(), 1e-6, "the group keeps its best score");
        assertEquals((0.50 * 0.9 + 0.52 * 0.3) / 1.2, face.centerX(), 1e-6);
        assertEquals(apart, merged.get(1));
    }

    @Test
    void shouldRefuseOutputsOfTheWrongSize() {
        var e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                BlazeFaceDecoder.decode(
                                        new float[512], new float[512 * 16], SIZE, 0.5f));
        assertTrue(e.getMessage().contains("expected 896 scores"), e.getMessage());
        assertTrue(e.getMessage().contains("found 512"), e.getMessage());
    }

    private static BlazeFaceDecoder.Detection detection(
            float cx, float cy, float size, float score) {
        return new BlazeFaceDecoder.Detection(cx, cy, size, size, new float[12], score);
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    private static void assertAnchor(float[] anchors, int i, float x, float y) {
        assertEquals(x, anchors[2 * i], 1e-6, "anchor " + i + " x");
        assertEquals(y, anchors[2 * i + 1], 1e-6, "anchor " + i + " y");
    }
}
