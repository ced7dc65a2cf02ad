package io.lipstream.connectors.kafka;

/**
 * Kafka refused or could not be reached by a client of the user's machine (wrong credentials, no
 * broker at the bootstrap address): the message names the bootstrap servers and the cause in one
 * line, never a secret.
 */
public final class KafkaAccessException extends RuntimeException {
    public KafkaAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
