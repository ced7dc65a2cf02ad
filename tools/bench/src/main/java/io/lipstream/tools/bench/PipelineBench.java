package io.lipstream.tools.bench;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.media.MediaProbe;
import io.lipstream.tools.media.SegmentCollector;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Throughput and latency of the whole embedded pipeline, Kafka in to segments out: {@code N}
 * streams of a video are ingested at once as fast as the ingest client goes (not paced), and the
 * stream's segments are read back as they become readable ({@code read_committed}).
 *
 * <p>Throughput is measured in steady state: frames in the segments read after the warm-up (the
 * first {@link #WARM_UP_SHARE} of the frames out, where start-up, JIT compilation and first-shape
 * costs fall), over the time from the last warm-up segment read to the last segment read. Latency
 * per frame is the time its segment was read minus the Kafka timestamp of the frame (when the
 * ingest client sent it); with unpaced ingest it includes the time the frame waited in Kafka behind
 * the backlog.
 */
final class PipelineBench {
    /** Give up on a run after this long (a run of thousands of frames takes minutes on a CPU). */
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);

    /** How often the CPU time of each thread is read (from /proc: cheap). */
    private static final Duration SAMPLE_PERIOD = Duration.ofSeconds(3);

    /**
     * The job's metrics are read over REST only inside the steady window, at its first two CPU
     * samples and then at every third: each read has the TaskManager dump its thousand metrics, CPU
     * taken from the pipeline being measured (read every 3 s through the whole run, the REST
     * server, the metric store and the sampler took about 2% of the CPU). The REST API answers from
     * a store its fetcher refreshes in the background, so a read shows the job as of the previous
     * refresh: the second read is the first to show the steady window.
     */
    private static final int METRICS_EVERY = 3;

    /** Frame rate assumed for a video whose container gives none. */
    private static final double DEFAULT_STREAM_FPS = 25;

    /** Share of a run's frames treated as warm-up and left out of the steady-state figures. */
    static final double WARM_UP_SHARE = 0.2;

    /** Samples taken once this share of the expected frames is out no longer show steady state. */
    private static final double STEADY_UNTIL = 0.9;

    static final String INFERENCE = "BatchedLipSyncInference";

    /**
     * Name prefix of the bench's own ingest, segment-reading and sampling threads (see {@link
     * CpuByStage}).
     */
    static final String CLIENT_THREAD = "bench-client-";

    private static final List<String> TASK_METRICS =
            List.of("busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond");

    private static final List<String> INFERENCE_METRICS =
            List.of(
                    "batchSize_mean",
                    "batchFillRatio",
                    "inferenceLatencyMs_mean",
                    "inferenceBusyMsPerSecond",
                    "batchesPerSecond",
                    "queueWaitMs_mean",
                    "batchesInFlight",
                    "passThrough");

    /** What one stream count gave. */
    record Result(
            int streams,
            int loops,
            long frames,
            double fps,
            double overallFps,
            boolean steady,
            double steadySeconds,
            Percentiles latencyMs,
            long lipSynced,
            long passedThrough,
            double cpuBusy,
            double framesPerCpuSecond,
            Map<String, Object> jobMetrics,
            Map<String, Double> cpuByStage) {}

    private final LipSyncRun run;
    private final Path video;
    private final MediaProbe probe;

    PipelineBench(LipSyncRun run, Path video) {
        this.run = run;
        this.video = video;
        this.probe = MediaProbe.of(video);
    }

    /** Frames of one pass over the video (from the container; may be off by a few). */
    long framesPerLoop() {
        return Math.max(1, probe.frameCountEstimate());
    }

    /** Frames per second of one stream of the video (25 when the container does not say). */
    double streamFps() {
        double fps = probe.fps();
        return fps > 0 ? fps : DEFAULT_STREAM_FPS;
    }

    /**
     * Streams {@code streams} copies of the video, each {@code loops} times: unpaced (as fast as
     * the ingest client goes) for throughput, or {@code live}, paced in real time as a camera would
     * send them, for the latency of a pipeline that keeps up.
     */
    Result measure(int streams, int loops, boolean live) throws Exception {
        String prefix = "bench-" + streams + "x-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            ids.add(prefix + "-" + i);
        }
        KafkaSettings kafka = run.kafkaSettings();
        long expected = (long) streams * loops * framesPerLoop();
        SegmentLog log = new SegmentLog();
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger clientThreads = new AtomicInteger();
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        streams + 1,
                        r -> new Thread(r, CLIENT_THREAD + clientThreads.incrementAndGet()));
        AtomicReference<Map<String, Object>> steadyMetrics = new AtomicReference<>(Map.of());
        AtomicReference<Map<String, Double>> steadyCpuFrom = new AtomicReference<>();
        AtomicReference<Map<String, Double>> steadyCpuTo = new AtomicReference<>();
        AtomicInteger steadySamples = new AtomicInteger();
        ScheduledExecutorService sampler =
                Executors.newSingleThreadScheduledExecutor(
                        r -> new Thread(r, CLIENT_THREAD + "sampler"));
        sampler.scheduleWithFixedDelay(
                () -> {
                    Map<String, Double> cpu = CpuByStage.read();
                    long out = log.frames();
                    if (out <= expected * WARM_UP_SHARE || out >= expected * STEADY_UNTIL) {
                        return;
                    }
                    steadyCpuFrom.compareAndSet(null, cpu);
                    steadyCpuTo.set(cpu);
                    int n = steadySamples.getAndIncrement();
                    if (n <= 1 || n % METRICS_EVERY == 0) {
                        steadyMetrics.set(sampleJobMetrics());
                    }
                },
                SAMPLE_PERIOD.toMillis(),
                SAMPLE_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        long startMillis;
        Map<String, List<EncodedSegment>> collected;
        try (MediaIngest ingest = new MediaIngest(kafka)) {
            // One reader for all streams, as a player fleet's ingest would share one: a consumer
            // per stream would fetch and decode every segment of the topic once per stream.
            Future<Map<String, List<EncodedSegment>>> collector =
                    pool.submit(
                            () -> {
                                try (SegmentCollector c = new SegmentCollector(kafka)) {
                                    return c.collect(
                                            new HashSet<>(ids),
                                            log::seen,
                                            () ->
                                                    !stop.get()
                                                            && !run.jobEnded()
                                                            && System.nanoTime() < deadline);
                                }
                            });
            startMillis = System.currentTimeMillis();
            List<Future<Long>> ingests = new ArrayList<>();
            for (String id : ids) {
                ingests.add(
                        pool.submit(
                                () ->
                                        ingest.ingest(
                                                new MediaIngest.Request(
                                                        id, video, null, live, loops, false))));
            }
            try {
                for (Future<Long> f : ingests) {
                    f.get();
                }
                collected = collector.get();
            } finally {
                stop.set(true);
            }
        } finally {
            sampler.shutdownNow();
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
            sampler.awaitTermination(1, TimeUnit.MINUTES);
        }
        for (String id : ids) {
            checkComplete(id, collected.get(id));
        }
        Map<String, Long> sent = FrameSendTimes.read(kafka, new HashSet<>(ids));
        Map<String, Double> cpuByStage =
                steadyCpuFrom.get() == null
                        ? Map.of()
                        : CpuByStage.shares(steadyCpuFrom.get(), steadyCpuTo.get());
        return log.result(streams, loops, startMillis, sent, steadyMetrics.get(), cpuByStage);
    }

    private void checkComplete(String stream, List<EncodedSegment> segments) {
        boolean complete = !segments.isEmpty() && segments.get(segments.size() - 1).getLast();
        if (!complete) {
            throw new IllegalStateException(
                    "stream "
                            + stream
                            + " did not complete ("
                            + segments.size()
                            + " segments read); job: "
                            + run.failure().map(Throwable::toString).orElse("running"));
        }
    }

    /** Busy and back-pressure time of every vertex, plus the inference operator's metrics. */
    private Map<String, Object> sampleJobMetrics() {
        Map<String, Object> sample = new LinkedHashMap<>();
        try {
            JobMetricsProbe probe =
                    new JobMetricsProbe(run.dashboardUrl(), run.job().getJobID().toHexString());
            Map<String, Object> vertices = new LinkedHashMap<>();
            for (Map.Entry<String, String> v : probe.vertices().entrySet()) {
                vertices.put(v.getKey(), probe.subtaskAverages(v.getValue(), TASK_METRICS));
                if (v.getKey().contains(INFERENCE)) {
                    String prefix = INFERENCE + ".lipsync.";
                    Map<String, Object> inference = new LinkedHashMap<>();
                    probe.subtaskAverages(
                                    v.getValue(),
                                    INFERENCE_METRICS.stream().map(m -> prefix + m).toList())
                            .forEach(
                                    (k, value) ->
                                            inference.put(k.substring(prefix.length()), value));
                    probe.subtaskZeroValues(v.getValue(), List.of(prefix + "device"))
                            .forEach((k, value) -> inference.put("device", value));
                    sample.put("inference", inference);
                }
            }
            sample.put("vertices", vertices);
        } catch (Exception e) {
            sample.put("error", e.toString());
        }
        return sample;
    }

    /** The segments read during one measurement, with when they were read. */
    private static final class SegmentLog {
        private record Seen(String stream, EncodedSegment segment, long atMillis, long cpuNanos) {}

        private final List<Seen> seen = new ArrayList<>();
        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
        private long frames;

        synchronized long frames() {
            return frames;
        }

        synchronized void seen(String stream, EncodedSegment segment) {
            seen.add(new Seen(stream, segment, System.currentTimeMillis(), os.getProcessCpuTime()));
            frames += segment.getFrameCount();
        }

        synchronized Result result(
                int streams,
                int loops,
                long startMillis,
                Map<String, Long> sentMillis,
                Map<String, Object> metrics,
                Map<String, Double> cpuByStage) {
            Seen last = seen.get(seen.size() - 1);
            long total = 0;
            long synced = 0;
            Seen warmedUp = seen.get(0);
            long warmUpFrames = 0;
            List<Long> latencies = new ArrayList<>();
            for (Seen s : seen) {
                EncodedSegment seg = s.segment();
                if (warmUpFrames < frames * WARM_UP_SHARE || s == seen.get(0)) {
                    warmedUp = s;
                    warmUpFrames += seg.getFrameCount();
                }
                total += seg.getFrameCount();
                synced += seg.getLipSyncedFrames();
                for (int i = 0; i < seg.getFrameCount(); i++) {
                    Long sent =
                            sentMillis.get(
                                    FrameSendTimes.key(s.stream(), seg.getFirstFrameIndex() + i));
                    if (sent != null) {
                        latencies.add(s.atMillis() - sent);
                    }
                }
            }
            double overallSeconds = Math.max(1, last.atMillis() - startMillis) / 1000.0;
            double overallFps = total / overallSeconds;
            double steadySeconds = (last.atMillis() - warmedUp.atMillis()) / 1000.0;
            // All segments read at once (a run shorter than a checkpoint): no steady window.
            boolean steady = steadySeconds > 0;
            long steadyFrames = total - warmUpFrames;
            double fps = steady ? steadyFrames / steadySeconds : overallFps;
            int cores = Runtime.getRuntime().availableProcessors();
            double cpuSeconds = (last.cpuNanos() - warmedUp.cpuNanos()) / 1e9;
            double cpuBusy = steady ? cpuSeconds / (steadySeconds * cores) : Double.NaN;
            double perCpuSecond = steady ? steadyFrames / cpuSeconds : Double.NaN;
            return new Result(
                    streams,
                    loops,
                    total,
                    fps,
                    overallFps,
                    steady,
                    steadySeconds,
                    Percentiles.of(latencies.stream().mapToLong(Long::longValue).toArray()),
                    synced,
                    total - synced,
                    cpuBusy,
                    perCpuSecond,
                    metrics,
                    cpuByStage);
        }
    }
}
