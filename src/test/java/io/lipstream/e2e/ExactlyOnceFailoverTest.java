package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.hls.HlsSegmentSink;
import io.lipstream.connectors.hls.HlsWriter;
import io.lipstream.connectors.kafka.KafkaConnectors;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.job.LipSyncJob;
import io.lipstream.job.LipSyncSettings;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.EmbeddedKafka;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.model.ModelSynth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a failure: three streams run through the production pipeline ({@link
 * LipSyncJob} on the in-process broker and a MiniCluster, with the exactly-once Kafka segment sink
 * and the HLS sink) and the job is failed once, right after a checkpoint completed and some
 * segments were committed. After the restart a {@code read_committed} reader of the whole segment
 * topic (every record, nothing deduplicated) must find each stream's segments 0..n once each, in
 * order, covering every input frame once, each segment decoding to its frame count; the HLS folders
 * must hold exactly the committed segments.
 *
 * <p>The failure is injected by wrapping the video {@code KafkaSource} in {@link FailOnceSource};
 * the pipeline itself is unchanged.
 */
class ExactlyOnceFailoverTest {
    /**
     * Four seconds per stream, ingested in real time: the streams are still arriving when the first
     * segments are committed, however fast the machine, so the failure hits them mid-way.
     */
    private static final int FRAMES = 100;

    private static final List<String> STREAMS = List.of("eos-a", "eos-b", "eos-c");

    /**
     * The default: all three streams share each operator, so their state adds up in one subtask.
     */
    private static final int PARALLELISM = 1;

    /** Wav2Lip's face size (docs/architecture.md), for the generated identity model. */
    private static final int FACE_SIZE = 96;

    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    @TempDir Path dir;

    @Test
    void shouldCommitEveryFrameOfEveryStreamExactlyOnceAcrossARestart() throws Exception {
        Path clip = TestClips.firstFrames(dir, FRAMES);
        Path hls = dir.resolve("hls");
        FailOnceSource.Trigger trigger =
                FailOnceSource.Trigger.in(Files.createDirectories(dir.resolve("markers")));
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config = options(kafka);
            KafkaSettings settings = KafkaSettings.from(config);
            Topics.ensure(settings, PARALLELISM, (short) 1);
            FlinkTarget target = FlinkTarget.embedded(18281);
            StreamExecutionEnvironment env = target.environment(config, PARALLELISM);
            pipeline(config, settings, hls, trigger).build(env);
            JobClient job = env.executeAsync("exactly-once-failover");
            FlinkRest rest = new FlinkRest(target.dashboardUrl(), job.getJobID());
            ExecutorService pool = Executors.newFixedThreadPool(STREAMS.size());
            try {
                // Live input: sent once the job runs (its first checkpoint completed), paced.
                rest.awaitFirstCheckpoint(RUN_TIMEOUT);
                List<Future<Long>> ingested = startIngest(pool, settings, clip);
                List<EncodedSegment> committed = new ArrayList<>();
                int committedWhenFailed = -1;
                try (SegmentTopicReader topic =
                        new SegmentTopicReader(settings, SegmentTopicReader.READ_COMMITTED)) {
                    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
                    while (!allEnded(committed)
                            && System.nanoTime() < deadline
                            && !job.getJobExecutionResult().isDone()) {
                        committed.addAll(topic.poll());
                        if (!committed.isEmpty() && committedWhenFailed < 0) {
                            if (!Files.exists(Path.of(trigger.armed()))) {
                                trigger.arm();
                            }
                            if (trigger.hasFired()) {
                                committedWhenFailed = committed.size();
                            }
                        }
                    }
                    // Later checkpoints could only commit duplicates: let two pass, then read all.
                    Thread.sleep(CHECKPOINT_INTERVAL.multipliedBy(3).toMillis());
                    committed.addAll(topic.readToEnd(Duration.ofSeconds(30)));
                }

                for (Future<Long> frames : ingested) {
                    assertEquals(FRAMES, frames.get(), "frames ingested");
                }
                assertEquals(JobStatus.RUNNING, job.getJobStatus().get(), "job survived");
                assertTrue(trigger.hasFired(), "the injected failure happened");
                List<String> failures = rest.failures();
                assertEquals(1, failures.size(), "the job restarted once: " + failures);
                assertTrue(failures.get(0).contains("injected failure"), failures.get(0));
                int total = committed.size();
                assertTrue(
                        committedWhenFailed > 0 && committedWhenFailed < total,
                        "failed mid-stream: "
                                + committedWhenFailed
                                + " of "
                                + total
                                + " segments committed before the failure");
                for (String stream : STREAMS) {
                    List<EncodedSegment> segments = ofStream(committed, stream);
                    SegmentChecks.assertEveryFrameOnceInOrder(stream, segments, FRAMES);
                    assertHlsHoldsTheCommittedSegments(hls, stream, segments);
                }
            } finally {
                pool.shutdownNow();
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private Configuration options(EmbeddedKafka kafka) throws Exception {
        Path model = dir.resolve("identity.onnx");
        ModelSynth.write(model, ModelSynth.Arch.IDENTITY, null, FACE_SIZE, 0);
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        config.set(InferenceOptions.MODEL, model.toString());
        config.setString("inference.batch-size", "16");
        config.setString("segments.duration", "1 s");
        config.setString("job.checkpoint-interval", CHECKPOINT_INTERVAL.toMillis() + " ms");
        config.setString("job.parallelism", String.valueOf(PARALLELISM));
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "3");
        config.setString("restart-strategy.fixed-delay.delay", "1 s");
        return config;
    }

    /** The production wiring ({@code KafkaPipeline}'s) with the video source wrapped. */
    private static LipSyncJob pipeline(
            Configuration config,
            KafkaSettings settings,
            Path hls,
            FailOnceSource.Trigger trigger) {
        KafkaConnectors connectors = new KafkaConnectors(settings);
        return new LipSyncJob(
                connectors.source(settings.audioTopic()),
                new FailOnceSource<>(connectors.source(settings.videoTopic()), trigger),
                List.of(connectors.segmentSink(), new HlsSegmentSink(hls)),
                connectors.deadLetterSink(),
                LipSyncSettings.from(config, FACE_SIZE));
    }

    /** Starts one real-time ingest per stream; each future returns the frames it sent. */
    private static List<Future<Long>> startIngest(
            ExecutorService pool, KafkaSettings settings, Path clip) {
        List<Future<Long>> sent = new ArrayList<>();
        for (String stream : STREAMS) {
            sent.add(
                    pool.submit(
                            () -> {
                                try (MediaIngest ingest = new MediaIngest(settings)) {
                                    return ingest.ingest(
                                            new MediaIngest.Request(
                                                    stream, clip, null, true, 1, false));
                                }
                            }));
        }
        return sent;
    }

    private static boolean allEnded(List<EncodedSegment> committed) {
        return STREAMS.stream().allMatch(s -> committed.stream().anyMatch(c -> isLastOf(c, s)));
    }

    private static boolean isLastOf(EncodedSegment segment, String stream) {
        return segment.getStreamId().equals(stream) && segment.getLast();
    }

    private static List<EncodedSegment> ofStream(List<EncodedSegment> all, String stream) {
        return all.stream().filter(s -> s.getStreamId().equals(stream)).toList();
    }

    /** The HLS sink rewrote what it had written before the failure: files equal the topic's. */
    private static void assertHlsHoldsTheCommittedSegments(
            Path hls, String stream, List<EncodedSegment> segments) throws Exception {
        Path folder = hls.resolve(stream);
        List<String> playlist = Files.readAllLines(folder.resolve(HlsWriter.PLAYLIST_NAME));
        List<String> listed = playlist.stream().filter(l -> l.endsWith(".ts")).toList();
        List<String> expected =
                segments.stream().map(s -> HlsWriter.segmentName(s.getSegmentIndex())).toList();
        assertEquals(expected, listed, stream + ": playlist");
        assertEquals("#EXT-X-ENDLIST", playlist.get(playlist.size() - 1), stream + ": ended");
        for (EncodedSegment s : segments) {
            assertArrayEquals(
                    SegmentChecks.bytes(s.getData()),
                    Files.readAllBytes(folder.resolve(HlsWriter.segmentName(s.getSegmentIndex()))),
                    stream + " segment " + s.getSegmentIndex() + ": HLS file = committed bytes");
        }
    }
}
