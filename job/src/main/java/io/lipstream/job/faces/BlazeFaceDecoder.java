package io.lipstream.job.faces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns MediaPipe BlazeFace's raw outputs into face detections: SSD anchor decoding, a score
 * threshold and MediaPipe's weighted non-maximum suppression. Plain Java, no model needed.
 *
 * <p>Both BlazeFace models (short range 128x128, full range 256x256) predict 896 anchors: a 16x16
 * grid with 2 anchors per cell, then an 8x8 grid with 6 (MediaPipe's {@code SsdAnchorsCalculator}
 * with {@code fixed_anchor_size: true}, anchor offset 0.5, layers of equal stride merged). Each
 * anchor has one raw score (a logit) and 16 regressors: box centre x, y and size w, h, then six
 * keypoints x, y (eyes, nose tip, mouth, ears), all in input pixels relative to the anchor centre.
 * Coordinates here are normalised to the model input, y downwards.
 */
public final class BlazeFaceDecoder {

    /** Anchor grids in output order: cells per row and anchors per cell. */
    static final int[][] GRIDS = {{16, 2}, {8, 6}};

    /** Anchors in all: 16*16*2 + 8*8*6. */
    public static final int ANCHORS = 896;

    /** Regressors per anchor: box (4) and six keypoints (12). */
    public static final int REGRESSORS = 16;

    /** Keypoints per face, in this order. */
    public static final int KEYPOINTS = 6;

    public static final int RIGHT_EYE = 0, LEFT_EYE = 1, NOSE = 2, MOUTH = 3;

    /** MediaPipe clips raw scores to this before the sigmoid ({@code score_clipping_thresh}). */
    private static final float SCORE_CLIP = 100f;

    /** MediaPipe's face detection graphs: detections overlapping more than this are merged. */
    public static final float NMS_IOU = 0.3f;

    /**
     * One face in normalised input coordinates: box centre, size, keypoints as (x, y) pairs, score
     * in [0, 1].
     */
    public record Detection(
            float centerX,
            float centerY,
            float width,
            float height,
            float[] keypoints,
            float score) {
        public Detection {
            if (keypoints.length != 2 * KEYPOINTS) {
                throw new IllegalArgumentException(
                        "expected "
                                + 2 * KEYPOINTS
                                + " keypoint values, found "
                                + keypoints.length);
            }
        }

        public float x1() {
            return centerX - width / 2;
        }

        public float y1() {
            return centerY - height / 2;
        }

        public float x2() {
            return centerX + width / 2;
        }

        public float y2() {
            return centerY + height / 2;
        }

        public float keypointX(int k) {
            return keypoints[2 * k];
        }

        public float keypointY(int k) {
            return keypoints[2 * k + 1];
        }

        /** Intersection over union of the two boxes. */
        public float iou(Detection o) {
            float w = Math.min(x2(), o.x2()) - Math.max(x1(), o.x1());
            float h = Math.min(y2(), o.y2()) - Math.max(y1(), o.y1());
            if (w <= 0 || h <= 0) {
                return 0;
            }
            float inter = w * h;
            return inter / (width * height + o.width * o.height - inter);
        }
    }

    private BlazeFaceDecoder() {}

    /** Anchor centres in output order, {x0, y0, x1, y1, ...}, normalised. */
    public static float[] anchors() {
        float[] anchors = new float[2 * ANCHORS];
        int a = 0;
        for (int[] grid : GRIDS) {
            int cells = grid[0];
            for (int y = 0; y < cells; y++) {
                for (int x = 0; x < cells; x++) {
                    for (int k = 0; k < grid[1]; k++) {
                        anchors[a++] = (x + 0.5f) / cells;
                        anchors[a++] = (y + 0.5f) / cells;
                    }
                }
            }
        }
        return anchors;
    }

    /**
     * Decodes all anchors scoring at least {@code minScore} and merges overlapping ones.
     *
     * @param scores raw scores (logits), one per anchor, in anchor order
     * @param regressors {@link #REGRESSORS} values per anchor, in anchor order
     * @param inputSize the model's input width and height in pixels (128 or 256)
     * @return faces, best score first
     */
    public static List<Detection> decode(
            float[] scores, float[] regressors, int inputSize, float minScore) {
        if (scores.length != ANCHORS || regressors.length != ANCHORS * REGRESSORS) {
            throw new IllegalArgumentException(
                    "expected "
                            + ANCHORS
                            + " scores and "
                            + ANCHORS * REGRESSORS
                            + " regressors, found "
                            + scores.length
                            + " and "
                            + regressors.length);
        }
        float[] anchors = anchors();
        float scale = 1f / inputSize;
        List<Detection> found = new ArrayList<>();
        for (int a = 0; a < ANCHORS; a++) {
            float score = sigmoid(Math.max(-SCORE_CLIP, Math.min(SCORE_CLIP, scores[a])));
            if (!(score >= minScore)) {
                continue;
            }
            int r = a * REGRESSORS;
            float ax = anchors[2 * a];
            float ay = anchors[2 * a + 1];
            float[] keypoints = new float[2 * KEYPOINTS];
            for (int k = 0; k < KEYPOINTS; k++) {
                keypoints[2 * k] = ax + regressors[r + 4 + 2 * k] * scale;
                keypoints[2 * k + 1] = ay + regressors[r + 5 + 2 * k] * scale;
            }
            float w = regressors[r + 2] * scale;
            float h = regressors[r + 3] * scale;
            if (w > 0 && h > 0) {
                found.add(
                        new Detection(
                                ax + regressors[r] * scale,
                                ay + regressors[r + 1] * scale,
                                w,
                                h,
                                keypoints,
                                score));
            }
        }
        return weightedNms(found, NMS_IOU);
    }

    /**
     * MediaPipe's weighted non-maximum suppression: from the best remaining detection, every
     * detection overlapping it by more than {@code iouThreshold} is removed and the group is
     * replaced by its score-weighted mean (box and keypoints), keeping the best score.
     */
    public static List<Detection> weightedNms(List<Detection> detections, float iouThreshold) {
        List<Detection> remaining = new ArrayList<>(detections);
        remaining.sort(Comparator.comparingDouble((Detection d) -> d.score()).reversed());
        List<Detection> merged = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Detection best = remaining.get(0);
            List<Detection> group = new ArrayList<>();
            List<Detection> rest = new ArrayList<>();
            for (Detection d : remaining) {
                (d == best || best.iou(d) > iouThreshold ? group : rest).add(d);
            }
            merged.add(mean(group, best.score()));
            remaining = rest;
        }
        return merged;
    }

    private static Detection mean(List<Detection> group, float score) {
        if (group.size() == 1) {
            return group.get(0);
        }
        double total = 0, cx = 0, cy = 0, w = 0, h = 0;
        double[] k = new double[2 * KEYPOINTS];
        for (Detection d : group) {
            double s = d.score();
            total += s;
            cx += s * d.centerX();
            cy += s * d.centerY();
            w += s * d.width();
            h += s * d.height();
            for (int i = 0; i < k.length; i++) {
                k[i] += s * d.keypoints()[i];
            }
        }
        float[] keypoints = new float[k.length];
        for (int i = 0; i < k.length; i++) {
            keypoints[i] = (float) (k[i] / total);
        }
        return new Detection(
                (float) (cx / total),
                (float) (cy / total),
                (float) (w / total),
                (float) (h / total),
                keypoints,
                score);
    }

    private static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }
}
