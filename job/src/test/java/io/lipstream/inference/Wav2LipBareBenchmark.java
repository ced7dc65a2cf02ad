package io.lipstream.inference;

import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import io.lipstream.tools.model.RandomPairs;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Bare ONNX Runtime throughput of the synthesized Wav2Lip generator, no Flink: pairs per second per
 * batch size. Not a test; run its main:
 *
 * <pre>
 * java -cp job/target/test-classes:job/target/classes:$(cat cp.txt) \
 *     io.lipstream.inference.Wav2LipBareBenchmark [device=cpu] [threads=2] [batches=1,8,32]
 * </pre>
 *
 * Each batch shape gets {@link #WARM_UP_RUNS} untimed runs first (ONNX Runtime's first runs at a
 * new shape are about 1.7x slower, docs/architecture.md), then timed runs until {@link
 * #MIN_TIMED_RUNS} runs and {@link #MIN_TIMED_NANOS} have passed.
 */
public final class Wav2LipBareBenchmark {
    static final int WARM_UP_RUNS = 3;
    static final int MIN_TIMED_RUNS = 5;
    static final long MIN_TIMED_NANOS = 10_000_000_000L;

    private Wav2LipBareBenchmark() {}

    public static void main(String[] args) throws Exception {
        InferenceDevice device = InferenceDevice.parse(args.length > 0 ? args[0] : "cpu");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int[] batches =
                Arrays.stream((args.length > 2 ? args[2] : "1,8,32").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        Path onnx = Files.createTempFile("wav2lip-bench", ".onnx");
        try {
            ModelSynth.write(onnx, Arch.WAV2LIP, null, Wav2LipShapes.FACE_SIZE, 1);
            try (Wav2LipModel model = Wav2LipModel.load(onnx, device, threads)) {
                System.out.printf(
                        Locale.ROOT,
                        "Wav2Lip generator (synthesized, %,d parameters) on %s, %d intra-op"
                                + " threads, %d cores%n",
                        ModelSynth.parameterCount(Arch.WAV2LIP),
                        model.deviceInUse(),
                        threads,
                        Runtime.getRuntime().availableProcessors());
                for (int batch : batches) {
                    measure(model, batch);
                }
            }
        } finally {
            Files.deleteIfExists(onnx);
        }
    }

    private static void measure(Wav2LipModel model, int batch) throws InferenceException {
        int size = model.faceSize();
        RandomPairs pairs = RandomPairs.random(batch, size, batch);
        FloatBuffer out = Wav2LipModel.directFloats(batch * Wav2LipShapes.outputValues(size));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long warmStart = System.nanoTime();
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            model.run(pairs.mel, pairs.face, batch, out);
        }
        double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
        int runs = 0;
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        long elapsed;
        do {
            model.run(pairs.mel, pairs.face, batch, out);
            runs++;
            elapsed = System.nanoTime() - start;
        } while (runs < MIN_TIMED_RUNS || elapsed < MIN_TIMED_NANOS);
        double seconds = elapsed / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "batch %4d: %6.1f pairs/s, %6.1f pairs per CPU-second (%3d runs, %7.1f ms/run;"
                        + " warm-up %.1f s; RSS %,d MB; load average %s)%n",
                batch,
                runs * batch / seconds,
                runs * batch / cpuSeconds,
                runs,
                seconds * 1000 / runs,
                warmSeconds,
                residentMegabytes(),
                loadAverage());
    }

    /**
     * The 1-minute load average: other processes on the machine take cores from the run, so wall
     * rates only count when it stays near the thread count; pairs per CPU-second are steadier.
     */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** Resident memory of this process (Linux), or -1. */
    private static long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
