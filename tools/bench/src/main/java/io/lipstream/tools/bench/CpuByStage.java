package io.lipstream.tools.bench;

import io.lipstream.inference.OrtRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CPU time of this JVM's threads, native ones included, summed by what they do: where the bench's
 * pipeline spends the cores the model does not get. Read from {@code /proc/self/task} (Linux; an
 * empty map elsewhere). Linux cuts a thread's name to 15 bytes, so each thread's kernel name is
 * resolved to the full name of the live Java thread it is the start of (Flink names task threads
 * for their chained operators) and only threads without one (ONNX Runtime's intra-op threads,
 * {@link OrtRuntime#THREAD_NAME}, and the JVM's own) are matched by their kernel name.
 */
final class CpuByStage {
    /** A stage and the thread-name prefixes that are its threads; the first match wins. */
    private record Stage(String name, List<String> prefixes) {}

    static final String OTHER = "other";

    /** The stage that runs the model. */
    static final String INFERENCE = "onnx_runtime";

    /** The bench's own client: frames decoded, JPEG-encoded and sent to Kafka, segments read. */
    static final String CLIENT = "bench_client";

    /** Not a stage: the cores' time no thread of this JVM used, in {@link #msPerFrame}. */
    static final String IDLE = "idle";

    private static final List<Stage> STAGES =
            List.of(
                    new Stage(INFERENCE, List.of(OrtRuntime.THREAD_NAME, "lipsync-inference")),
                    new Stage("encode_segments", List.of("EncodeSegments", "AssembleSegments")),
                    new Stage("track_faces", List.of("TrackFaces")),
                    new Stage("align_audio_and_mel", List.of("AlignAudioToFrames")),
                    new Stage(
                            "sources_and_decoding",
                            List.of("Source", "DecodeAudio", "DecodeVideo")),
                    new Stage("checkpoints", List.of("AsyncOperations")),
                    new Stage("jit_compiler", List.of("C1 CompilerThread", "C2 CompilerThread")),
                    new Stage("garbage_collector", List.of("GC Thread", "G1 ")),
                    // The bench's own client: frames sent to Kafka, segments read back.
                    new Stage(CLIENT, List.of("ingest-", PipelineBench.CLIENT_THREAD)),
                    new Stage(
                            "kafka",
                            List.of(
                                    "data-plane-kafka",
                                    "kafka-",
                                    "quorum",
                                    "broker-",
                                    "raft",
                                    "executor-",
                                    "group-coordinator")));

    private static final Path TASKS = Path.of("/proc/self/task");

    /** Linux keeps a thread's name in 16 bytes, the last a NUL (TASK_COMM_LEN). */
    private static final int KERNEL_NAME_BYTES = 15;

    /** Fields of {@code /proc/<pid>/task/<tid>/stat} after the name: utime and stime. */
    private static final int UTIME_FIELD = 11;

    private static final int STIME_FIELD = 12;

    private CpuByStage() {}

    /**
     * CPU seconds so far per stage, threads that ended excepted (their time is lost to this view;
     * the bench's threads live through a run).
     */
    static Map<String, Double> read() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return seconds;
        }
        Map<String, Set<String>> javaNames = javaNamesByKernelName();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String name =
                            Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
                    // The name in stat is in parentheses and may hold spaces: count fields after.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double cpu =
                            (Long.parseLong(fields[UTIME_FIELD])
                                            + Long.parseLong(fields[STIME_FIELD]))
                                    / MachineCpu.TICKS_PER_SECOND;
                    Set<String> full = javaNames.getOrDefault(name, Set.of());
                    // Two Java threads cut to the same kernel name: count by the shared start.
                    String resolved = full.size() == 1 ? full.iterator().next() : name;
                    seconds.merge(stageOf(resolved), cpu, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // The thread ended while being read.
                }
            }
        } catch (IOException e) {
            return new LinkedHashMap<>();
        }
        return seconds;
    }

    /**
     * The stage a thread of that name belongs to: its full Java name, or its kernel name where no
     * Java thread has it (a name of 15 bytes may then be the start of a longer prefix).
     */
    static String stageOf(String threadName) {
        boolean cut = threadName.getBytes(StandardCharsets.UTF_8).length == KERNEL_NAME_BYTES;
        for (Stage stage : STAGES) {
            for (String prefix : stage.prefixes()) {
                if (threadName.startsWith(prefix) || (cut && prefix.startsWith(threadName))) {
                    return stage.name();
                }
            }
        }
        return OTHER;
    }

    /** The full names of this JVM's live Java threads, by the kernel name Linux gives each. */
    static Map<String, Set<String>> javaNamesByKernelName() {
        Map<String, Set<String>> names = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.computeIfAbsent(kernelName(t.getName()), k -> new HashSet<>()).add(t.getName());
        }
        return names;
    }

    /** What Linux keeps of a thread's name: its first 15 bytes of UTF-8 (as the JVM sets it). */
    static String kernelName(String javaName) {
        byte[] utf8 = javaName.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= KERNEL_NAME_BYTES) {
            return javaName;
        }
        return new String(utf8, 0, KERNEL_NAME_BYTES, StandardCharsets.UTF_8);
    }

    /**
     * Each stage's share of the CPU used between two {@link #read}s, largest first; empty when
     * nothing was read or no CPU was used.
     */
    static Map<String, Double> shares(Map<String, Double> from, Map<String, Double> to) {
        Map<String, Double> used = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<String, Double> e : to.entrySet()) {
            double d = Math.max(0, e.getValue() - from.getOrDefault(e.getKey(), 0.0));
            used.put(e.getKey(), d);
            total += d;
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        if (total <= 0) {
            return shares;
        }
        double sum = total;
        used.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> shares.put(e.getKey(), e.getValue() / sum));
        return shares;
    }

    /**
     * Milliseconds of CPU per frame for each stage, plus {@link #IDLE}: the cores' time per frame
     * that this JVM left unused. {@code busy} is the share of the {@code cores} the JVM used while
     * it put out {@code fps} frames per second; {@code shares} splits that use.
     */
    static Map<String, Double> msPerFrame(
            Map<String, Double> shares, double busy, int cores, double fps) {
        double coreMsPerFrame = cores * 1000.0 / fps;
        Map<String, Double> ms = new LinkedHashMap<>();
        shares.forEach((stage, share) -> ms.put(stage, share * busy * coreMsPerFrame));
        ms.put(IDLE, (1 - busy) * coreMsPerFrame);
        return ms;
    }
}
