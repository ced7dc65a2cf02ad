package io.lipstream.connectors.kafka;

import io.lipstream.connectors.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a contract record single-object encoded, keyed by its stream id (UTF-8), so every stream
 * stays ordered within one partition.
 *
 * @param <T> the contract type
 */
final class KeyedRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SingleObjectCodec<T> codec;
    private final KeySelector<T, String> key;

    KeyedRecordSerializer(String topic, SingleObjectCodec<T> codec, KeySelector<T, String> key) {
        this.topic = topic;
        this.codec = codec;
        this.key = key;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        try {
            return new ProducerRecord<>(
                    topic,
                    null,
                    timestamp,
                    key.getKey(element).getBytes(StandardCharsets.UTF_8),
                    codec.encode(element));
        } catch (Exception e) {
            throw new IllegalStateException("cannot key " + element.getClass().getSimpleName(), e);
        }
    }
}
