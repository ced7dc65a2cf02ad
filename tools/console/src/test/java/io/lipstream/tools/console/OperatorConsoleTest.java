package io.lipstream.tools.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.Container;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.embedded.EmbeddedKafka;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console on a real broker and a real HTTP client: what is produced to the topics by hand shows
 * in its state, its HLS serves the segment's bytes, and a Kafka or Flink that is not there is said
 * plainly. The browser side runs against a live demo in the app's OperatorConsoleBrowserTest.
 */
class OperatorConsoleTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String STREAM = "cam/1 ä"; // any character may be in a stream id
    private static final byte[] TS_BYTES = {0x47, 0x40, 0x00, 0x10, 0x00};

    private static EmbeddedKafka kafka;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void shouldShowWhatTheTopicsHoldAndServeTheDubbedSegments() throws Exception {
        KafkaSettings settings = settings(kafka.bootstrapServers(), "shown");
        Topics.ensure(settings, 1, (short) 1);
        try (KafkaProducer<byte[], byte[]> producer = producer(settings)) {
            for (long i = 0; i < 3; i++) {
                send(producer, settings.videoTopic(), frame(i));
            }
            send(producer, settings.segmentTopic(), segment());
            send(producer, settings.deadLetterTopic(), deadLetter(settings));
            producer.flush();
        }

        try (OperatorConsole console =
                OperatorConsole.start(ConsoleSettings.of(settings).withPort(0))) {
            JsonNode state =
                    awaitState(
                            console,
                            s ->
                                    stream(s).path("framesIn").asLong() == 3
                                            && stream(s).path("segments").asLong() == 1
                                            && s.path("deadLetters").size() == 1);

            JsonNode stream = stream(state);
            assertEquals(40, stream.path("lipSynced").asLong());
            assertEquals(10, stream.path("passedThrough").asLong());
            assertEquals(1, stream.path("deadLettered").asLong());
            assertEquals("ENDED", stream.path("health").asText());
            JsonNode letter = state.path("deadLetters").get(0);
            assertEquals(STREAM, letter.path("streamId").asText());
            assertEquals("expected a VideoFrame, found garbage", letter.path("reason").asText());
            assertTrue(state.path("kafka").path("problem").isNull(), state.toString());

            String query = "?stream=" + java.net.URLEncoder.encode(STREAM, StandardCharsets.UTF_8);
            String playlist = get(console, "hls/dubbed.m3u8" + query).body();
            assertTrue(playlist.contains("/hls/dubbed.ts" + query + "&seq=0\n"), playlist);
            assertTrue(playlist.endsWith("#EXT-X-ENDLIST\n"), playlist);
            assertArrayEquals(
                    TS_BYTES,
                    http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            console.url()
                                                                    + "hls/dubbed.ts"
                                                                    + query
                                                                    + "&seq=0"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofByteArray())
                            .body());
            assertTrue(get(console, "").body().contains("/static/hls.min.js"));
            assertTrue(get(console, "static/hls.min.js").body().contains("hls.js"));
            assertEquals(404, get(console, "static/../pom.xml").statusCode());
        }
    }

    @Test
    void shouldSayPlainlyThatKafkaAndFlinkCannotBeReached() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        KafkaSettings settings = settings("127.0.0.1:" + closed, "absent");
        try (OperatorConsole console =
                OperatorConsole.start(
                        ConsoleSettings.of(settings)
                                .withPort(0)
                                .withFlink("http://127.0.0.1:" + closed))) {
            JsonNode state =
                    awaitState(
                            console,
                            s ->
                                    s.path("kafka").path("problem").asText().contains("reached")
                                            && !s.path("flink").path("status").isNull());

            assertTrue(
                    state.path("kafka")
                            .path("problem")
                            .asText()
                            .startsWith("Kafka at 127.0.0.1:" + closed + " cannot be reached"),
                    state.toString());
            JsonNode job = state.path("flink").path("status");
            assertEquals(false, job.path("reachable").asBoolean());
            assertTrue(job.path("problem").asText().contains("cannot be reached"), job.toString());
        }
    }

    private static KafkaSettings settings(String bootstrap, String prefix) {
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrap);
        config.set(KafkaOptions.VIDEO_TOPIC, prefix + ".video");
        config.set(KafkaOptions.AUDIO_TOPIC, prefix + ".audio");
        config.set(KafkaOptions.SEGMENT_TOPIC, prefix + ".segments");
        config.set(KafkaOptions.DEAD_LETTER_TOPIC, prefix + ".dead-letters");
        return KafkaSettings.from(config);
    }

    private static VideoFrame frame(long index) {
        return VideoFrame.newBuilder()
                .setStreamId(STREAM)
                .setFrameIndex(index)
                .setPtsMicros(index * 40_000)
                .setFrameRate(new FrameRate(25, 1))
                .setWidth(2)
                .setHeight(2)
                .setCodec(ImageCodec.BGR24)
                .setImage(ByteBuffer.wrap(new byte[2 * 2 * 3]))
                .build();
    }

    private static EncodedSegment segment() {
        return EncodedSegment.newBuilder()
                .setStreamId(STREAM)
                .setSegmentIndex(0)
                .setFirstFrameIndex(0)
                .setFrameCount(50)
                .setStartPtsMicros(0)
                .setDurationMicros(2_000_000)
                .setContainer(Container.MPEGTS)
                .setCodecs("avc1.42c01e,mp4a.40.2")
                .setData(ByteBuffer.wrap(TS_BYTES))
                .setLipSyncedFrames(40)
                .setPassedThroughFrames(10)
                .setLast(true)
                .build();
    }

    private static RejectedRecord deadLetter(KafkaSettings settings) {
        return RejectedRecord.newBuilder()
                .setSourceTopic(settings.videoTopic())
                .setPartition(0)
                .setOffset(3)
                .setReason("expected a VideoFrame, found garbage")
                .setOriginal(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setKey(ByteBuffer.wrap(STREAM.getBytes(StandardCharsets.UTF_8)))
                .setRejectedAtMillis(System.currentTimeMillis())
                .build();
    }

    @SuppressWarnings("unchecked")
    private static <T extends org.apache.avro.specific.SpecificRecord> void send(
            KafkaProducer<byte[], byte[]> producer, String topic, T record) {
        SingleObjectCodec<T> codec = SingleObjectCodec.of((Class<T>) record.getClass());
        producer.send(
                new ProducerRecord<>(
                        topic, STREAM.getBytes(StandardCharsets.UTF_8), codec.encode(record)));
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaSettings settings) {
        return new KafkaProducer<>(
                settings.clientProperties(new Properties()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static JsonNode stream(JsonNode state) {
        for (JsonNode s : state.path("streams")) {
            if (STREAM.equals(s.path("streamId").asText())) {
                return s;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private JsonNode awaitState(OperatorConsole console, Predicate<JsonNode> done)
            throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        JsonNode state = null;
        while (System.nanoTime() < deadline) {
            state = json.readTree(get(console, "api/state").body());
            if (done.test(state)) {
                return state;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the console's state did not get there: " + state);
    }

    private HttpResponse<String> get(OperatorConsole console, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(console.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
