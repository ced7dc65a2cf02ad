package io.lipstream.job.audio;

/** PCM bytes that do not fit their declared layout; the message says expected versus found. */
public final class MalformedAudioException extends RuntimeException {
    public MalformedAudioException(String message) {
        super(message);
    }
}
