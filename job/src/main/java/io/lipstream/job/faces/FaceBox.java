package io.lipstream.job.faces;

import java.io.Serializable;

/**
 * Face rectangle in frame pixels, Wav2Lip convention: rows {@code y1..y2-1}, columns {@code
 * x1..x2-1} ({@code image[y1:y2, x1:x2]}). Never empty; the corners may lie outside the frame (raw
 * detector boxes), {@link Wav2LipBoxes#pad} clamps them.
 */
public record FaceBox(int x1, int y1, int x2, int y2) implements Serializable {

    public FaceBox {
        if (x2 <= x1 || y2 <= y1) {
            throw new IllegalArgumentException(
                    "face box must be non-empty (x1 < x2, y1 < y2), found "
                            + describe(x1, y1, x2, y2));
        }
    }

    /** The box with top-left corner {@code (x, y)} and the given size (the Avro FaceBox layout). */
    public static FaceBox ofSize(int x, int y, int width, int height) {
        return new FaceBox(x, y, x + width, y + height);
    }

    public int width() {
        return x2 - x1;
    }

    public int height() {
        return y2 - y1;
    }

    public long area() {
        return (long) width() * height();
    }

    /** Intersection over union with another box, in [0, 1]. */
    public double iou(FaceBox o) {
        long w = Math.min(x2, o.x2) - Math.max(x1, o.x1);
        long h = Math.min(y2, o.y2) - Math.max(y1, o.y1);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double inter = (double) w * h;
        return inter / (area() + o.area() - inter);
    }

    public double centerX() {
        return (x1 + x2) / 2.0;
    }

    public double centerY() {
        return (y1 + y2) / 2.0;
    }

    /** Whether the box lies wholly inside a frame of this size. */
    public boolean isInside(int frameWidth, int frameHeight) {
        return x1 >= 0 && y1 >= 0 && x2 <= frameWidth && y2 <= frameHeight;
    }

    @Override
    public String toString() {
        return describe(x1, y1, x2, y2);
    }

    private static String describe(int x1, int y1, int x2, int y2) {
        return "[x " + x1 + ".." + x2 + ", y " + y1 + ".." + y2 + ")";
    }
}
