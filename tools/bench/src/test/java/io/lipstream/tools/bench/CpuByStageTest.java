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
    /**
     * CPU time the test thread burns: long against /proc's 10 ms ticks, so the window is set by the
     * thread's own CPU clock and a busy machine only makes it take longer.
     */
    private static final long BURN_NANOS = 1_000_000_000L;

    /** /proc counts whole 10 ms ticks: a few may fall either side of the burn. */
    private static final double TICKS_SECONDS = 0.05;

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
        Map<String, Double> used = cpuBurntBy("EncodeSegments (test)");

        double seconds = used.getOrDefault("encode_segments", 0.0);
        double burnt = BURN_NANOS / 1e9;
        // At least what the thread burnt; well under twice that (counted once, not per read).
        assertTrue(
                seconds >= burnt - TICKS_SECONDS && seconds <= 1.5 * burnt,
                "encode_segments CPU " + seconds + " s for " + burnt + " s burnt");
    }

    @Test
    void shouldTellThreadsApartByTheirFullNamesWhereLinuxCutsThem() throws Exception {
        // Linux keeps "AlignAudioToFra" of both names; only the first is the alignment stage.
        String impostor = "AlignAudioToFra-not-a-stage";
        assertEquals(
                CpuByStage.kernelName("AlignAudioToFrames (1/1)"), CpuByStage.kernelName(impostor));

        Map<String, Double> used = cpuBurntBy(impostor);

        assertEquals(0.0, used.getOrDefault("align_audio_and_mel", 0.0), 0.02);
        double other = used.getOrDefault(CpuByStage.OTHER, 0.0);
        assertTrue(
                other >= BURN_NANOS / 1e9 - TICKS_SECONDS,
                "the impostor's CPU goes to other: " + other + " s");
    }

    /** CPU by stage that a thread of that name adds while it burns {@link #BURN_NANOS}. */
    private static Map<String, Double> cpuBurntBy(String threadName) throws InterruptedException {
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
                        threadName);
        Map<String, Double> before = CpuByStage.read();
        burner.start();
        burner.join();
        Map<String, Double> used = new java.util.HashMap<>();
        during.get().forEach((stage, s) -> used.put(stage, s - before.getOrDefault(stage, 0.0)));
        return used;
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
