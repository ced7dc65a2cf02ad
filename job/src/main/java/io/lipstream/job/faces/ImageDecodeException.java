package io.lipstream.job.faces;

/**
 * A frame's image bytes could not be turned into the declared BGR image: too large, not the
 * declared codec, corrupt, or of another size. The message says what was expected and what was
 * found.
 */
public final class ImageDecodeException extends RuntimeException {

    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
