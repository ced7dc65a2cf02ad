package io.lipstream.job.inference;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The batching policy of {@link BatchedLipSyncInference}, free of Flink and threads: items wait in
 * arrival order; a batch is ready once {@code batchSize} items wait or the oldest has waited {@code
 * maxWait}; a runner that becomes free takes up to {@code batchSize} of the oldest.
 *
 * <p>Readiness is asked by free runners only, so while every runner is busy the waiting items keep
 * gathering into one larger batch instead of being cut into many small ones at each max-wait.
 *
 * <p>Not thread-safe: the caller holds a lock. Times are {@link System#nanoTime()} values.
 */
final class BatchQueue<T> {
    private record Waiting<T>(T item, long sinceNanos) {}

    private final int batchSize;
    private final long maxWaitNanos;
    private final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();

    BatchQueue(int batchSize, Duration maxWait) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("max wait must not be negative, got " + maxWait);
        }
        this.batchSize = batchSize;
        this.maxWaitNanos = maxWait.toNanos();
    }

    void add(T item, long nowNanos) {
        waiting.add(new Waiting<>(item, nowNanos));
    }

    int size() {
        return waiting.size();
    }

    /** How long until a batch is ready: 0 when it is, {@link Long#MAX_VALUE} when nothing waits. */
    long nanosUntilReady(long nowNanos) {
        if (waiting.isEmpty()) {
            return Long.MAX_VALUE;
        }
        if (waiting.size() >= batchSize) {
            return 0;
        }
        long waited = nowNanos - waiting.peekFirst().sinceNanos();
        return Math.max(0, maxWaitNanos - waited);
    }

    /** Removes and returns up to {@code batchSize} of the oldest items. */
    List<T> take() {
        List<T> batch = new ArrayList<>(Math.min(batchSize, waiting.size()));
        while (batch.size() < batchSize && !waiting.isEmpty()) {
            batch.add(waiting.poll().item());
        }
        return batch;
    }
}
