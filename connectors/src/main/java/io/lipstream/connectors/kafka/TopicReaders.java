package io.lipstream.connectors.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Plain Kafka consumers that read a whole topic from its beginning, outside any consumer group
 * (nothing is committed), for the tools that read the job's topics back: segment collectors, the
 * bench's frame send times, test readers.
 */
public final class TopicReaders {
    /** Only records of committed transactions: what a consumer of the job's output sees. */
    public static final String READ_COMMITTED = "read_committed";

    /** Records as soon as they are in the log, transactions committed or not. */
    public static final String READ_UNCOMMITTED = "read_uncommitted";

    private TopicReaders() {}

    /**
     * Fetch sizes that let a consumer take the largest record the contract allows ({@link
     * Topics#MAX_MESSAGE_BYTES}, an encoded segment) in one fetch.
     */
    public static Properties largeRecordFetch() {
        Properties props = new Properties();
        props.put("max.partition.fetch.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES));
        props.put("fetch.max.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES));
        return props;
    }

    /**
     * A consumer assigned every partition of {@code topic}, at its beginning, reading with {@code
     * isolationLevel} ({@link #READ_COMMITTED} or {@link #READ_UNCOMMITTED}).
     */
    public static KafkaConsumer<byte[], byte[]> fromStart(
            KafkaSettings settings, String topic, String isolationLevel) {
        Properties props = largeRecordFetch();
        props.put("isolation.level", isolationLevel);
        props.put("enable.auto.commit", "false");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        settings.clientProperties(props),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic)
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }
}
