package io.lipstream.connectors.serde;

/** A Kafka record whose bytes are not the record the topic's contract names. */
public final class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
