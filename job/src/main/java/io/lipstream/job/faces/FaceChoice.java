package io.lipstream.job.faces;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which of several detected faces is the stream's face: chosen by {@link FaceSelect}, then tracked
 * from detection to detection by overlap and motion, so that the dubbed face does not hop to
 * another person.
 */
public final class FaceChoice {

    /** A detection overlapping the tracked face at least this much is that face. */
    public static final double MIN_TRACK_IOU = 0.3;

    /**
     * Otherwise, the nearest detection whose centre moved at most this share of the tracked face's
     * size is that face: a head moving fast between two detections (five frames apart by default),
     * while another person's face, beside it, is further.
     */
    public static final double MAX_TRACK_SHIFT = 1.0;

    private FaceChoice() {}

    /** The face to dub among {@code faces}, or empty when there is none. */
    public static Optional<FaceBox> choose(
            List<FaceBox> faces,
            FaceSelect select,
            int frameWidth,
            int frameHeight,
            FaceBox upstreamHint) {
        if (faces.isEmpty()) {
            return Optional.empty();
        }
        return switch (select) {
            case LARGEST -> largest(faces);
            case CENTER -> nearest(faces, frameWidth / 2.0, frameHeight / 2.0);
            case UPSTREAM ->
                    upstreamHint == null
                            ? largest(faces)
                            : nearest(faces, upstreamHint.centerX(), upstreamHint.centerY());
        };
    }

    /** The detection that is the tracked face {@code previous}, if any. */
    public static Optional<FaceBox> track(List<FaceBox> faces, FaceBox previous) {
        FaceBox best = null;
        double bestIou = 0;
        for (FaceBox f : faces) {
            double iou = f.iou(previous);
            if (iou > bestIou) {
                bestIou = iou;
                best = f;
            }
        }
        if (best != null && bestIou >= MIN_TRACK_IOU) {
            return Optional.of(best);
        }
        double reach = MAX_TRACK_SHIFT * Math.max(previous.width(), previous.height());
        return nearest(faces, previous.centerX(), previous.centerY())
                .filter(f -> distance(f, previous.centerX(), previous.centerY()) <= reach);
    }

    private static Optional<FaceBox> largest(List<FaceBox> faces) {
        return faces.stream().max(Comparator.comparingLong(FaceBox::area));
    }

    private static Optional<FaceBox> nearest(List<FaceBox> faces, double x, double y) {
        return faces.stream().min(Comparator.comparingDouble(f -> distance(f, x, y)));
    }

    private static double distance(FaceBox f, double x, double y) {
        return Math.hypot(f.centerX() - x, f.centerY() - y);
    }
}
