package io.lipstream.tools.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The result of a {@link Benchmark}: bare pairs per second per batch, pipeline frames per second
 * and latency per stream count, the ratio pipeline / bare at the pipeline's batch size, the
 * machine, and what the job's metrics say limits the ratio. Renders as JSON ({@link #toJson}) and
 * as a table ({@link #table}).
 *
 * <p>The headline pipeline figure is the stream count with the highest throughput (the pipeline's
 * capacity on this machine); its latency is reported with it.
 */
public final class BenchReport {
    /**
     * Inference counts as the limit when on average at least this many batches run at once (one
     * batch always running, up to measurement noise).
     */
    private static final double SATURATED = 0.9;

    /**
     * Other processes (or the hypervisor's steal) taking more than this share of the machine's CPU
     * during the bench make the wall-clock figures unreliable.
     */
    private static final double SHARED_MACHINE = 0.05;

    /**
     * The ratio the project aims at with 8 streams; the report says how much CPU per frame the
     * stages other than inference may take for it.
     */
    static final double RATIO_GOAL = 0.9;

    private static final String MAX_IN_FLIGHT =
            io.lipstream.job.options.InferenceOptions.MAX_IN_FLIGHT.key();

    private static final String LIVE_LATENCY_NOTE =
            "frame sent to Kafka to its segment read by a read_committed consumer, with every"
                    + " stream paced in real time as a camera sends it: the delay a viewer of a"
                    + " dubbed live stream sees, when the pipeline keeps up (kept_up)";

    /** A live run keeps up when it puts out at least this share of the frames it was sent. */
    private static final double KEPT_UP = 0.95;

    private static final String LATENCY_NOTE =
            "frame sent to Kafka (record timestamp) to its segment read by a read_committed"
                    + " consumer; frames are ingested unpaced, so this includes the time a frame"
                    + " waits in Kafka behind the backlog, plus up to one checkpoint interval"
                    + " (segments become readable when the checkpoint after them completes)";

    /**
     * Indented JSON, two spaces, {@code "key": value}; floating-point numbers with six significant
     * digits (what a measurement carries) and non-finite ones as {@code null}, which JSON has no
     * other way to say.
     */
    private static final ObjectWriter JSON =
            new ObjectMapper()
                    .registerModule(
                            new SimpleModule()
                                    .addSerializer(Double.class, new SixDigits())
                                    .addSerializer(Float.class, new SixDigits()))
                    .writer(
                            new DefaultPrettyPrinter()
                                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                                    .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                                    .withSeparators(
                                            Separators.createDefaultInstance()
                                                    .withObjectFieldValueSpacing(
                                                            Separators.Spacing.AFTER)
                                                    .withObjectEmptySeparator("")
                                                    .withArrayEmptySeparator("")));

    private final String model;
    private final String video;
    private final Map<String, Object> machine;
    private final List<BareInferenceBench.Result> bare;
    private final BareInferenceBench.Result bareAfter;
    private final int pipelineBatch;
    private final List<PipelineBench.Result> pipeline;
    private final PipelineBench.Result live;
    private final double streamFps;
    private final MediaFloor.Result floor;
    private final Map<String, String> jobOptions;

    BenchReport(
            String model,
            String video,
            Map<String, Object> machine,
            List<BareInferenceBench.Result> bare,
            BareInferenceBench.Result bareAfter,
            int pipelineBatch,
            List<PipelineBench.Result> pipeline,
            PipelineBench.Result live,
            double streamFps,
            MediaFloor.Result floor,
            Map<String, String> jobOptions) {
        this.model = model;
        this.video = video;
        this.machine = machine;
        this.bare = List.copyOf(bare);
        this.bareAfter = bareAfter;
        this.pipelineBatch = pipelineBatch;
        this.pipeline = List.copyOf(pipeline);
        this.live = live;
        this.streamFps = streamFps;
        this.floor = floor;
        this.jobOptions = new java.util.TreeMap<>(jobOptions);
    }

    /**
     * Bare pairs per second at the pipeline's batch size: the mean of the measurements before and
     * after the pipeline runs.
     */
    public double barePairsPerSecond() {
        return (bareBefore().pairsPerSecond() + bareAfter.pairsPerSecond()) / 2;
    }

    /** Bare pairs per CPU-second (of this process) at the pipeline's batch size, as above. */
    public double barePairsPerCpuSecond() {
        return (bareBefore().pairsPerCpuSecond() + bareAfter.pairsPerCpuSecond()) / 2;
    }

    private BareInferenceBench.Result bareBefore() {
        return bare.stream().filter(r -> r.batch() == pipelineBatch).findFirst().orElseThrow();
    }

    /** Frames per second of the fastest pipeline run. */
    public double pipelineFps() {
        return headline().fps();
    }

    /** Pipeline frames per second over bare pairs per second at the same batch size. */
    public double ratio() {
        return pipelineFps() / barePairsPerSecond();
    }

    private PipelineBench.Result headline() {
        return pipeline.stream()
                .max(Comparator.comparingDouble(PipelineBench.Result::fps))
                .orElseThrow();
    }

    public String toJson() {
        PipelineBench.Result best = headline();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("video", video);
        root.put("bare_batch", pipelineBatch);
        root.put("bare_pairs_per_s", barePairsPerSecond());
        root.put("bare_pairs_per_s_before", bareBefore().pairsPerSecond());
        root.put("bare_pairs_per_s_after", bareAfter.pairsPerSecond());
        root.put("pipeline_batch", pipelineBatch);
        root.put("pipeline_streams", best.streams());
        root.put("pipeline_fps", best.fps());
        root.put("ratio", ratio());
        // Per CPU-second of this process: less sensitive to other load on a shared machine.
        root.put("ratio_per_cpu_second", best.framesPerCpuSecond() / barePairsPerCpuSecond());
        root.put("latency_ms", latency(best.latencyMs()));
        root.put("latency_definition", LATENCY_NOTE);
        if (live != null) {
            Map<String, Object> liveRow = new LinkedHashMap<>();
            liveRow.put("streams", live.streams());
            liveRow.put("frames", live.frames());
            liveRow.put("fps", live.fps());
            liveRow.put("sent_fps", liveSentFps());
            liveRow.put("kept_up", liveKeptUp());
            liveRow.put("latency_ms", latency(live.latencyMs()));
            liveRow.put("latency_definition", LIVE_LATENCY_NOTE);
            root.put("live", liveRow);
        }
        root.put("machine", machine);
        List<Object> bareRows = new ArrayList<>();
        for (BareInferenceBench.Result r : bare) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("batch", r.batch());
            row.put("pairs_per_s", r.pairsPerSecond());
            row.put("pairs_per_cpu_s", r.pairsPerCpuSecond());
            row.put("ms_per_run", r.msPerRun());
            row.put("timed_runs", r.runs());
            row.put("warm_up_runs", BareInferenceBench.WARM_UP_RUNS);
            bareRows.add(row);
        }
        root.put("bare", bareRows);
        List<Object> pipelineRows = new ArrayList<>();
        for (PipelineBench.Result r : pipeline) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("streams", r.streams());
            row.put("loops_per_stream", r.loops());
            row.put("frames", r.frames());
            row.put("fps", r.fps());
            row.put("steady_state", r.steady());
            row.put("steady_seconds", r.steadySeconds());
            row.put("overall_fps", r.overallFps());
            row.put("latency_ms", latency(r.latencyMs()));
            row.put("lip_synced_frames", r.lipSynced());
            row.put("passed_through_frames", r.passedThrough());
            row.put("process_cpu_busy", r.cpuBusy());
            row.put("frames_per_cpu_s", r.framesPerCpuSecond());
            row.put("cpu_by_stage", r.cpuByStage());
            cpuMsPerFrame(r).ifPresent(ms -> row.put("cpu_ms_per_frame", ms));
            row.put("job_metrics", r.jobMetrics());
            pipelineRows.add(row);
        }
        root.put("pipeline", pipelineRows);
        root.put("limits", limits(best));
        cpuBudget(best).ifPresent(budget -> root.put("cpu_budget_per_frame", budget.toMap()));
        root.put("media_floor_ms_per_frame", floor.floorMap());
        root.put("ingest_ms_per_frame", floor.ingestMap());
        cpuBudget(best)
                .ifPresent(
                        b -> root.put("rest_over_media_floor", floor.ratios(b.rest(), b.client())));
        root.put("job_options", jobOptions);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps, lists, strings and numbers always render", e);
        }
    }

    public String table() {
        StringBuilder t = new StringBuilder();
        t.append(
                String.format(
                        Locale.ROOT,
                        "Model: %s%nMachine: %s cores (%s), device %s, %s intra-op threads, %s"
                                + " run(s) at once; load average %s before, %s after%s%n%n",
                        model,
                        machine.get("cores"),
                        machine.get("cpu"),
                        machine.get("device"),
                        machine.get("intra_op_threads"),
                        machine.get("concurrent_runs"),
                        machine.get("load_average_before"),
                        machine.get("load_average_after"),
                        machine.containsKey("other_processes_cpu_share")
                                ? String.format(
                                        Locale.ROOT,
                                        "; during the bench other processes took %.1f%% of the"
                                                + " CPU, the hypervisor %.1f%%",
                                        number(machine.get("other_processes_cpu_share")) * 100,
                                        number(machine.get("steal_cpu_share")) * 100)
                                : ""));
        t.append("Bare ONNX Runtime (inputs prepared in advance)\n");
        t.append(" batch   pairs/s  pairs/cpu-s   ms/run  runs\n");
        for (BareInferenceBench.Result r : bare) {
            t.append(
                    String.format(
                            Locale.ROOT,
                            "%6d  %8.1f  %11.1f  %7.1f  %4d%n",
                            r.batch(),
                            r.pairsPerSecond(),
                            r.pairsPerCpuSecond(),
                            r.msPerRun(),
                            r.runs()));
        }
        t.append(
                String.format(
                        Locale.ROOT,
                        "%nPipeline (Kafka in to segments out, batch %d)%n",
                        pipelineBatch));
        t.append(
                " streams  frames  frames/s  frames/cpu-s  overall/s  p50 ms  p95 ms  p99 ms"
                        + "  synced  cpu busy\n");
        for (PipelineBench.Result r : pipeline) {
            t.append(
                    String.format(
                            Locale.ROOT,
                            "%8d  %6d  %8.1f  %12.1f  %9.1f  %6.0f  %6.0f  %6.0f  %6d  %7.0f%%%n",
                            r.streams(),
                            r.frames(),
                            r.fps(),
                            r.framesPerCpuSecond(),
                            r.overallFps(),
                            r.latencyMs().p50(),
                            r.latencyMs().p95(),
                            r.latencyMs().p99(),
                            r.lipSynced(),
                            r.cpuBusy() * 100));
        }
        t.append(
                String.format(
                        Locale.ROOT,
                        "%nRatio pipeline / bare at batch %d: %.2f (%.1f frames/s with %d"
                                + " stream(s) / %.1f pairs/s, the mean of %.1f before and %.1f"
                                + " after the pipeline); per CPU-second: %.2f%n",
                        pipelineBatch,
                        ratio(),
                        pipelineFps(),
                        headline().streams(),
                        barePairsPerSecond(),
                        bareBefore().pairsPerSecond(),
                        bareAfter.pairsPerSecond(),
                        headline().framesPerCpuSecond() / barePairsPerCpuSecond()));
        t.append("Limits: ").append(limits(headline()).get("summary")).append('\n');
        if (!headline().cpuByStage().isEmpty()) {
            t.append(
                    String.format(
                            Locale.ROOT,
                            "CPU by stage, steady window of the %d-stream run: %s%n",
                            headline().streams(),
                            percentages(headline().cpuByStage())));
        }
        cpuBudget(headline())
                .ifPresent(
                        b ->
                                t.append(
                                        String.format(
                                                Locale.ROOT,
                                                "CPU per frame, same window: inference %.1f ms, the"
                                                        + " rest of the pipeline %.1f ms, idle"
                                                        + " %.1f ms; bare inference took %.1f ms"
                                                        + " per pair, so a ratio of %.1f per"
                                                        + " CPU-second leaves the rest %.1f ms%n",
                                                b.inference(),
                                                b.rest(),
                                                b.idle(),
                                                b.bareInferencePerPair(),
                                                RATIO_GOAL,
                                                b.restAtGoal())));
        cpuBudget(headline()).ifPresent(b -> t.append(floor.summary(b.rest(), b.client())));
        if (live != null) {
            t.append(
                    String.format(
                            Locale.ROOT,
                            "Live (%d stream(s) paced in real time, %.1f frames/s sent): latency"
                                    + " p50 %.0f ms, p95 %.0f ms, p99 %.0f ms; %s%n",
                            live.streams(),
                            liveSentFps(),
                            live.latencyMs().p50(),
                            live.latencyMs().p95(),
                            live.latencyMs().p99(),
                            liveKeptUp()
                                    ? "the pipeline kept up"
                                    : String.format(
                                            Locale.ROOT,
                                            "the pipeline fell behind (%.1f frames/s out)",
                                            live.fps())));
        }
        return t.toString();
    }

    /** The run's CPU per frame by stage and idle (see {@link CpuByStage#msPerFrame}). */
    private Optional<Map<String, Double>> cpuMsPerFrame(PipelineBench.Result r) {
        if (r.cpuByStage().isEmpty() || Double.isNaN(r.cpuBusy()) || r.fps() <= 0) {
            return Optional.empty();
        }
        int cores = ((Number) machine.get("cores")).intValue();
        return Optional.of(CpuByStage.msPerFrame(r.cpuByStage(), r.cpuBusy(), cores, r.fps()));
    }

    /**
     * Where a frame's CPU goes against the goal: inference, the rest of the pipeline, idle, and how
     * much the rest may take for a per-CPU-second ratio of {@link #RATIO_GOAL} given what bare
     * inference costs per pair (the ratio per CPU-second is bare CPU per pair over the pipeline's
     * CPU per frame). Milliseconds per frame.
     */
    private record CpuBudget(
            double bareInferencePerPair,
            double inference,
            double rest,
            double idle,
            double restAtGoal,
            double client) {

        Map<String, Double> toMap() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("bare_inference_ms_per_pair", bareInferencePerPair);
            m.put("inference_ms", inference);
            m.put("rest_ms", rest);
            m.put("idle_ms", idle);
            m.put("rest_ms_at_goal", restAtGoal);
            return m;
        }
    }

    private Optional<CpuBudget> cpuBudget(PipelineBench.Result r) {
        return cpuMsPerFrame(r)
                .map(
                        ms -> {
                            double inference = ms.getOrDefault(CpuByStage.INFERENCE, 0.0);
                            double idle = ms.get(CpuByStage.IDLE);
                            double used =
                                    ms.values().stream().mapToDouble(Double::doubleValue).sum()
                                            - idle;
                            double bareMs = 1000 / barePairsPerCpuSecond();
                            return new CpuBudget(
                                    bareMs,
                                    inference,
                                    used - inference,
                                    idle,
                                    bareMs / RATIO_GOAL - inference,
                                    ms.getOrDefault(CpuByStage.CLIENT, 0.0));
                        });
    }

    /** "a 71%, b 6%, ..." for shares, in their order. */
    private static String percentages(Map<String, Double> shares) {
        List<String> parts = new ArrayList<>();
        shares.forEach(
                (stage, share) ->
                        parts.add(String.format(Locale.ROOT, "%s %.1f%%", stage, share * 100)));
        return String.join(", ", parts);
    }

    /** Frames per second the live run's streams were sent at, all streams together. */
    private double liveSentFps() {
        return live.streams() * streamFps;
    }

    private boolean liveKeptUp() {
        return live.fps() >= KEPT_UP * liveSentFps();
    }

    private static Map<String, Object> latency(Percentiles p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p.p50());
        m.put("p95", p.p95());
        m.put("p99", p.p99());
        m.put("frames", p.count());
        return m;
    }

    /**
     * What the job's own metrics say about the ratio: whether inference ran back to back (then the
     * other stages only slow it by taking CPU from it) or waited for pairs (then a stage before it
     * is too slow), and which vertex was busiest.
     */
    private Map<String, Object> limits(PipelineBench.Result r) {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("process_cpu_busy", r.cpuBusy());
        @SuppressWarnings("unchecked")
        Map<String, Object> inference =
                (Map<String, Object>) r.jobMetrics().getOrDefault("inference", Map.of());
        double batchMean = number(inference.get("batchSize_mean"));
        double fill = batchMean / pipelineBatch;
        // The last minute's rates: ONNX Runtime's busy time per second is how many batches ran
        // on average. (The histograms' means reach back 500 batches, into the runs before.)
        double busyMsPerSecond = number(inference.get("inferenceBusyMsPerSecond"));
        double running = busyMsPerSecond / 1000;
        double latencyMs = busyMsPerSecond / number(inference.get("batchesPerSecond"));
        limits.put("mean_batch", batchMean);
        limits.put("mean_batch_fill", fill);
        limits.put("mean_batch_latency_ms", latencyMs);
        limits.put("mean_batches_running", running);
        limits.put(
                "max_batches_in_flight",
                jobOptions.getOrDefault(MAX_IN_FLIGHT, "0 (auto: 1 on the CPU, 2 on a GPU)"));
        String busiest = null;
        double busiestMs = -1;
        @SuppressWarnings("unchecked")
        Map<String, Object> vertices =
                (Map<String, Object>) r.jobMetrics().getOrDefault("vertices", Map.of());
        for (Map.Entry<String, Object> v : vertices.entrySet()) {
            @SuppressWarnings("unchecked")
            double busy = number(((Map<String, Object>) v.getValue()).get("busyTimeMsPerSecond"));
            if (busy > busiestMs) {
                busiestMs = busy;
                busiest = v.getKey();
            }
        }
        limits.put("busiest_task", busiest);
        limits.put("busiest_task_busy_ms_per_s", busiestMs);
        limits.put("summary", summary(r, running, fill, latencyMs, busiest, busiestMs));
        return limits;
    }

    private String summary(
            PipelineBench.Result r,
            double running,
            double fill,
            double latencyMs,
            String busiest,
            double busiestMs) {
        if (Double.isNaN(running)) {
            return "no job metrics were sampled (run too short); see the per-run figures";
        }
        String cpu =
                Double.isNaN(r.cpuBusy())
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "; the whole stack in this JVM used %.0f%% of the %s cores"
                                        + " (load average %s after the run)",
                                r.cpuBusy() * 100,
                                machine.get("cores"),
                                machine.get("load_average_after"));
        double perCpu = r.framesPerCpuSecond() / barePairsPerCpuSecond();
        String share =
                String.format(
                        Locale.ROOT,
                        "; per CPU-second the pipeline keeps %.0f%% of bare inference, the rest of"
                                + " its CPU goes to decoding, face tracking, mel, encoding, Kafka"
                                + " and the ingest client",
                        perCpu * 100);
        String loadNote = "";
        double others = number(machine.get("other_processes_cpu_share"));
        double steal = number(machine.get("steal_cpu_share"));
        if (others + steal > SHARED_MACHINE) {
            loadNote =
                    String.format(
                            Locale.ROOT,
                            "; other processes took %.0f%% of the machine's CPU during the bench"
                                    + " and the hypervisor %.0f%%, so the wall-clock ratio is not"
                                    + " reliable (compare the per-CPU-second figures)",
                            others * 100,
                            steal * 100);
        }
        if (running < SATURATED) {
            return String.format(
                    Locale.ROOT,
                    "the stages before inference are the limit: a batch ran only %.0f%% of the"
                            + " time (batches %.0f%% full); busiest task %s at %.0f ms/s%s%s%s",
                    running * 100,
                    fill * 100,
                    busiest,
                    busiestMs,
                    cpu,
                    share,
                    loadNote);
        }
        if (fill >= SATURATED) {
            return String.format(
                    Locale.ROOT,
                    "inference is the limit: full batches ran back to back (%.1f at a time, %.0f"
                            + " ms each) and pairs queued for them%s%s%s",
                    running,
                    latencyMs,
                    cpu,
                    share,
                    loadNote);
        }
        return String.format(
                Locale.ROOT,
                "the CPU is the limit: ONNX Runtime always had a batch running (%.1f at a time,"
                        + " %.0f ms each) yet batches were only %.0f%% full, so pairs arrived just"
                        + " as fast as they were processed: every stage shares the same cores%s%s%s",
                running,
                latencyMs,
                fill * 100,
                cpu,
                share,
                loadNote);
    }

    /** Whether the 1-minute load average in {@code loadAverages} exceeds {@code cores}. */
    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Six significant digits, as {@code %.6g} writes them; NaN and infinities as null. */
    private static final class SixDigits extends StdSerializer<Number> {
        SixDigits() {
            super(Number.class);
        }

        @Override
        public void serialize(Number value, JsonGenerator out, SerializerProvider provider)
                throws IOException {
            double d = value.doubleValue();
            if (Double.isFinite(d)) {
                out.writeNumber(String.format(Locale.ROOT, "%.6g", d));
            } else {
                out.writeNull();
            }
        }
    }
}
