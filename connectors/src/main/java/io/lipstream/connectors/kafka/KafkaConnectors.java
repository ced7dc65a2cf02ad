package io.lipstream.connectors.kafka;

import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.RejectedRecord;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds the job's Kafka sources and sinks from {@link KafkaSettings}: raw-record sources (decoded
 * downstream so bad records can be routed), the exactly-once segment sink and the dead-letter sink.
 */
public final class KafkaConnectors {
    private final KafkaSettings settings;

    public KafkaConnectors(KafkaSettings settings) {
        this.settings = settings;
    }

    public KafkaSettings settings() {
        return settings;
    }

    /**
     * A source of one topic from the group's committed offsets (earliest when none), or from {@code
     * kafka.start-timestamp-ms} when set.
     */
    public KafkaSource<RawRecord> source(String topic) {
        Properties props = settings.clientProperties(TopicReaders.largeRecordFetch());
        props.put("isolation.level", TopicReaders.READ_COMMITTED);
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setProperties(props)
                .setTopics(topic)
                .setGroupId(settings.groupId())
                .setStartingOffsets(
                        settings.startTimestampMs() != null
                                ? OffsetsInitializer.timestamp(settings.startTimestampMs())
                                : OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }

    /**
     * The segment sink: transactions committed on each checkpoint, so a {@code read_committed}
     * reader sees every segment exactly once, one checkpoint interval after it was written.
     */
    public KafkaSink<EncodedSegment> segmentSink() {
        Properties props = producerProperties();
        props.put("transaction.timeout.ms", String.valueOf(settings.transactionTimeoutMs()));
        return KafkaSink.<EncodedSegment>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setKafkaProducerConfig(props)
                .setRecordSerializer(
                        new KeyedRecordSerializer<>(
                                settings.segmentTopic(),
                                SingleObjectCodec.of(EncodedSegment.class),
                                EncodedSegment::getStreamId))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(settings.transactionalIdPrefix())
                .build();
    }

    /**
     * The dead-letter sink (at least once: a rejected record may be reported twice after a
     * restart).
     */
    public KafkaSink<RejectedRecord> deadLetterSink() {
        return KafkaSink.<RejectedRecord>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setKafkaProducerConfig(producerProperties())
                .setRecordSerializer(
                        new KeyedRecordSerializer<>(
                                settings.deadLetterTopic(),
                                SingleObjectCodec.of(RejectedRecord.class),
                                r -> r.getSourceTopic() + "/" + r.getPartition()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    private Properties producerProperties() {
        Properties props = settings.clientProperties(new Properties());
        props.put("max.request.size", String.valueOf(Topics.MAX_MESSAGE_BYTES));
        return props;
    }
}
