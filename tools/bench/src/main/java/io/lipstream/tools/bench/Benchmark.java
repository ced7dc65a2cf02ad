package io.lipstream.tools.bench;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.model.ModelSynth;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;

/**
 * Measures, in one run on one machine, how much of the model's bare speed the whole pipeline keeps:
 * (a) bare ONNX Runtime throughput at several batch sizes on inputs prepared in advance, and (b)
 * the embedded pipeline's throughput (frames per second, Kafka in to segments out) and
 * frame-to-segment latency for several numbers of concurrent streams, at the batch size used for
 * the ratio, then (c) bare again at that batch size, since the ratio divides by the mean of the
 * bare speeds before and after the pipeline, and (d) the latency of streams paced in real time.
 * Without a model it measures the synthesized Wav2Lip generator (the real architecture's cost,
 * random weights).
 *
 * <p>Output: a {@link BenchReport} (JSON and a table). Numbers are wall-clock rates of a possibly
 * shared machine: the report carries the load average before and after.
 */
public final class Benchmark {
    /** How often the embedded dashboard refreshes the metrics the report samples. */
    private static final Duration METRICS_REFRESH = Duration.ofSeconds(2);

    /** {@link Settings#liveStreams} value that sizes the live run from the measured capacity. */
    public static final int AUTO_LIVE_STREAMS = -1;

    /** Share of the measured capacity the automatic live run loads the pipeline with. */
    static final double LIVE_LOAD = 0.8;

    /** Seed of the synthesized generator's weights (the cost does not depend on it). */
    private static final long SYNTH_SEED = 1;

    /**
     * What to measure.
     *
     * @param model a Wav2Lip ONNX export, or null for the synthesized generator
     * @param video the video streamed through the pipeline (any format FFmpeg reads)
     * @param batches bare batch sizes
     * @param streams concurrent stream counts of the pipeline runs
     * @param pipelineBatch the pipeline's {@code inference.batch-size}, also measured bare
     * @param minFramesPerRun each pipeline run streams at least this many frames in all
     * @param minTimePerBatch timed runs per bare batch last at least this long
     * @param jobOptions further job options ({@code -D}); the model and batch size are set here
     * @param dashboardPort preferred port of the embedded Flink dashboard
     * @param liveStreams streams of the live run (paced in real time, one pass over the video), for
     *     the latency of a pipeline that keeps up; {@link #AUTO_LIVE_STREAMS} for as many as {@link
     *     #LIVE_LOAD} of the measured capacity carries (at least one), 0 for no live run
     */
    public record Settings(
            Path model,
            Path video,
            List<Integer> batches,
            List<Integer> streams,
            int pipelineBatch,
            long minFramesPerRun,
            Duration minTimePerBatch,
            Configuration jobOptions,
            int dashboardPort,
            int liveStreams) {

        public Settings {
            batches = List.copyOf(batches);
            streams = List.copyOf(streams);
            requirePositive("batch", batches);
            requirePositive("stream count", streams);
            requirePositive("pipeline batch", List.of(pipelineBatch));
            if (liveStreams < AUTO_LIVE_STREAMS) {
                throw new IllegalArgumentException(
                        "live streams must be >= 0 (or "
                                + AUTO_LIVE_STREAMS
                                + ": auto), got "
                                + liveStreams);
            }
            if (minFramesPerRun <= 0) {
                throw new IllegalArgumentException(
                        "frames per run must be positive, got " + minFramesPerRun);
            }
        }

        private static void requirePositive(String what, List<Integer> values) {
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no " + what + " given");
            }
            for (int v : values) {
                if (v <= 0) {
                    throw new IllegalArgumentException(what + " must be positive, got " + v);
                }
            }
        }
    }

    private final Settings settings;
    private final PrintWriter progress;

    public Benchmark(Settings settings, PrintWriter progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs both measurements.
     *
     * @throws io.lipstream.inference.ModelRejectedException when the model is not Wav2Lip's
     */
    public BenchReport run() throws Exception {
        String loadBefore = MachineInfo.loadAverage();
        MachineCpu cpuBefore = MachineCpu.now();
        Path synthesized = null;
        Path model = settings.model();
        if (model == null) {
            synthesized = Files.createTempDirectory("lipstream-bench");
            model = synthesized.resolve("wav2lip-synth.onnx");
            progress.println("Writing the synthesized Wav2Lip generator (random weights)...");
            progress.flush();
            ModelSynth.write(
                    model, ModelSynth.Arch.WAV2LIP, null, Wav2LipShapes.FACE_SIZE, SYNTH_SEED);
        }
        try {
            Configuration config = new Configuration(settings.jobOptions());
            config.set(InferenceOptions.MODEL, model.toAbsolutePath().toString());
            config.set(InferenceOptions.BATCH_SIZE, settings.pipelineBatch());
            if (!config.contains(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL)) {
                // The dashboard's metric store refreshes every 10 s by default: too coarse for
                // samples of runs that last a minute.
                config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, METRICS_REFRESH);
            }
            TreeSet<Integer> batches = new TreeSet<>(settings.batches());
            batches.add(settings.pipelineBatch());
            BareSide bare = measureBare(model, config, batches);
            MediaFloor.Result floor = measureFloor(config);
            PipelineRuns pipeline = measurePipeline(config);
            // The machine's speed drifts (about 10% over minutes on a shared VM): measure the
            // pipeline's batch once more, so the ratio divides by the bare speed around the runs.
            progress.println("Bare ONNX Runtime again, after the pipeline:");
            BareSide after = measureBare(model, config, List.of(settings.pipelineBatch()));
            return new BenchReport(
                    settings.model() == null
                            ? "synthesized Wav2Lip generator (ModelSynth WAV2LIP, random weights)"
                            : settings.model().toString(),
                    settings.video().toString(),
                    MachineInfo.describe(
                            bare.device,
                            bare.threads,
                            bare.runs,
                            loadBefore,
                            cpuBefore == null ? Map.of() : cpuBefore.sharesUntil(MachineCpu.now())),
                    bare.results,
                    after.results.get(0),
                    settings.pipelineBatch(),
                    pipeline.throughput(),
                    pipeline.live(),
                    pipeline.streamFps(),
                    floor,
                    config.toMap());
        } finally {
            if (synthesized != null) {
                Files.deleteIfExists(model);
                Files.deleteIfExists(synthesized);
            }
        }
    }

    private MediaFloor.Result measureFloor(Configuration config) throws Exception {
        progress.println("Media floor: JPEG decode and segment encode of the video, one thread...");
        progress.flush();
        MediaFloor.Result floor =
                MediaFloor.measure(settings.video(), SegmentOptions.Settings.from(config));
        progress.printf(
                Locale.ROOT,
                "  %.1f ms per frame (JPEG decode %.1f, %s segment encode %.1f); ingest side %.1f"
                        + " ms (source decode %.1f, JPEG encode %.1f)%n",
                floor.floorMs(),
                floor.jpegDecodeMs(),
                floor.encoder(),
                floor.segmentEncodeMs(),
                floor.ingestMs(),
                floor.sourceDecodeMs(),
                floor.jpegEncodeMs());
        progress.flush();
        return floor;
    }

    private record BareSide(
            List<BareInferenceBench.Result> results, String device, int threads, int runs) {}

    private BareSide measureBare(Path model, Configuration config, Collection<Integer> batches)
            throws Exception {
        InferenceDevice device =
                InferenceDevice.parse(config.get(InferenceOptions.DEVICE))
                        .withFp16(config.get(InferenceOptions.FP16));
        int threads = config.get(InferenceOptions.INTRA_OP_THREADS);
        int resolvedThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (Wav2LipModel loaded = Wav2LipModel.load(model, device, threads)) {
            int concurrentRuns =
                    Wav2LipModel.concurrentRuns(
                            config.get(InferenceOptions.MAX_IN_FLIGHT), loaded.deviceInUse());
            progress.printf(
                    Locale.ROOT,
                    "Bare ONNX Runtime on %s, %d intra-op threads, %d run(s) at once: batches %s%n",
                    loaded.deviceInUse(),
                    resolvedThreads,
                    concurrentRuns,
                    batches);
            progress.flush();
            List<BareInferenceBench.Result> results =
                    new BareInferenceBench(loaded, settings.minTimePerBatch(), concurrentRuns)
                            .measure(
                                    new ArrayList<>(batches),
                                    r -> {
                                        progress.printf(
                                                Locale.ROOT,
                                                "  batch %4d: %8.1f pairs/s (%d runs, %.1f ms/run)%n",
                                                r.batch(),
                                                r.pairsPerSecond(),
                                                r.runs(),
                                                r.msPerRun());
                                        progress.flush();
                                    });
            return new BareSide(results, loaded.deviceInUse(), resolvedThreads, concurrentRuns);
        }
    }

    /** The unpaced throughput runs, and the live run (null when none was asked for). */
    private record PipelineRuns(
            List<PipelineBench.Result> throughput, PipelineBench.Result live, double streamFps) {}

    private PipelineRuns measurePipeline(Configuration config) throws Exception {
        List<PipelineBench.Result> results = new ArrayList<>();
        PipelineBench.Result live = null;
        double streamFps;
        try (LipSyncRun run =
                LipSyncRun.start(
                        config, FlinkTarget.embedded(settings.dashboardPort()), "lipsync bench")) {
            progress.println("Pipeline on the embedded stack; dashboard: " + run.dashboardUrl());
            PipelineBench bench = new PipelineBench(run, settings.video());
            streamFps = bench.streamFps();
            for (int streams : settings.streams()) {
                long perLoop = (long) streams * bench.framesPerLoop();
                int loops = (int) Math.max(1, (settings.minFramesPerRun() + perLoop - 1) / perLoop);
                progress.printf(
                        Locale.ROOT,
                        "  %d stream(s) x %d loop(s), about %d frames, batch %d...%n",
                        streams,
                        loops,
                        perLoop * loops,
                        settings.pipelineBatch());
                progress.flush();
                PipelineBench.Result r = bench.measure(streams, loops, false);
                progress.printf(
                        Locale.ROOT,
                        "  %d stream(s): %.1f frames/s, latency p50 %.0f ms, p99 %.0f ms%n",
                        streams,
                        r.fps(),
                        r.latencyMs().p50(),
                        r.latencyMs().p99());
                progress.flush();
                results.add(r);
            }
            int liveStreams = liveStreams(results, streamFps);
            if (liveStreams > 0) {
                progress.printf(
                        Locale.ROOT,
                        "  live: %d stream(s) paced at %.2f frames/s each, one pass...%n",
                        liveStreams,
                        streamFps);
                progress.flush();
                live = bench.measure(liveStreams, 1, true);
                progress.printf(
                        Locale.ROOT,
                        "  live: latency p50 %.0f ms, p99 %.0f ms%n",
                        live.latencyMs().p50(),
                        live.latencyMs().p99());
                progress.flush();
            }
        }
        return new PipelineRuns(results, live, streamFps);
    }

    private int liveStreams(List<PipelineBench.Result> throughput, double streamFps) {
        if (settings.liveStreams() != AUTO_LIVE_STREAMS) {
            return settings.liveStreams();
        }
        double capacity =
                throughput.stream().mapToDouble(PipelineBench.Result::fps).max().orElse(0);
        return Math.max(1, (int) Math.floor(capacity * LIVE_LOAD / streamFps));
    }
}
