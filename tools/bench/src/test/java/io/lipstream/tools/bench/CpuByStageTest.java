package io.lipstream.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lipstream.inference.OrtRuntime;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuByStageTest {
    private static final long BURN_NANOS = 400_000_000L;

    @Test
    void shouldGroupThreadsByTheirKernelNames() {
        assertEquals("onnx_runtime", CpuByStage.stageOf(OrtRuntime.THREAD_NAME));
        assertEquals("onnx_runtime", CpuByStage.stageOf("lipsync-inferen"));
        assertEquals("encode_segments", CpuByStage.stageOf("EncodeSegments "));
        assertEquals("encode_segments", CpuByStage.stageOf("EncodeSegments-"));
        assertEquals("encode_segments", CpuByStage.stageOf("AssembleSegment"));
        assertEquals("track_faces", CpuByStage.stageOf("TrackFaces (1/1"));
        assertEquals("checkpoints", CpuByStage.stageOf("AsyncOperations"));
        assertEquals("jit_compiler", CpuByStage.stageOf("C2 CompilerThre"));
        assertEquals("garbage_collector", CpuByStage.stageOf("GC Thread#1"));
        assertEquals("kafka", CpuByStage.stageOf("data-plane-kafk"));
        assertEquals("bench_client", CpuByStage.stageOf("bench-client-3"));
        assertEquals(CpuByStage.OTHER, CpuByStage.stageOf("flink-metrics-s"));
    }

    @Test
    void shouldTurnSharesIntoMillisecondsPerFrameWithTheIdleRest() {
        // 90% of 2 cores at 30 frames/s: 60 ms of CPU per frame used, 6.7 ms left idle.
        Map<String, Double> ms =
                CpuByStage.msPerFrame(
                        Map.of(CpuByStage.INFERENCE, 0.75, "encode_segments", 0.25), 0.9, 2, 30);

        assertEquals(45.0, ms.get(CpuByStage.INFERENCE), 1e-9);
        assertEquals(15.0, ms.get("encode_segments"), 1e-9);
        assertEquals(2000.0 / 30 * 0.1, ms.get(CpuByStage.IDLE), 1e-9);
        assertEquals(
                2000.0 / 30,
                ms.values().stream().mapToDouble(Double::doubleValue).sum(),
                1e-9,
                "used and idle add up to the cores' time per frame");
    }

    @Test
    void shouldCountTheCpuAThreadBurnsToItsStage() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        AtomicReference<Map<String, Double>> during = new AtomicReference<>();
        // The thread reads while it still runs: an ended thread's time leaves /proc with it.
        Thread burner =
                new Thread(
                        () -> {
                            var threads = ManagementFactory.getThreadMXBean();
                            long start = threads.getCurrentThreadCpuTime();
                            double sink = 0;
                            while (threads.getCurrentThreadCpuTime() - start < BURN_NANOS) {
                                sink += Math.sqrt(sink + 1);
                            }
                            during.set(CpuByStage.read());
                        },
                        "EncodeSegments (test)");
        Map<String, Double> before = CpuByStage.read();
        burner.start();
        burner.join();

        double seconds =
                during.get().getOrDefault("encode_segments", 0.0)
                        - before.getOrDefault("encode_segments", 0.0);
        // /proc counts in 10 ms ticks.
        assertTrue(seconds >= 0.35 && seconds <= 0.6, "encode_segments CPU " + seconds + " s");
    }

    @Test
    void shouldGiveSharesOfTheCpuUsedLargestFirst() {
        Map<String, Double> shares =
                CpuByStage.shares(
                        Map.of("onnx_runtime", 10.0, "kafka", 1.0, "other", 5.0),
                        Map.of(
                                "onnx_runtime",
                                17.0,
                                "kafka",
                                3.0,
                                "other",
                                4.0,
                                "jit_compiler",
                                1.0));

        assertEquals(
                List.of("onnx_runtime", "kafka", "jit_compiler", "other"),
                List.copyOf(shares.keySet()));
        assertEquals(0.7, shares.get("onnx_runtime"), 1e-9);
        assertEquals(0.2, shares.get("kafka"), 1e-9);
        assertEquals(
                0.0, shares.get("other"), 1e-9, "a stage whose threads ended counts 0, not less");
    }

    @Test
    void shouldGiveNoSharesWhenNoCpuWasUsed() {
        assertTrue(CpuByStage.shares(Map.of("kafka", 1.0), Map.of("kafka", 1.0)).isEmpty());
    }
}
