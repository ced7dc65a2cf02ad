package io.lipstream.job.inference;

import io.lipstream.job.faces.FaceTensors;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.job.stream.SyncedFace.Outcome;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The rich async operator that runs Wav2Lip: gathers pairs from all streams of its subtask into
 * batches of {@code inference.batch-size}, runs one ONNX Runtime call per batch on a worker thread
 * (never on the task thread), and completes each pair with its generated face. A partial batch runs
 * after {@code inference.max-wait}. A failed batch is retried once, then its frames pass through
 * unchanged (counted); frames without a face pass through at once.
 *
 * <p>Use with {@code AsyncDataStream.unorderedWait}: the segment stage restores frame order. The
 * async operator checkpoints every pair still in flight and re-invokes this function for it on
 * restore, so a restore loses nothing.
 */
public final class BatchedLipSyncInference extends RichAsyncFunction<MelFacePair, SyncedFace> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(BatchedLipSyncInference.class);

    /** Samples kept by the latency and batch-size histograms. */
    private static final int HISTOGRAM_WINDOW = 500;

    private static final int MEL_FLOATS = 80 * 16;

    private final InferenceOptions.Settings settings;

    private transient Wav2LipModel model;
    private transient ExecutorService runners;
    private transient ScheduledExecutorService flusher;
    private transient ThreadLocal<BatchBuffers> buffers;
    private transient Object lock;
    private transient List<Pending> pending;
    private transient ScheduledFuture<?> flushTimer;
    private transient AtomicInteger inFlight;

    private transient Meter pairsIn;
    private transient Meter pairsOut;
    private transient Histogram batchSize;
    private transient Histogram queueWaitMs;
    private transient Histogram inferenceMs;
    private transient Counter paddedSlots;
    private transient Counter passThrough;
    private transient Counter failedBatches;
    private transient volatile double lastFillRatio;

    public BatchedLipSyncInference(InferenceOptions.Settings settings) {
        if (settings.model() == null) {
            throw new IllegalArgumentException(InferenceOptions.MODEL.key() + " is not set");
        }
        this.settings = settings;
    }

    private record Pending(MelFacePair pair, ResultFuture<SyncedFace> result, long queuedNanos) {}

    @Override
    public void open(OpenContext openContext) {
        model =
                SharedModels.acquire(
                        Path.of(settings.model()),
                        InferenceDevice.parse(settings.device()).withFp16(settings.fp16()),
                        settings.intraOpThreads());
        runners = Executors.newFixedThreadPool(settings.maxInFlight(), named("lipsync-inference"));
        flusher = Executors.newSingleThreadScheduledExecutor(named("lipsync-batch-flush"));
        buffers =
                ThreadLocal.withInitial(
                        () -> new BatchBuffers(settings.batchSize(), model.faceSize()));
        lock = new Object();
        pending = new ArrayList<>();
        inFlight = new AtomicInteger();
        registerMetrics(getRuntimeContext().getMetricGroup().addGroup("lipsync"));
        LOG.info("inference on {} with {}", model.deviceInUse(), model.signature());
    }

    private void registerMetrics(MetricGroup group) {
        pairsIn = group.meter("pairsInPerSecond", new MeterView(group.counter("pairsIn")));
        pairsOut = group.meter("pairsOutPerSecond", new MeterView(group.counter("pairsOut")));
        batchSize =
                group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        queueWaitMs =
                group.histogram(
                        "queueWaitMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        inferenceMs =
                group.histogram(
                        "inferenceLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        paddedSlots = group.counter("paddedSlots");
        passThrough = group.counter("passThrough");
        failedBatches = group.counter("failedBatches");
        group.gauge("batchFillRatio", () -> lastFillRatio);
        group.gauge("batchesInFlight", () -> inFlight.get());
        group.gauge("device", () -> model.deviceInUse());
    }

    @Override
    public void asyncInvoke(MelFacePair pair, ResultFuture<SyncedFace> result) {
        pairsIn.markEvent();
        if (!pair.frame.hasFace()) {
            complete(result, SyncedFace.passThrough(pair.frame, Outcome.NO_FACE));
            return;
        }
        List<Pending> full = null;
        synchronized (lock) {
            pending.add(new Pending(pair, result, System.nanoTime()));
            if (pending.size() >= settings.batchSize()) {
                full = takePending();
            } else if (pending.size() == 1) {
                flushTimer =
                        flusher.schedule(
                                this::flushPartial,
                                settings.maxWait().toMillis(),
                                TimeUnit.MILLISECONDS);
            }
        }
        if (full != null) {
            submit(full);
        }
    }

    @Override
    public void timeout(MelFacePair pair, ResultFuture<SyncedFace> result) {
        complete(result, SyncedFace.passThrough(pair.frame, Outcome.TIMEOUT));
    }

    private void flushPartial() {
        List<Pending> batch;
        synchronized (lock) {
            if (pending.isEmpty()) {
                return;
            }
            batch = takePending();
        }
        submit(batch);
    }

    private List<Pending> takePending() {
        List<Pending> batch = pending;
        pending = new ArrayList<>(settings.batchSize());
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        return batch;
    }

    private void submit(List<Pending> batch) {
        inFlight.incrementAndGet();
        runners.execute(
                () -> {
                    try {
                        runBatch(batch);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
    }

    private void runBatch(List<Pending> batch) {
        long start = System.nanoTime();
        for (Pending p : batch) {
            queueWaitMs.update((start - p.queuedNanos()) / 1_000_000);
        }
        int n = batch.size();
        batchSize.update(n);
        lastFillRatio = (double) n / settings.batchSize();
        model.signature()
                .fixedBatch()
                .ifPresent(fixed -> paddedSlots.inc((fixed - n % fixed) % fixed));
        BatchBuffers b = buffers.get();
        b.clear();
        for (int i = 0; i < n; i++) {
            MelFacePair pair = batch.get(i).pair();
            b.mel.put(i * MEL_FLOATS, pair.mel, 0, MEL_FLOATS);
            FaceTensors.writeFaceInput(pair.frame.crop, model.faceSize(), b.face, i);
        }
        Exception failure = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                model.run(b.mel, b.face, n, b.out);
                failure = null;
                break;
            } catch (InferenceException | RuntimeException e) {
                failure = e;
                LOG.warn("batch of {} failed (attempt {}): {}", n, attempt + 1, e.getMessage());
            }
        }
        inferenceMs.update((System.nanoTime() - start) / 1_000_000);
        if (failure != null) {
            failedBatches.inc();
            for (Pending p : batch) {
                complete(p.result(), SyncedFace.passThrough(p.pair().frame, Outcome.MODEL_ERROR));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            byte[] face = FaceTensors.readFaceOutput(b.out, model.faceSize(), i);
            complete(p.result(), new SyncedFace(p.pair().frame, face, Outcome.SYNCED));
        }
    }

    private void complete(ResultFuture<SyncedFace> result, SyncedFace face) {
        if (face.outcome != Outcome.SYNCED) {
            passThrough.inc();
        }
        pairsOut.markEvent();
        result.complete(Collections.singleton(face));
    }

    @Override
    public void close() throws Exception {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        if (runners != null) {
            runners.shutdown();
            runners.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (model != null) {
            SharedModels.release(model);
            model = null;
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Reusable direct input and output buffers for one batch, one set per worker thread. */
    private static final class BatchBuffers {
        final FloatBuffer mel;
        final FloatBuffer face;
        final FloatBuffer out;

        BatchBuffers(int batch, int faceSize) {
            mel = direct(batch * MEL_FLOATS);
            face = direct(batch * 6 * faceSize * faceSize);
            out = direct(batch * 3 * faceSize * faceSize);
        }

        void clear() {
            mel.clear();
            face.clear();
            out.clear();
        }

        private static FloatBuffer direct(int floats) {
            return ByteBuffer.allocateDirect(floats * Float.BYTES)
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
    }
}
