package io.lipstream.job.audio;

/** A media file that yields no audio: unreadable, not media, or without an audio stream. */
public final class AudioDecodeException extends RuntimeException {
    public AudioDecodeException(String message) {
        super(message);
    }

    public AudioDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
