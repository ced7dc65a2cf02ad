package io.lipstream.job.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batching policy on a clock the test moves: when a batch is ready and what it holds. */
class BatchQueueTest {
    private static final int BATCH = 4;
    private static final long MS = 1_000_000;
    private static final Duration MAX_WAIT = Duration.ofMillis(200);

    private final BatchQueue<String> queue = new BatchQueue<>(BATCH, MAX_WAIT);

    @Test
    void shouldHaveNothingToWaitForWhenEmpty() {
        assertEquals(Long.MAX_VALUE, queue.nanosUntilReady(0));
        assertEquals(List.of(), queue.take());
    }

    @Test
    void shouldBeReadyAtOnceWhenABatchIsFull() {
        for (int i = 0; i < BATCH; i++) {
            queue.add("p" + i, i * MS);
        }

        assertEquals(0, queue.nanosUntilReady(3 * MS));
        assertEquals(List.of("p0", "p1", "p2", "p3"), queue.take());
        assertEquals(0, queue.size());
    }

    @Test
    void shouldBeReadyOnceTheOldestPairHasWaitedMaxWait() {
        queue.add("p0", 0);
        queue.add("p1", 150 * MS);

        assertEquals(200 * MS, queue.nanosUntilReady(0));
        assertEquals(10 * MS, queue.nanosUntilReady(190 * MS));
        assertEquals(0, queue.nanosUntilReady(200 * MS));
        assertEquals(List.of("p0", "p1"), queue.take());
    }

    @Test
    void shouldGatherPairsIntoOneBatchWhileNoRunnerTakesIt() {
        // Ready at 200 ms, but every runner is busy until 700 ms: pairs keep arriving meanwhile.
        queue.add("p0", 0);
        queue.add("p1", 300 * MS);
        queue.add("p2", 500 * MS);

        assertEquals(0, queue.nanosUntilReady(700 * MS));
        assertEquals(List.of("p0", "p1", "p2"), queue.take());
    }

    @Test
    void shouldLeaveWhatExceedsABatchForTheNextOne() {
        for (int i = 0; i < BATCH + 2; i++) {
            queue.add("p" + i, 0);
        }

        assertEquals(List.of("p0", "p1", "p2", "p3"), queue.take());
        assertEquals(2, queue.size());
        // The rest waits since 0 too: ready at max-wait, not earlier.
        assertEquals(100 * MS, queue.nanosUntilReady(100 * MS));
        assertEquals(List.of("p4", "p5"), queue.take());
    }

    @Test
    void shouldRefuseANonPositiveBatchSize() {
        assertThrows(IllegalArgumentException.class, () -> new BatchQueue<>(0, MAX_WAIT));
    }
}
