package io.lipstream.job.faces;

import java.io.Serializable;

/**
 * A decoded frame: BGR24 rows, top row first, no padding ({@code bgr.length == width*height*3}).
 * The array is shared, not copied: treat it as read-only once built.
 */
public record BgrImage(int width, int height, byte[] bgr) implements Serializable {

    /** Bytes per pixel: blue, green, red. */
    public static final int CHANNELS = 3;

    public BgrImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "image size must be positive, found " + width + "x" + height);
        }
        long expected = (long) width * height * CHANNELS;
        if (bgr == null || bgr.length != expected) {
            throw new IllegalArgumentException(
                    "a "
                            + width
                            + "x"
                            + height
                            + " BGR24 image needs "
                            + expected
                            + " bytes, found "
                            + (bgr == null ? "null" : bgr.length));
        }
    }

    @Override
    public String toString() {
        return "BgrImage[" + width + "x" + height + "]";
    }
}
