package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.Container;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.EmbeddedKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The reader the exactly-once test relies on to see what was committed after a stream's last
 * segment: {@code readToEnd} returns every record up to the end of the topic, duplicates included,
 * and a {@code read_committed} reader skips aborted transactions.
 */
class SegmentTopicReaderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldReadEveryCommittedRecordToTheEndDuplicatesIncluded() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config = new Configuration();
            config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            KafkaSettings settings = KafkaSettings.from(config);
            Topics.ensure(settings, 2, (short) 1);
            try (KafkaProducer<byte[], byte[]> producer = transactional(settings)) {
                producer.initTransactions();
                send(producer, settings, List.of(segment("s", 0, false), segment("s", 1, true)));
                producer.beginTransaction();
                producer.send(record(settings, segment("s", 9, false))).get();
                producer.abortTransaction();
                // The retried commit README warns about: the last segment once more.
                send(producer, settings, List.of(segment("s", 1, true)));
            }

            List<Long> committed = indices(settings, SegmentTopicReader.READ_COMMITTED);
            List<Long> everything = indices(settings, SegmentTopicReader.READ_UNCOMMITTED);

            assertEquals(List.of(0L, 1L, 1L), committed, "read_committed, to the end");
            assertEquals(List.of(0L, 1L, 9L, 1L), everything, "read_uncommitted, to the end");
        }
    }

    private static List<Long> indices(KafkaSettings settings, String isolation) {
        try (SegmentTopicReader reader = new SegmentTopicReader(settings, isolation)) {
            return reader.readToEnd(TIMEOUT).stream().map(EncodedSegment::getSegmentIndex).toList();
        }
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            KafkaSettings settings,
            List<EncodedSegment> segments)
            throws Exception {
        producer.beginTransaction();
        for (EncodedSegment s : segments) {
            producer.send(record(settings, s)).get();
        }
        producer.commitTransaction();
    }

    private static ProducerRecord<byte[], byte[]> record(
            KafkaSettings settings, EncodedSegment segment) {
        return new ProducerRecord<>(
                settings.segmentTopic(),
                segment.getStreamId().getBytes(StandardCharsets.UTF_8),
                SingleObjectCodec.of(EncodedSegment.class).encode(segment));
    }

    private static KafkaProducer<byte[], byte[]> transactional(KafkaSettings settings) {
        Properties props = new Properties();
        props.put("transactional.id", "segment-topic-reader-test");
        return new KafkaProducer<>(
                settings.clientProperties(props),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static EncodedSegment segment(String stream, long index, boolean last) {
        return EncodedSegment.newBuilder()
                .setStreamId(stream)
                .setSegmentIndex(index)
                .setFirstFrameIndex(index * 25)
                .setFrameCount(25)
                .setStartPtsMicros(index * 1_000_000)
                .setDurationMicros(1_000_000)
                .setContainer(Container.MPEGTS)
                .setCodecs("avc1.42c01e,mp4a.40.2")
                .setData(ByteBuffer.wrap(new byte[] {(byte) index}))
                .setLipSyncedFrames(25)
                .setPassedThroughFrames(0)
                .setLast(last)
                .build();
    }
}
