package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.hls.HlsWriter;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.SampleFormat;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.media.SegmentCollector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on the in-process broker and a MiniCluster: two streams, with garbage and a
 * contract-breaking audio chunk sent first on one of them, and a third, hand-made stream of three
 * frames whose middle picture does not decode. The bad records land in the dead-letter topic; the
 * streams come out complete, in order, in segments that each decode alone; {@code lipsync export}
 * rebuilds a finished stream from the broker as an MP4 and as HLS without re-encoding.
 */
class PipelineIntegrationTest {
    private static final int FRAMES = 60;
    private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final int HAND_MADE_FRAMES = 3;

    /** A JPEG start marker, then nothing a decoder can use. */
    private static final byte[] UNDECODABLE = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};

    @TempDir static Path dir;
    static LipSyncRun run;
    static KafkaSettings kafka;

    @BeforeAll
    static void runTwoStreams() throws Exception {
        Path clip = TestClips.firstFrames(dir, FRAMES);
        Configuration options = new Configuration();
        options.setString("segments.duration", "1 s");
        options.setString("inference.batch-size", "16");
        run = LipSyncRun.start(options, FlinkTarget.embedded(18181), "pipeline-it");
        kafka = run.kafkaSettings();
        sendBadRecords(kafka);
        sendStreamWithAnUndecodableFrame(kafka);
        try (MediaIngest ingest = new MediaIngest(kafka)) {
            for (String stream : List.of("a", "b")) {
                ingest.ingest(new MediaIngest.Request(stream, clip, null, false, 1, false));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.close();
        }
    }

    @Test
    void shouldDeliverEveryFrameInOrderAndDeadLetterBadRecords() throws Exception {
        for (String stream : List.of("a", "b", "c")) {
            List<EncodedSegment> collected = collect(stream);
            assertTrue(
                    !collected.isEmpty() && collected.get(collected.size() - 1).getLast(),
                    stream + " ends");
        }
        // Every stream has ended: what the topic holds now is all a consumer will ever read.
        // Read it raw (SegmentCollector drops repeated indices and sorts, hiding both faults).
        List<EncodedSegment> topic = committedSegments();
        for (String stream : List.of("a", "b")) {
            assertStreamComplete(stream, ofStream(topic, stream));
        }
        assertEquals(
                List.of(0L),
                ofStream(topic, "c").stream().map(EncodedSegment::getSegmentIndex).toList(),
                "stream c: one segment, once");

        // Every input was processed before the last segments were committed, and the dead-letter
        // sink flushes at each checkpoint: the dead-letter topic is complete, read it to its end.
        List<RejectedRecord> rejected = deadLetters(kafka);
        assertEquals(4, rejected.size(), "exactly the bad records: " + rejected);
        assertTrue(
                rejected.stream().anyMatch(r -> r.getReason().contains("not a whole number")),
                rejected.toString());
        RejectedRecord picture =
                rejected.stream()
                        .filter(r -> r.getReason().contains("stream c frame 1"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(rejected.toString()));
        VideoFrame original =
                SingleObjectCodec.of(VideoFrame.class).decode(bytes(picture.getOriginal()));
        assertEquals(1, original.getFrameIndex(), "the dead letter holds the frame as sent");
        assertEquals(ByteBuffer.wrap(UNDECODABLE), original.getImage());
    }

    @Test
    void shouldKeepTheFrameCountOfAStreamWithAnUndecodableFrame() {
        List<EncodedSegment> segments = collect("c");
        assertTrue(!segments.isEmpty() && segments.get(segments.size() - 1).getLast(), "c ends");
        assertEquals(
                HAND_MADE_FRAMES,
                segments.stream().mapToLong(EncodedSegment::getFrameCount).sum(),
                "the broken frame keeps its place (the picture before it is shown again)");
    }

    @Test
    void shouldExportAFinishedStreamAsMp4AndHlsWithoutReencoding() throws Exception {
        List<EncodedSegment> segments = collect("b");
        assertStreamComplete("b", segments);
        List<Long> pictures = new ArrayList<>();
        for (EncodedSegment s : segments) {
            pictures.addAll(DecodedMedia.pictureDigests(bytes(s.getData())));
        }

        Path mp4 = dir.resolve("b.mp4");
        assertEquals(0, export("b", mp4));
        assertEquals(FRAMES, DecodedMedia.of(mp4).frameCount(), "MP4 frames");
        assertTrue(new HashSet<>(pictures).size() > 1, "digests see the pictures");
        assertEquals(pictures, DecodedMedia.pictureDigests(mp4), "MP4 pictures = segments'");

        Path hls = dir.resolve("export-hls");
        assertEquals(0, export("b", hls));
        Path folder = hls.resolve("b");
        List<String> playlist = Files.readAllLines(folder.resolve(HlsWriter.PLAYLIST_NAME));
        assertEquals("#EXT-X-ENDLIST", playlist.get(playlist.size() - 1), playlist.toString());
        assertEquals(
                segments.stream().map(s -> HlsWriter.segmentName(s.getSegmentIndex())).toList(),
                playlist.stream().filter(l -> l.endsWith(".ts")).toList(),
                "playlist");
        for (EncodedSegment s : segments) {
            assertArrayEquals(
                    bytes(s.getData()),
                    Files.readAllBytes(folder.resolve(HlsWriter.segmentName(s.getSegmentIndex()))),
                    "segment " + s.getSegmentIndex() + ": exported bytes = the topic's");
        }
    }

    /** {@code lipsync export} against the run's broker; returns its exit code. */
    private static int export(String stream, Path out) {
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit =
                cli.execute(
                        "export",
                        "--stream",
                        stream,
                        "--out",
                        out.toString(),
                        "--bootstrap-servers",
                        kafka.bootstrapServers());
        assertTrue(err.toString().contains(FRAMES + " frames"), err.toString());
        return exit;
    }

    private static List<EncodedSegment> collect(String stream) {
        try (SegmentCollector collector = new SegmentCollector(kafka)) {
            long deadline = System.nanoTime() + STREAM_TIMEOUT.toNanos();
            return collector.collect(
                    stream, s -> {}, () -> System.nanoTime() < deadline && !run.jobEnded());
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    private static void assertStreamComplete(String stream, List<EncodedSegment> segments)
            throws Exception {
        assertTrue(!segments.isEmpty() && segments.get(segments.size() - 1).getLast(), stream);
        long nextFrame = 0;
        for (int i = 0; i < segments.size(); i++) {
            EncodedSegment s = segments.get(i);
            assertEquals(
                    i, s.getSegmentIndex(), stream + " record " + i + ": index (once, in order)");
            assertEquals(i == segments.size() - 1, s.getLast(), stream + " record " + i + ": last");
            assertEquals(nextFrame, s.getFirstFrameIndex(), "segments follow each other");
            DecodedMedia alone = DecodedMedia.of(bytes(s.getData()));
            assertEquals(s.getFrameCount(), alone.frameCount(), "segment " + i + " decodes alone");
            assertTrue(alone.hasAudio(), "segment " + i + " has audio");
            assertEquals(s.getFrameCount(), s.getLipSyncedFrames() + s.getPassedThroughFrames());
            nextFrame += s.getFrameCount();
        }
        assertEquals(FRAMES, nextFrame, "frames of stream " + stream);
    }

    private static void sendBadRecords(KafkaSettings kafka) throws Exception {
        byte[] key = "a".getBytes(StandardCharsets.UTF_8);
        AudioChunk brokenChunk =
                AudioChunk.newBuilder()
                        .setStreamId("a")
                        .setSeq(999)
                        .setStartSample(0)
                        .setSampleRate(16000)
                        .setChannels(2)
                        .setFormat(SampleFormat.S16LE)
                        .setPcm(ByteBuffer.wrap(new byte[6])) // 1.5 stereo samples
                        .build();
        try (var producer = producer(kafka)) {
            producer.send(new ProducerRecord<>(kafka.videoTopic(), key, "not avro".getBytes()))
                    .get();
            producer.send(
                            new ProducerRecord<>(
                                    kafka.audioTopic(), key, new byte[] {(byte) 0xC3, 1, 0}))
                    .get();
            producer.send(
                            new ProducerRecord<>(
                                    kafka.audioTopic(),
                                    key,
                                    SingleObjectCodec.of(AudioChunk.class).encode(brokenChunk)))
                    .get();
        }
    }

    /**
     * Stream "c": three gray 64x48 JPEG frames at 25 fps with 120 ms of silence, the middle one's
     * picture replaced by bytes that are no JPEG (the record itself is valid).
     */
    private static void sendStreamWithAnUndecodableFrame(KafkaSettings kafka) throws Exception {
        byte[] key = "c".getBytes(StandardCharsets.UTF_8);
        int width = 64;
        int height = 48;
        byte[] gray = new byte[width * height * BgrImage.CHANNELS];
        java.util.Arrays.fill(gray, (byte) 128);
        byte[] jpeg = FrameImages.encodeJpeg(new BgrImage(width, height, gray), 90);
        var frames = SingleObjectCodec.of(VideoFrame.class);
        try (var producer = producer(kafka)) {
            AudioChunk silence =
                    AudioChunk.newBuilder()
                            .setStreamId("c")
                            .setSeq(0)
                            .setStartSample(0)
                            .setSampleRate(16000)
                            .setChannels(1)
                            .setFormat(SampleFormat.S16LE)
                            .setPcm(ByteBuffer.wrap(new byte[16000 * 2 * 120 / 1000]))
                            .setLast(true)
                            .build();
            producer.send(
                            new ProducerRecord<>(
                                    kafka.audioTopic(),
                                    key,
                                    SingleObjectCodec.of(AudioChunk.class).encode(silence)))
                    .get();
            for (int i = 0; i < HAND_MADE_FRAMES; i++) {
                VideoFrame frame =
                        VideoFrame.newBuilder()
                                .setStreamId("c")
                                .setFrameIndex(i)
                                .setPtsMicros(i * 40_000L)
                                .setFrameRate(new FrameRate(25, 1))
                                .setWidth(width)
                                .setHeight(height)
                                .setCodec(ImageCodec.JPEG)
                                .setImage(ByteBuffer.wrap(i == 1 ? UNDECODABLE : jpeg))
                                .setLast(i == HAND_MADE_FRAMES - 1)
                                .build();
                producer.send(new ProducerRecord<>(kafka.videoTopic(), key, frames.encode(frame)))
                        .get();
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaSettings kafka) {
        return new KafkaProducer<>(
                kafka.clientProperties(new Properties()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Every record of the dead-letter topic, up to its current end. */
    private static List<RejectedRecord> deadLetters(KafkaSettings kafka) {
        List<RejectedRecord> records = new ArrayList<>();
        var codec = SingleObjectCodec.of(RejectedRecord.class);
        try (KafkaConsumer<byte[], byte[]> consumer =
                TopicReaders.fromStart(
                        kafka, kafka.deadLetterTopic(), TopicReaders.READ_UNCOMMITTED)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            assertTrue(!end.isEmpty(), "dead-letter partitions");
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!end.entrySet().stream()
                    .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                assertTrue(System.nanoTime() < deadline, "dead letters up to " + end);
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> records.add(codec.decode(r.value())));
            }
        }
        return records;
    }

    /** Every committed record of the segment topic, in topic order, nothing dropped or sorted. */
    private static List<EncodedSegment> committedSegments() {
        try (SegmentTopicReader topic =
                new SegmentTopicReader(kafka, SegmentTopicReader.READ_COMMITTED)) {
            return topic.readToEnd(READ_TIMEOUT);
        }
    }

    private static List<EncodedSegment> ofStream(List<EncodedSegment> all, String stream) {
        return all.stream().filter(s -> s.getStreamId().equals(stream)).toList();
    }
}
