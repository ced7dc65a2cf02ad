package io.lipstream.tools.media;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads streams' committed segments from the segment topic ({@code read_committed}), in segment
 * order and without duplicates, until each stream's last segment. One consumer serves any number of
 * streams: the bench follows eight streams with one instead of eight consumers each fetching and
 * decoding every segment of the topic.
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
        return collect(Set.of(streamId), (id, segment) -> onSegment.accept(segment), keepWaiting)
                .get(streamId);
    }

    /**
     * Collects the segments of every stream of {@code streamIds} until each has its last one,
     * calling {@code onSegment} with the stream id for each new segment; gives up (returns what it
     * has) when {@code keepWaiting} turns false.
     *
     * @return per stream id, its segments in order, one per segment index (empty when none came)
     */
    public Map<String, List<EncodedSegment>> collect(
            Set<String> streamIds,
            BiConsumer<String, EncodedSegment> onSegment,
            BooleanSupplier keepWaiting) {
        Map<String, StreamSegments> streams = new HashMap<>();
        for (String id : streamIds) {
            streams.put(id, new StreamSegments());
        }
        while (!streams.values().stream().allMatch(StreamSegments::complete)
                && keepWaiting.getAsBoolean()) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                EncodedSegment segment;
                try {
                    segment = codec.decode(record.value());
                } catch (MalformedRecordException e) {
                    continue; // not ours to judge: the topic is shared
                }
                StreamSegments stream = streams.get(segment.getStreamId());
                if (stream == null || !stream.add(segment)) {
                    continue;
                }
                onSegment.accept(segment.getStreamId(), segment);
            }
        }
        Map<String, List<EncodedSegment>> result = new HashMap<>();
        streams.forEach((id, stream) -> result.put(id, new ArrayList<>(stream.byIndex.values())));
        return result;
    }

    /** One stream's segments so far, by index, and the index of its last one once seen. */
    private static final class StreamSegments {
        final TreeMap<Long, EncodedSegment> byIndex = new TreeMap<>();
        long lastIndex = -1;

        /** Adds a new segment; false when this index was already seen. */
        boolean add(EncodedSegment segment) {
            if (byIndex.putIfAbsent(segment.getSegmentIndex(), segment) != null) {
                return false;
            }
            if (segment.getLast()) {
                lastIndex = segment.getSegmentIndex();
            }
            return true;
        }

        /** Whether the last segment and every one before it have been seen. */
        boolean complete() {
            return lastIndex >= 0 && byIndex.size() == lastIndex + 1;
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
