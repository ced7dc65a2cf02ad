package io.lipstream.tools.bench;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.VideoFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * When each frame of some streams was produced: the Kafka timestamp (producer create time, set when
 * the ingest client sends the frame) of every record of those streams on the video topic, read once
 * the streams are complete.
 */
final class FrameSendTimes {
    private static final Duration POLL = Duration.ofMillis(200);

    private FrameSendTimes() {}

    /**
     * {@link #key}(stream, frame index) to epoch milliseconds, for every frame of {@code streams}.
     */
    static Map<String, Long> read(KafkaSettings kafka, Set<String> streams) {
        SingleObjectCodec<VideoFrame> codec = SingleObjectCodec.of(VideoFrame.class);
        Map<String, Long> times = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                TopicReaders.fromStart(kafka, kafka.videoTopic(), TopicReaders.READ_UNCOMMITTED)) {
            Set<TopicPartition> partitions = consumer.assignment();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!reached(consumer, end)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    String stream =
                            record.key() == null
                                    ? null
                                    : new String(record.key(), StandardCharsets.UTF_8);
                    if (stream == null || !streams.contains(stream)) {
                        continue;
                    }
                    try {
                        VideoFrame frame = codec.decode(record.value());
                        times.put(key(stream, frame.getFrameIndex()), record.timestamp());
                    } catch (MalformedRecordException e) {
                        // not a frame of ours
                    }
                }
            }
        }
        return times;
    }

    static String key(String stream, long frameIndex) {
        return stream + '#' + frameIndex;
    }

    private static boolean reached(
            KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
