package io.lipstream.connectors.media;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads one stream's committed segments from the segment topic ({@code read_committed}), in segment
 * order and without duplicates, until the stream's last segment.
 */
public final class SegmentCollector implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SingleObjectCodec<EncodedSegment> codec =
            SingleObjectCodec.of(EncodedSegment.class);

    public SegmentCollector(KafkaSettings settings) {
        consumer =
                TopicReaders.fromStart(
                        settings, settings.segmentTopic(), TopicReaders.READ_COMMITTED);
    }

    /**
     * Collects {@code streamId}'s segments until its last one, calling {@code onSegment} for each
     * new one; gives up (returns what it has) when {@code keepWaiting} turns false.
     *
     * @return the segments in order, one per segment index
     */
    public List<EncodedSegment> collect(
            String streamId, Consumer<EncodedSegment> onSegment, BooleanSupplier keepWaiting) {
        TreeMap<Long, EncodedSegment> segments = new TreeMap<>();
        long lastIndex = -1;
        while (keepWaiting.getAsBoolean()) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                EncodedSegment segment;
                try {
                    segment = codec.decode(record.value());
                } catch (MalformedRecordException e) {
                    continue; // not ours to judge: the topic is shared
                }
                if (!segment.getStreamId().equals(streamId)
                        || segments.containsKey(segment.getSegmentIndex())) {
                    continue;
                }
                segments.put(segment.getSegmentIndex(), segment);
                onSegment.accept(segment);
                if (segment.getLast()) {
                    lastIndex = segment.getSegmentIndex();
                }
            }
            if (lastIndex >= 0 && segments.size() == lastIndex + 1) {
                break;
            }
        }
        return new ArrayList<>(segments.values());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
