package io.lipstream.app;

import io.lipstream.job.inference.InferenceException;
import io.lipstream.job.inference.Wav2LipModel;
import io.lipstream.job.inference.Wav2LipShapes;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Bare ONNX Runtime throughput of one model, no Flink and no Kafka: pairs per second per batch
 * size, on inputs prepared before timing. Each batch shape gets {@link #WARM_UP_RUNS} untimed runs
 * first (ONNX Runtime's first runs at a new shape are about 1.7x slower, ARCHITECTURE.md), then
 * timed runs until at least {@link #MIN_TIMED_RUNS} runs and the minimum time have passed.
 */
final class BareInferenceBench {
    /** Untimed runs per batch shape (ARCHITECTURE.md: warm up at least three runs). */
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

    BareInferenceBench(Wav2LipModel model, Duration minTime) {
        this.model = model;
        this.minTime = minTime;
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
        int size = model.faceSize();
        FloatBuffer mel = randomInputs(batch * Wav2LipShapes.melValues(), -MEL_RANGE, MEL_RANGE);
        FloatBuffer face = randomInputs(batch * Wav2LipShapes.faceValues(size), 0f, 1f);
        FloatBuffer out = Wav2LipModel.directFloats(batch * Wav2LipShapes.outputValues(size));
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            model.run(mel, face, batch, out);
        }
        int runs = 0;
        long cpuStart = CPU.getProcessCpuTime();
        long start = System.nanoTime();
        long elapsed;
        do {
            model.run(mel, face, batch, out);
            runs++;
            elapsed = System.nanoTime() - start;
        } while (runs < MIN_TIMED_RUNS || elapsed < minTime.toNanos());
        double seconds = elapsed / 1e9;
        double cpuSeconds = (CPU.getProcessCpuTime() - cpuStart) / 1e9;
        return new Result(
                batch,
                runs * batch / seconds,
                runs * batch / cpuSeconds,
                seconds * 1000 / runs,
                runs);
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
