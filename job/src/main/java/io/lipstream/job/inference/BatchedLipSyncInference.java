package io.lipstream.job.inference;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.InferenceException;
import io.lipstream.inference.SharedModels;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * batches of {@code inference.batch-size}, runs one ONNX Runtime call per batch on one of {@code
 * inference.max-in-flight} runner threads (never on the task thread; the limit holds per device,
 * across the subtasks sharing its model), and completes each pair with its generated face. A free
 * runner takes a full batch at once, or a partial one once its oldest pair has waited {@code
 * inference.max-wait}; while every runner is busy, pairs keep gathering into the next batch (see
 * {@link BatchQueue}). A failed batch is retried once, then its frames pass through unchanged
 * (counted); frames without a face pass through at once.
 *
 * <p>Use with {@code AsyncDataStream.unorderedWait}: the segment stage restores frame order. The
 * async operator checkpoints every pair still in flight and re-invokes this function for it on
 * restore, so a restore loses nothing.
 *
 * <p>Each pair is completed exactly once, whichever comes first of its batch, {@link #timeout} or a
 * failure, so the metrics count each pair once. A pair whose input is malformed (a crop or mel of
 * the wrong size) passes through as {@link Outcome#MODEL_ERROR} without failing its batch.
 */
public final class BatchedLipSyncInference extends RichAsyncFunction<MelFacePair, SyncedFace> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(BatchedLipSyncInference.class);

    /** Samples kept by the latency and batch-size histograms. */
    private static final int HISTOGRAM_WINDOW = 500;

    /** One pair's mel window: Wav2Lip's 80 mel bands by 16 columns. */
    private static final int MEL_FLOATS = Wav2LipShapes.melValues();

    /** Attempts per batch: the first run and one retry. */
    private static final int ATTEMPTS = 2;

    /**
     * How long {@link #close} waits for running batches before giving up on them; the model is only
     * released once no batch runs any more (closing a session under a run crashes natively).
     */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final InferenceOptions.Settings settings;

    private transient Wav2LipModel model;
    private transient ExecutorService runners;
    private transient ThreadLocal<BatchBuffers> buffers;

    /** Guards {@link #queue}; runners wait on {@link #changed} for a batch to be ready. */
    private transient ReentrantLock lock;

    private transient Condition changed;
    private transient BatchQueue<Pending> queue;
    private transient boolean closing;
    private transient AtomicInteger inFlight;

    /**
     * Pairs not completed yet, by the result future Flink gave (so {@link #timeout} finds them).
     */
    private transient Map<ResultFuture<SyncedFace>, Pending> outstanding;

    private transient Meter pairsIn;
    private transient Meter pairsOut;
    private transient Histogram batchSize;
    private transient Histogram queueWaitMs;
    private transient Histogram inferenceMs;
    private transient Meter batches;
    private transient Meter inferenceBusyMs;
    private transient Counter paddedSlots;
    private transient Counter passThrough;
    private transient Counter failedBatches;
    private transient Counter batchRetries;
    private transient volatile double lastFillRatio;

    public BatchedLipSyncInference(InferenceOptions.Settings settings) {
        if (settings.model() == null) {
            throw new IllegalArgumentException(InferenceOptions.MODEL.key() + " is not set");
        }
        this.settings = settings;
    }

    /** A pair waiting for its batch; {@code done} turns true once it is completed. */
    private record Pending(
            MelFacePair pair,
            ResultFuture<SyncedFace> result,
            long queuedNanos,
            AtomicBoolean done) {}

    @Override
    public void open(OpenContext openContext) {
        model =
                SharedModels.acquire(
                        Path.of(settings.model()),
                        InferenceDevice.parse(settings.device()).withFp16(settings.fp16()),
                        settings.intraOpThreads(),
                        settings.maxInFlight());
        buffers =
                ThreadLocal.withInitial(
                        () -> new BatchBuffers(settings.batchSize(), model.faceSize()));
        lock = new ReentrantLock();
        changed = lock.newCondition();
        queue = new BatchQueue<>(settings.batchSize(), settings.maxWait());
        inFlight = new AtomicInteger();
        outstanding = Collections.synchronizedMap(new IdentityHashMap<>());
        registerMetrics(getRuntimeContext().getMetricGroup().addGroup("lipsync"));
        // One runner per run the device allows: more would only hold taken batches waiting.
        int runnerCount = model.maxConcurrentRuns();
        runners = Executors.newFixedThreadPool(runnerCount, named("lipsync-inference"));
        for (int i = 0; i < runnerCount; i++) {
            runners.execute(this::runBatches);
        }
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
        // Rates over the last minute, where the histograms above keep the last 500 batches
        // (which may reach back to another load): busy ms per second over 1000 is how many runs
        // kept ONNX Runtime busy on average (1 = back to back on one runner).
        batches = group.meter("batchesPerSecond", new MeterView(group.counter("batches")));
        inferenceBusyMs =
                group.meter(
                        "inferenceBusyMsPerSecond",
                        new MeterView(group.counter("inferenceBusyMs")));
        paddedSlots = group.counter("paddedSlots");
        passThrough = group.counter("passThrough");
        failedBatches = group.counter("failedBatches");
        batchRetries = group.counter("batchRetries");
        group.gauge("batchFillRatio", () -> lastFillRatio);
        group.gauge("batchesInFlight", () -> inFlight.get());
        // Read once: the gauge may be polled after close() has released the model.
        String device = model.deviceInUse();
        group.gauge("device", () -> device);
    }

    @Override
    public void asyncInvoke(MelFacePair pair, ResultFuture<SyncedFace> result) {
        pairsIn.markEvent();
        if (!pair.frame.hasFace()) {
            complete(result, SyncedFace.passThrough(pair.frame, Outcome.NO_FACE));
            return;
        }
        long now = System.nanoTime();
        Pending p = new Pending(pair, result, now, new AtomicBoolean());
        outstanding.put(result, p);
        lock.lock();
        try {
            queue.add(p, now);
            // Readiness changes only when the first pair starts the clock or a batch fills.
            if (queue.size() == 1 || queue.size() >= settings.batchSize()) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Passes the pair through unchanged. Its batch may still run later; the pair is then skipped,
     * so it is emitted and counted once.
     */
    @Override
    public void timeout(MelFacePair pair, ResultFuture<SyncedFace> result) {
        Pending p = outstanding.get(result);
        if (p != null) {
            complete(p, SyncedFace.passThrough(pair.frame, Outcome.TIMEOUT));
        }
    }

    /** A runner: takes each batch once it is ready, runs it, until {@link #close}. */
    private void runBatches() {
        while (true) {
            List<Pending> batch;
            lock.lock();
            try {
                long wait;
                while (!closing && (wait = queue.nanosUntilReady(System.nanoTime())) > 0) {
                    if (wait == Long.MAX_VALUE) {
                        changed.await();
                    } else {
                        changed.awaitNanos(wait);
                    }
                }
                if (closing) {
                    return;
                }
                batch = queue.take();
                inFlight.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            try {
                runBatch(batch);
            } catch (RuntimeException | Error e) {
                // Never leave a pair hanging until its timeout: pass the rest through.
                LOG.error("batch of {} broke unexpectedly", batch.size(), e);
                for (Pending p : batch) {
                    complete(p, SyncedFace.passThrough(p.pair().frame, Outcome.MODEL_ERROR));
                }
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private void runBatch(List<Pending> batch) {
        long start = System.nanoTime();
        BatchBuffers b = buffers.get();
        b.clear();
        List<Pending> slots = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (p.done().get()) {
                continue; // timed out while waiting for its batch
            }
            queueWaitMs.update((start - p.queuedNanos()) / 1_000_000);
            try {
                writeInputs(p.pair(), b, slots.size());
                slots.add(p);
            } catch (IllegalArgumentException e) {
                LOG.warn(
                        "frame {} of stream {} has a malformed model input: {}",
                        p.pair().frame.frameIndex,
                        p.pair().frame.streamId,
                        e.getMessage());
                complete(p, SyncedFace.passThrough(p.pair().frame, Outcome.MODEL_ERROR));
            }
        }
        int n = slots.size();
        if (n == 0) {
            return;
        }
        batchSize.update(n);
        lastFillRatio = (double) n / settings.batchSize();
        model.signature()
                .fixedBatch()
                .ifPresent(fixed -> paddedSlots.inc((fixed - n % fixed) % fixed));
        Exception failure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                batchRetries.inc();
            }
            try {
                model.run(b.mel, b.face, n, b.out);
                failure = null;
                break;
            } catch (InferenceException | RuntimeException e) {
                failure = e;
                LOG.warn("batch of {} failed (attempt {}): {}", n, attempt, e.getMessage());
            }
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        inferenceMs.update(tookMs);
        inferenceBusyMs.markEvent(tookMs);
        batches.markEvent();
        if (failure != null) {
            failedBatches.inc();
            for (Pending p : slots) {
                complete(p, SyncedFace.passThrough(p.pair().frame, Outcome.MODEL_ERROR));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            Pending p = slots.get(i);
            byte[] face = FaceTensors.readFaceOutput(b.out, model.faceSize(), i);
            complete(p, new SyncedFace(p.pair().frame, face, Outcome.SYNCED));
        }
    }

    /**
     * Writes one pair into batch slot {@code slot}.
     *
     * @throws IllegalArgumentException when the mel window or the crop has the wrong size
     */
    private void writeInputs(MelFacePair pair, BatchBuffers b, int slot) {
        if (pair.mel == null || pair.mel.length != MEL_FLOATS) {
            throw new IllegalArgumentException(
                    "expected a mel window of "
                            + MEL_FLOATS
                            + " floats, found "
                            + (pair.mel == null ? "null" : pair.mel.length));
        }
        FaceTensors.writeFaceInput(pair.frame.crop, model.faceSize(), b.face, slot);
        b.mel.put(slot * MEL_FLOATS, pair.mel, 0, MEL_FLOATS);
    }

    /** Emits {@code face} for a queued pair unless it was already completed. */
    private void complete(Pending p, SyncedFace face) {
        if (!p.done().compareAndSet(false, true)) {
            return;
        }
        outstanding.remove(p.result());
        complete(p.result(), face);
    }

    private void complete(ResultFuture<SyncedFace> result, SyncedFace face) {
        if (face.outcome != Outcome.SYNCED) {
            passThrough.inc();
        }
        pairsOut.markEvent();
        result.complete(Collections.singleton(face));
    }

    /**
     * Stops the runners once their running batches end, then releases the model. Pairs still
     * gathering are dropped: the async operator has them in its checkpoint and re-invokes this
     * function for them on restore.
     */
    @Override
    public void close() throws Exception {
        boolean idle = true;
        try {
            if (runners != null) {
                lock.lock();
                try {
                    closing = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                runners.shutdown();
                idle = runners.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            idle = runners.isTerminated();
            Thread.currentThread().interrupt();
        } finally {
            if (model != null) {
                if (idle) {
                    SharedModels.release(model);
                } else {
                    // Closing the session under a running batch would crash the JVM natively.
                    LOG.warn(
                            "a batch still runs after {} s; model {} is not released",
                            CLOSE_WAIT_SECONDS,
                            model);
                }
                model = null;
            }
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
