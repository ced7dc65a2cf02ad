package io.lipstream.connectors.kafka;

import java.io.Serializable;
import java.util.Optional;

/**
 * A contract check beyond the schema (for example that an audio chunk's byte length fits its
 * declared format). Returns the reason a record is rejected, expected versus found, or empty.
 *
 * @param <T> the record type
 */
@FunctionalInterface
public interface RecordValidator<T> extends Serializable {
    Optional<String> check(T record);

    /** Accepts every record that decodes. */
    static <T> RecordValidator<T> acceptAll() {
        return record -> Optional.empty();
    }
}
