package io.lipstream.tools.media;

/** A media file that cannot be read, written or streamed; the message is one line for users. */
public final class MediaException extends RuntimeException {
    public MediaException(String message) {
        super(message);
    }

    public MediaException(String message, Throwable cause) {
        super(message, cause);
    }
}
