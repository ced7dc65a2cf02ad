package io.lipstream.job.segments;

/** A segment could not be encoded: invalid input or an FFmpeg failure (message says which). */
public final class SegmentEncodingException extends Exception {
    private static final long serialVersionUID = 1L;

    public SegmentEncodingException(String message) {
        super(message);
    }

    public SegmentEncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
