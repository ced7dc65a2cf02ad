package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.samples.Samples;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chaos on a real cluster (profile {@code -Pcluster}): {@code deploy/local/cluster.sh up} starts a
 * Flink session cluster (JobManager and two TaskManagers, separate JVMs) and three KRaft brokers;
 * the job runs four live streams at parallelism 2, one subtask per TaskManager (one slot each);
 * while they run a TaskManager, a broker and the TaskManager again are killed with {@code kill -9}
 * and started again; {@code kcat} (librdkafka, not Java) sends garbage, truncated records and
 * tombstones under a live stream's key. Then a {@code read_committed} reader checks every stream:
 * each input frame once, segments contiguous and in order, each decodable with its frame count; the
 * hostile records are dead letters. Prints the time from each kill until segments flow again.
 */
class ClusterChaosIT {
    private static final List<String> STREAMS = List.of("chaos-0", "chaos-1", "chaos-2", "chaos-3");
    private static final int PARALLELISM = 2;

    /** Loops of the bundled 291-frame clip per stream: long enough for three kills. */
    private static final int LOOPS = Integer.getInteger("lipstream.chaos.loops", 4);

    private static final int FRAMES_PER_LOOP = 291;
    private static final int PORT_BASE = 19500;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);
    private static final Duration RESTART_AFTER = Duration.ofSeconds(3);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(40);
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(8);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path root;
    private static Path clusterDir;

    private final Map<String, Map<Long, EncodedSegment>> committed = new TreeMap<>();
    private final List<EncodedSegment> inTopicOrder = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        root = repositoryRoot();
        clusterDir = root.resolve("target/chaos-cluster");
        script("up");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (clusterDir != null) {
            script("down");
        }
    }

    @Test
    void shouldCommitEveryFrameOnceThroughTaskManagerAndBrokerKills() throws Exception {
        String rest = "127.0.0.1:" + (PORT_BASE + 81);
        String bootstrap =
                IntStream.rangeClosed(1, 3)
                        .mapToObj(b -> "127.0.0.1:" + (PORT_BASE + 100 + b))
                        .reduce((a, b) -> a + "," + b)
                        .orElseThrow();
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrap);
        config.setString("job.parallelism", String.valueOf(PARALLELISM));
        config.setString("job.checkpoint-interval", CHECKPOINT_INTERVAL.toMillis() + " ms");
        config.setString("inference.batch-size", "16");
        config.setString("segments.duration", "1 s");
        // Every kill restarts the job; the strategy must outlast them.
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "50");
        config.setString("restart-strategy.fixed-delay.delay", "2 s");
        // A TaskManager killed mid-transaction leaves it open until this runs out; read_committed
        // readers wait behind it (last stable offset), so keep it short.
        config.setString("kafka.transaction-timeout-ms", "60000");

        Map<String, Long> frames = new LinkedHashMap<>();
        List<String> recoveries = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(STREAMS.size());
        try (LipSyncRun run = LipSyncRun.start(config, FlinkTarget.remote(rest), "chaos")) {
            KafkaSettings settings = run.kafkaSettings();
            String job = run.job().getJobID().toHexString();
            awaitAllTasksRunning(rest, job, RECOVERY_TIMEOUT);
            assertSpreadOverBothTaskManagers(rest, job);

            List<Future<Long>> ingest = new ArrayList<>();
            for (String stream : STREAMS) {
                ingest.add(
                        pool.submit(
                                () -> {
                                    try (MediaIngest in = new MediaIngest(settings)) {
                                        return in.ingest(
                                                new MediaIngest.Request(
                                                        stream,
                                                        Samples.TALKING_ASTRONAUT_MP4.path(),
                                                        null,
                                                        true,
                                                        LOOPS,
                                                        false));
                                    }
                                }));
            }
            int hostile = hostileProducer(bootstrap, settings.videoTopic(), STREAMS.get(0));

            try (KafkaConsumer<byte[], byte[]> reader =
                    TopicReaders.fromStart(
                            settings, settings.segmentTopic(), TopicReaders.READ_COMMITTED)) {
                awaitNewSegment(reader, run, Duration.ofMinutes(10));
                for (String victim : List.of("taskmanager-1", "broker-2", "taskmanager-1")) {
                    int before = totalSegments();
                    long killed = System.nanoTime();
                    script("kill", victim);
                    Thread.sleep(RESTART_AFTER.toMillis());
                    script("start", victim);
                    awaitSegmentsAfter(reader, run, before, RECOVERY_TIMEOUT);
                    double seconds = (System.nanoTime() - killed) / 1e9;
                    recoveries.add(String.format("%s %.1f s", victim, seconds));
                    System.out.printf(
                            "chaos: kill -9 %s: segments flow again after %.1f s%n",
                            victim, seconds);
                    awaitAllTasksRunning(rest, job, RECOVERY_TIMEOUT);
                }
                for (int i = 0; i < STREAMS.size(); i++) {
                    frames.put(
                            STREAMS.get(i),
                            ingest.get(i).get(RUN_TIMEOUT.toMinutes(), TimeUnit.MINUTES));
                }
                long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
                while (!allEnded() && System.nanoTime() < deadline && !run.jobEnded()) {
                    poll(reader);
                }
                assertTrue(allEnded(), "every stream ended; " + run.endedLine());
            }

            long framesIn = 0;
            long framesOut = 0;
            for (String stream : STREAMS) {
                framesIn += frames.get(stream);
                framesOut +=
                        SegmentChecks.assertEveryFrameOnceInOrder(
                                stream,
                                inTopicOrder.stream()
                                        .filter(s -> s.getStreamId().equals(stream))
                                        .toList(),
                                frames.get(stream));
            }
            assertEquals(LOOPS * FRAMES_PER_LOOP * STREAMS.size(), framesIn, "frames ingested");
            assertEquals(framesIn, framesOut, "frames committed");
            long deadLetters = deadLettersOf(settings, STREAMS.get(0));
            assertTrue(
                    deadLetters >= hostile,
                    "expected the "
                            + hostile
                            + " hostile records as dead letters, found "
                            + deadLetters);
            System.out.printf(
                    "chaos: kills %d, frames in %d, frames out %d, lost %d, duplicated %d,"
                            + " hostile records dead-lettered %d, recovery: %s%n",
                    recoveries.size(),
                    framesIn,
                    framesOut,
                    framesIn - framesOut,
                    inTopicOrder.size() - totalSegments(),
                    deadLetters,
                    recoveries);
            assertEquals(inTopicOrder.size(), totalSegments(), "no segment committed twice");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every subtask of the parallel operators runs, and they run on both TaskManagers. */
    private static void assertSpreadOverBothTaskManagers(String rest, String job) throws Exception {
        JsonNode vertices = get(rest, "/jobs/" + job).get("vertices");
        for (JsonNode vertex : vertices) {
            if (vertex.get("parallelism").asInt() < PARALLELISM) {
                continue;
            }
            JsonNode byTm =
                    get(
                                    rest,
                                    "/jobs/"
                                            + job
                                            + "/vertices/"
                                            + vertex.get("id").asText()
                                            + "/taskmanagers")
                            .get("taskmanagers");
            Set<String> hosts = new HashSet<>();
            byTm.forEach(tm -> hosts.add(tm.get("taskmanager-id").asText()));
            assertEquals(
                    2,
                    hosts.size(),
                    vertex.get("name").asText() + " runs on both TaskManagers, found " + hosts);
        }
    }

    private static void awaitAllTasksRunning(String rest, String job, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode vertices = get(rest, "/jobs/" + job).get("vertices");
            boolean running = vertices.size() > 0;
            for (JsonNode v : vertices) {
                running &= v.get("tasks").get("RUNNING").asInt() == v.get("parallelism").asInt();
            }
            if (running) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("tasks of job " + job + " not all running within " + timeout);
    }

    /**
     * Sends with {@code kcat} (librdkafka, no Java) what a careless or hostile producer might under
     * a live stream's key: garbage, a record with another contract's fingerprint, a truncated one
     * (a valid header and a few bytes of body) and a tombstone (null value).
     *
     * @return the number of records sent
     */
    private static int hostileProducer(String bootstrap, String topic, String key)
            throws Exception {
        Path dir = Files.createTempDirectory("hostile");
        List<Path> records =
                List.of(
                        Files.write(
                                dir.resolve("garbage"), "garbage".getBytes(StandardCharsets.UTF_8)),
                        Files.write(
                                dir.resolve("wrong-fingerprint"),
                                header(AudioChunk.getClassSchema(), 4)),
                        Files.write(
                                dir.resolve("truncated"), header(VideoFrame.getClassSchema(), 3)));
        // One message per file (binary safe).
        List<String> command =
                new ArrayList<>(List.of("kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key));
        records.forEach(f -> command.add(f.toString()));
        kcat(command, null);
        // A tombstone: kcat skips an empty file, so the line "key:" on stdin, with -Z sending the
        // empty value as NULL.
        kcat(List.of("kcat", "-P", "-b", bootstrap, "-t", topic, "-K:", "-Z"), key + ":\n");
        return records.size() + 1;
    }

    private static void kcat(List<String> command, String stdin) throws Exception {
        Process kcat = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = kcat.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kcat.waitFor(60, TimeUnit.SECONDS), "kcat finished");
        assertEquals(0, kcat.exitValue(), "kcat: " + output);
    }

    /** Avro's single-object header for {@code schema} (C3 01, fingerprint) and junk bytes. */
    private static byte[] header(org.apache.avro.Schema schema, int junk) {
        ByteBuffer buffer =
                ByteBuffer.allocate(2 + Long.BYTES + junk).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buffer.put((byte) 0xC3).put((byte) 0x01);
        buffer.putLong(org.apache.avro.SchemaNormalization.parsingFingerprint64(schema));
        return buffer.array();
    }

    private static long deadLettersOf(KafkaSettings settings, String stream) {
        SingleObjectCodec<RejectedRecord> codec = SingleObjectCodec.of(RejectedRecord.class);
        long found = 0;
        try (KafkaConsumer<byte[], byte[]> reader =
                TopicReaders.fromStart(
                        settings, settings.deadLetterTopic(), TopicReaders.READ_COMMITTED)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
                    RejectedRecord rejected = codec.decode(r.value());
                    if (rejected.getKey() != null
                            && stream.equals(
                                    StandardCharsets.UTF_8
                                            .decode(rejected.getKey().duplicate())
                                            .toString())) {
                        found++;
                        System.out.println("chaos: dead letter: " + rejected.getReason());
                    }
                }
            }
        }
        return found;
    }

    private void awaitNewSegment(
            KafkaConsumer<byte[], byte[]> reader, LipSyncRun run, Duration timeout) {
        awaitSegmentsAfter(reader, run, totalSegments(), timeout);
    }

    /** Waits until a segment not seen before {@code before} segments were committed arrives. */
    private void awaitSegmentsAfter(
            KafkaConsumer<byte[], byte[]> reader, LipSyncRun run, int before, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (totalSegments() <= before) {
            if (run.jobEnded() || System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no new segment within " + timeout + "; " + run.endedLine());
            }
            poll(reader);
        }
    }

    private void poll(KafkaConsumer<byte[], byte[]> reader) {
        SingleObjectCodec<EncodedSegment> codec = SingleObjectCodec.of(EncodedSegment.class);
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
            EncodedSegment s = codec.decode(r.value());
            inTopicOrder.add(s);
            committed
                    .computeIfAbsent(s.getStreamId(), k -> new TreeMap<>())
                    .putIfAbsent(s.getSegmentIndex(), s);
        }
    }

    private int totalSegments() {
        return committed.values().stream().mapToInt(Map::size).sum();
    }

    private boolean allEnded() {
        return STREAMS.stream()
                .allMatch(
                        s ->
                                committed.getOrDefault(s, Map.of()).values().stream()
                                        .anyMatch(EncodedSegment::getLast));
    }

    private static JsonNode get(String rest, String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://" + rest + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static void script(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("deploy/local/cluster.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("LIPSTREAM_CLUSTER_DIR", clusterDir.toString());
        builder.environment().put("LIPSTREAM_CLUSTER_PORT_BASE", String.valueOf(PORT_BASE));
        builder.environment().putIfAbsent("LIPSTREAM_MVN_OPTS", "-o");
        // One slot per TaskManager: parallelism 2 must use both, and after a kill the job waits
        // for the TaskManager to come back instead of moving everything to the survivor.
        builder.environment().put("LIPSTREAM_TM_SLOTS", "1");
        Process p = builder.start();
        assertTrue(
                p.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "cluster.sh " + command);
        assertEquals(0, p.exitValue(), "cluster.sh " + String.join(" ", args));
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/local/cluster.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("expected to run inside the repository");
    }
}
