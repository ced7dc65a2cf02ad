package io.lipstream.e2e;

import io.lipstream.connectors.kafka.EmbeddedKafka;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every record of the segment topic, from the beginning, as a reader with the given isolation level
 * sees it: unlike {@link io.lipstream.connectors.media.SegmentCollector} nothing is deduplicated or
 * reordered, so duplicates and gaps stay visible.
 */
final class SegmentTopicReader implements AutoCloseable {
    /** What a consumer of committed output sees: only records of committed transactions. */
    static final String READ_COMMITTED = "read_committed";

    /** Records as soon as they are in the log, transactions committed or not. */
    static final String READ_UNCOMMITTED = "read_uncommitted";

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final SingleObjectCodec<EncodedSegment> codec =
            SingleObjectCodec.of(EncodedSegment.class);

    SegmentTopicReader(KafkaSettings settings, String isolationLevel) {
        Properties props = new Properties();
        props.put("isolation.level", isolationLevel);
        props.put("enable.auto.commit", "false");
        props.put("max.partition.fetch.bytes", String.valueOf(EmbeddedKafka.MAX_MESSAGE_BYTES));
        props.put("fetch.max.bytes", String.valueOf(EmbeddedKafka.MAX_MESSAGE_BYTES));
        consumer =
                new KafkaConsumer<>(
                        settings.clientProperties(props),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        consumer.partitionsFor(settings.segmentTopic())
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** The records that arrived since the last call (waits up to a short poll interval). */
    List<EncodedSegment> poll() {
        List<EncodedSegment> segments = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            segments.add(codec.decode(record.value()));
        }
        return segments;
    }

    /**
     * The records up to the current end of every partition (for {@code read_committed}, the last
     * stable offset: nothing is left in a committed transaction).
     */
    List<EncodedSegment> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<EncodedSegment> segments = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "segment topic: expected to reach offsets " + end + " within " + timeout);
            }
            segments.addAll(poll());
        }
        return segments;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
