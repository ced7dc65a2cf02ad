package io.lipstream.tools.bench;

import io.lipstream.inference.InferenceException;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Bare ONNX Runtime throughput of one model, no Flink and no Kafka: pairs per second per batch
 * size, on inputs prepared before timing, with as many runs at once as the job allows on the device
 * ({@code inference.max-in-flight}), each caller on its own buffers. Each batch shape gets {@link
 * #WARM_UP_RUNS} untimed runs per caller first (ONNX Runtime's first runs at a new shape are about
 * 1.7x slower, docs/architecture.md), then timed runs until at least {@link #MIN_TIMED_RUNS} runs
 * per caller and the minimum time have passed.
 */
final class BareInferenceBench {
    /** Untimed runs per batch shape (docs/architecture.md: warm up at least three runs). */
    static final int WARM_UP_RUNS = 3;

    /** Timed runs per batch shape at the least, however long they take. */
    static final int MIN_TIMED_RUNS = 3;

    /** Mel values of Wav2Lip lie in [-4, 4] (audio.py's symmetric normalisation). */
    private static final float MEL_RANGE = 4f;

    private static final long SEED = 11;

    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /**
     * What one batch size gave. Pairs per CPU-second (this process's CPU time) vary less than the
     * wall rate when other processes share the machine.
     */
    record Result(
            int batch,
            double pairsPerSecond,
            double pairsPerCpuSecond,
            double msPerRun,
            int runs) {}

    private final Wav2LipModel model;
    private final Duration minTime;
    private final int concurrentRuns;

    BareInferenceBench(Wav2LipModel model, Duration minTime, int concurrentRuns) {
        if (concurrentRuns < 1) {
            throw new IllegalArgumentException(
                    "concurrent runs must be >= 1, got " + concurrentRuns);
        }
        this.model = model;
        this.minTime = minTime;
        this.concurrentRuns = concurrentRuns;
    }

    List<Result> measure(List<Integer> batches, Consumer<Result> onResult)
            throws InferenceException {
        List<Result> results = new ArrayList<>();
        for (int batch : batches) {
            Result r = measure(batch);
            onResult.accept(r);
            results.add(r);
        }
        return results;
    }

    private Result measure(int batch) throws InferenceException {
        CyclicBarrier warmedUp = new CyclicBarrier(concurrentRuns);
        AtomicLong cpuStart = new AtomicLong();
        AtomicLong start = new AtomicLong();
        List<Callable<Integer>> callers = new ArrayList<>();
        for (int c = 0; c < concurrentRuns; c++) {
            callers.add(
                    () -> {
                        Inputs in = new Inputs(batch, model.faceSize());
                        for (int i = 0; i < WARM_UP_RUNS; i++) {
                            in.run();
                        }
                        if (warmedUp.await() == 0) {
                            cpuStart.set(CPU.getProcessCpuTime());
                            start.set(System.nanoTime());
                        }
                        warmedUp.await();
                        int runs = 0;
                        do {
                            in.run();
                            runs++;
                        } while (runs < MIN_TIMED_RUNS
                                || System.nanoTime() - start.get() < minTime.toNanos());
                        return runs;
                    });
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrentRuns);
        int runs = 0;
        try {
            for (Future<Integer> f : pool.invokeAll(callers)) {
                runs += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring batch " + batch, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InferenceException failed) {
                throw failed;
            }
            throw new IllegalStateException("batch " + batch + " failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start.get()) / 1e9;
        double cpuSeconds = (CPU.getProcessCpuTime() - cpuStart.get()) / 1e9;
        return new Result(
                batch,
                runs * batch / seconds,
                runs * batch / cpuSeconds,
                seconds * 1000 * concurrentRuns / runs,
                runs);
    }

    /** One caller's prepared inputs and output buffer. */
    private final class Inputs {
        final int batch;
        final FloatBuffer mel;
        final FloatBuffer face;
        final FloatBuffer out;

        Inputs(int batch, int size) {
            this.batch = batch;
            this.mel = randomInputs(batch * Wav2LipShapes.melValues(), -MEL_RANGE, MEL_RANGE);
            this.face = randomInputs(batch * Wav2LipShapes.faceValues(size), 0f, 1f);
            this.out = Wav2LipModel.directFloats(batch * Wav2LipShapes.outputValues(size));
        }

        void run() throws InferenceException {
            model.run(mel, face, batch, out);
        }
    }

    private static FloatBuffer randomInputs(int count, float from, float to) {
        Random random = new Random(SEED);
        FloatBuffer buffer = Wav2LipModel.directFloats(count);
        for (int i = 0; i < count; i++) {
            buffer.put(i, from + random.nextFloat() * (to - from));
        }
        return buffer;
    }
}
