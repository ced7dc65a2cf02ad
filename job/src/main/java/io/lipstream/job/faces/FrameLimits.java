package io.lipstream.job.faces;

import java.io.Serializable;

/**
 * Upper bounds a frame must respect before any decoding is attempted, so that a hostile or broken
 * record cannot make the job allocate without limit.
 */
public final class FrameLimits implements Serializable {

    /** 4K UHD: the largest frame size the pipeline is sized for. */
    public static final int DEFAULT_MAX_WIDTH = 3840;

    public static final int DEFAULT_MAX_HEIGHT = 2160;

    /** 16 MiB: a generous encoded 4K frame; raw BGR24 4K (24.9 MB) does not fit on purpose. */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

    private final int maxWidth;
    private final int maxHeight;
    private final int maxBytes;

    public FrameLimits(int maxWidth, int maxHeight, int maxBytes) {
        if (maxWidth <= 0 || maxHeight <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException(
                    "frame limits must be positive, found "
                            + maxWidth
                            + "x"
                            + maxHeight
                            + ", "
                            + maxBytes
                            + " bytes");
        }
        this.maxWidth = maxWidth;
        this.maxHeight = maxHeight;
        this.maxBytes = maxBytes;
    }

    /** 3840x2160, 16 MiB. */
    public static FrameLimits defaults() {
        return new FrameLimits(DEFAULT_MAX_WIDTH, DEFAULT_MAX_HEIGHT, DEFAULT_MAX_BYTES);
    }

    public int maxWidth() {
        return maxWidth;
    }

    public int maxHeight() {
        return maxHeight;
    }

    public int maxBytes() {
        return maxBytes;
    }

    @Override
    public String toString() {
        return "FrameLimits[" + maxWidth + "x" + maxHeight + ", " + maxBytes + " bytes]";
    }
}
