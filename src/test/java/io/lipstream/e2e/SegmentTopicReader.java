package io.lipstream.e2e;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Every record of the segment topic, from the beginning, as a reader with the given isolation level
 * sees it: unlike {@link io.lipstream.tools.media.SegmentCollector} nothing is deduplicated or
 * reordered, so duplicates and gaps stay visible.
 */
final class SegmentTopicReader implements AutoCloseable {
    static final String READ_COMMITTED = TopicReaders.READ_COMMITTED;
    static final String READ_UNCOMMITTED = TopicReaders.READ_UNCOMMITTED;

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SingleObjectCodec<EncodedSegment> codec =
            SingleObjectCodec.of(EncodedSegment.class);

    SegmentTopicReader(KafkaSettings settings, String isolationLevel) {
        consumer = TopicReaders.fromStart(settings, settings.segmentTopic(), isolationLevel);
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
        // Every partition the consumer reads: an empty set would have no end offsets, and
        // "reached all of none" is true at once.
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        if (end.isEmpty()) {
            throw new IllegalStateException("segment topic: no partition assigned to read");
        }
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
