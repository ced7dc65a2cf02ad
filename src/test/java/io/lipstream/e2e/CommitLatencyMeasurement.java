package io.lipstream.e2e;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.options.JobOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.samples.Samples;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.media.SegmentCollector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Measures, on the embedded stack, how long a live frame takes from entering Kafka to being
 * readable by a {@code read_committed} consumer in its segment: the bundled sample is ingested in
 * real time as one stream, each frame's Kafka timestamp (set when the ingest sends it) is the
 * start, and the moment a {@link SegmentCollector} first sees the segment holding the frame is the
 * end. A {@code read_uncommitted} reader of the segment topic splits that time into the pipeline's
 * share (until the segment is in the log, inside an open transaction) and the exactly-once sink's
 * share (until the checkpoint after it completes and commits the transaction).
 *
 * <p>A measuring program, not a test; docs/exactly-once.md shows how to build its class path and
 * run it:
 *
 * <pre>
 * java [--add-opens ...] -cp src/target/test-classes:src/target/classes:... \
 *     io.lipstream.e2e.CommitLatencyMeasurement [--loops=4] [--warmup-seconds=24] [key=value ...]
 * </pre>
 *
 * Job options (say {@code job.checkpoint-interval=500ms}) are passed as {@code key=value}; without
 * any the defaults apply (2 s segments, 2 s checkpoints). Frames of the first {@code
 * --warmup-seconds} are left out: class loading, JIT and the model's first runs leave a backlog the
 * job needs a while to catch up with.
 */
public final class CommitLatencyMeasurement {
    private static final String STREAM = "latency-0";
    private static final int DASHBOARD_PORT = 18381;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration POLL = Duration.ofMillis(100);

    private CommitLatencyMeasurement() {}

    public static void main(String[] args) throws Exception {
        int loops = 4;
        double warmupSeconds = 24;
        Configuration config = new Configuration();
        for (String arg : args) {
            if (arg.startsWith("--loops=")) {
                loops = Integer.parseInt(arg.substring("--loops=".length()));
            } else if (arg.startsWith("--warmup-seconds=")) {
                warmupSeconds = Double.parseDouble(arg.substring("--warmup-seconds=".length()));
            } else if (arg.contains("=")) {
                config.setString(
                        arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            } else {
                throw new IllegalArgumentException(
                        "expected --loops=N, --warmup-seconds=S or key=value, got " + arg);
            }
        }
        try (LipSyncRun run =
                LipSyncRun.start(config, FlinkTarget.embedded(DASHBOARD_PORT), "commit-latency")) {
            new FlinkRest(run.dashboardUrl(), run.job().getJobID())
                    .awaitFirstCheckpoint(START_TIMEOUT);
            Measurement m = measure(run, loops);
            report(config, m, warmupSeconds);
        }
        System.exit(0);
    }

    /** When each segment was first seen, and what it holds. */
    private record Measurement(
            Map<Long, Long> frameSentAt,
            Map<Long, Long> segmentWrittenAt,
            Map<Long, Long> segmentCommittedAt,
            List<EncodedSegment> segments,
            double fps) {}

    private static Measurement measure(LipSyncRun run, int loops) throws Exception {
        KafkaSettings kafka = run.kafkaSettings();
        Map<Long, Long> written = new ConcurrentHashMap<>();
        Map<Long, Long> committed = new ConcurrentHashMap<>();
        List<EncodedSegment> segments = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();

        Thread uncommitted =
                new Thread(
                        () -> {
                            try (SegmentTopicReader topic =
                                    new SegmentTopicReader(
                                            kafka, SegmentTopicReader.READ_UNCOMMITTED)) {
                                while (!done.get()) {
                                    long now = System.currentTimeMillis();
                                    for (EncodedSegment s : topic.poll()) {
                                        if (s.getStreamId().equals(STREAM)) {
                                            written.putIfAbsent(s.getSegmentIndex(), now);
                                        }
                                    }
                                }
                            }
                        },
                        "read-uncommitted");
        Thread collector =
                new Thread(
                        () -> {
                            try (SegmentCollector c = new SegmentCollector(kafka)) {
                                segments.addAll(
                                        c.collect(
                                                STREAM,
                                                s ->
                                                        committed.putIfAbsent(
                                                                s.getSegmentIndex(),
                                                                System.currentTimeMillis()),
                                                () -> !run.jobEnded()));
                            }
                        },
                        "read-committed");
        uncommitted.start();
        collector.start();
        try (MediaIngest ingest = new MediaIngest(kafka)) {
            ingest.ingest(
                    new MediaIngest.Request(
                            STREAM,
                            Samples.TALKING_ASTRONAUT_MP4.path(),
                            null,
                            true,
                            loops,
                            false));
        }
        collector.join();
        done.set(true);
        uncommitted.join();
        return new Measurement(
                frameTimestamps(kafka), written, committed, segments, sampleFps(segments));
    }

    private static double sampleFps(List<EncodedSegment> segments) {
        EncodedSegment first = segments.get(0);
        return first.getFrameCount() * 1e6 / first.getDurationMicros();
    }

    /** Each frame's Kafka timestamp: when the ingest sent it. */
    private static Map<Long, Long> frameTimestamps(KafkaSettings kafka) {
        SingleObjectCodec<VideoFrame> codec = SingleObjectCodec.of(VideoFrame.class);
        Map<Long, Long> sentAt = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                TopicReaders.fromStart(kafka, kafka.videoTopic(), TopicReaders.READ_UNCOMMITTED)) {
            Set<TopicPartition> partitions = consumer.assignment();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (end.entrySet().stream()
                    .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    VideoFrame frame = codec.decode(r.value());
                    if (frame.getStreamId().equals(STREAM)) {
                        sentAt.put(frame.getFrameIndex(), r.timestamp());
                    }
                }
            }
        }
        return sentAt;
    }

    private static void report(Configuration config, Measurement m, double warmupSeconds) {
        long warmupFrames = Math.round(warmupSeconds * m.fps());
        List<Long> toCommitted = new ArrayList<>();
        List<Long> toWritten = new ArrayList<>();
        List<Long> commitWait = new ArrayList<>();
        // Latency of each segment's newest frame: flat when the job keeps up with real time.
        List<Long> newestFrame = new ArrayList<>();
        int measuredSegments = 0;
        for (EncodedSegment s : m.segments()) {
            Long written = m.segmentWrittenAt().get(s.getSegmentIndex());
            long committed = m.segmentCommittedAt().get(s.getSegmentIndex());
            boolean counted = false;
            for (long f = s.getFirstFrameIndex();
                    f < s.getFirstFrameIndex() + s.getFrameCount();
                    f++) {
                if (f < warmupFrames) {
                    continue;
                }
                long sent = m.frameSentAt().get(f);
                toCommitted.add(committed - sent);
                if (written != null) {
                    toWritten.add(written - sent);
                }
                counted = true;
            }
            if (counted && written != null) {
                commitWait.add(committed - written);
                long last = s.getFirstFrameIndex() + s.getFrameCount() - 1;
                newestFrame.add(committed - m.frameSentAt().get(last));
                measuredSegments++;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "segments.duration %s, job.checkpoint-interval %s: %d frames in %d segments"
                        + " (first %.0f s left out)%n",
                config.get(SegmentOptions.DURATION),
                config.get(JobOptions.CHECKPOINT_INTERVAL),
                toCommitted.size(),
                measuredSegments,
                warmupSeconds);
        print("frame sent -> segment readable (read_committed)", toCommitted);
        print("frame sent -> segment in the log (uncommitted) ", toWritten);
        print("segment in the log -> committed (per segment)  ", commitWait);
        long growth = newestFrame.get(newestFrame.size() - 1) - newestFrame.get(0);
        long segmentMillis = config.get(SegmentOptions.DURATION).toMillis();
        System.out.printf(
                Locale.ROOT,
                "%s: the newest frame of the first measured segment waited %d ms, of the last %d"
                        + " ms%n",
                growth > segmentMillis ? "NOT keeping up with real time" : "keeping up",
                newestFrame.get(0),
                newestFrame.get(newestFrame.size() - 1));
    }

    private static void print(String what, List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.printf(
                Locale.ROOT,
                "%s: p50 %5d ms  p95 %5d ms  max %5d ms  (n=%d)%n",
                what,
                percentile(sorted, 0.50),
                percentile(sorted, 0.95),
                sorted.get(sorted.size() - 1),
                sorted.size());
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(List<Long> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
