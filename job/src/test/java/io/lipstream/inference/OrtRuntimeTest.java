package io.lipstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import io.lipstream.tools.model.RandomPairs;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtRuntimeTest {
    /** Well past the ~3,000 characters at which ONNX Runtime's start overflows a 1 MiB stack. */
    private static final int PADDING_CHARS = 20_000;

    /** ONNX Runtime's start-up stack use per command-line byte, as measured (OrtRuntime). */
    private static final long MEASURED_BYTES_PER_BYTE = 350;

    /**
     * How long a native thread that ended for Java may linger in /proc: generous, the CI machine
     * has 2 busy cores.
     */
    private static final long THREAD_EXIT_WAIT_SECONDS = 60;

    @TempDir Path dir;

    @Test
    void shouldLoadAndRunFromAOneMegabyteStackUnderALongCommandLine() throws Exception {
        Path onnx = dir.resolve("identity.onnx");
        ModelSynth.write(onnx, Arch.IDENTITY, null, Wav2LipShapes.FACE_SIZE, 0);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child =
                new ProcessBuilder(
                                List.of(
                                        java,
                                        "-Xss1m",
                                        "-Dlipstream.padding=" + "x".repeat(PADDING_CHARS),
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        LoadOnMainThread.class.getName(),
                                        onnx.toString()))
                        .redirectErrorStream(true)
                        .start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "child JVM output:\n" + output);
        assertTrue(output.contains("ran 1 pair"), output);
    }

    @Test
    void shouldNameTheSessionsIntraOpThreadsForOnnxRuntime() throws Exception {
        Path onnx = dir.resolve("identity.onnx");
        ModelSynth.write(onnx, Arch.IDENTITY, null, Wav2LipShapes.FACE_SIZE, 0);
        long before = threadsNamed(OrtRuntime.THREAD_NAME);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 3)) {
            // 3 intra-op threads: the caller of run plus 2 pool threads, started with the session.
            // The thread that created the session has ended for Java, but its OS thread may
            // linger in /proc for a moment: wait for it to go.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(THREAD_EXIT_WAIT_SECONDS);
            long named = threadsNamed(OrtRuntime.THREAD_NAME);
            while (named != before + 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                named = threadsNamed(OrtRuntime.THREAD_NAME);
            }
            assertEquals(before + 2, named);
        }
    }

    @Test
    void shouldPassOnWhatTheWorkOnItsOwnThreadThrows() {
        IllegalStateException thrown =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalStateException.class,
                        () ->
                                OrtRuntime.onOwnThread(
                                        "failing",
                                        () -> {
                                            throw new IllegalStateException("boom");
                                        }));
        assertEquals("boom", thrown.getMessage());
    }

    /** Threads of this process whose kernel name is {@code name} (native threads included). */
    private static long threadsNamed(String name) throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(
                            t -> {
                                try {
                                    return Files.readString(t.resolve("comm")).strip().equals(name);
                                } catch (java.io.IOException e) {
                                    return false; // the thread ended
                                }
                            })
                    .count();
        }
    }

    @Test
    void shouldSizeTheStartStackByTheCommandLine() throws Exception {
        // This JVM's own command line (surefire's, with its class path) is what ORT will read.
        long commandLine = Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
        assertTrue(commandLine > 0, "/proc/self/cmdline is readable");

        long stack = OrtRuntime.stackBytes();

        assertEquals(
                OrtRuntime.BASE_STACK_BYTES
                        + commandLine * OrtRuntime.STACK_BYTES_PER_COMMAND_LINE_BYTE,
                stack,
                "start stack for a " + commandLine + "-byte command line");
        // The measured need (ORT's start uses about 0.35 KiB of stack per command-line byte),
        // with room to spare.
        assertTrue(
                stack >= OrtRuntime.BASE_STACK_BYTES + commandLine * MEASURED_BYTES_PER_BYTE * 2,
                stack + " bytes of stack for a " + commandLine + "-byte command line");
    }

    /** The child JVM: loads and runs a model on its main thread. */
    public static final class LoadOnMainThread {
        public static void main(String[] args) throws Exception {
            int size = Wav2LipShapes.FACE_SIZE;
            try (Wav2LipModel model = Wav2LipModel.load(Path.of(args[0]), InferenceDevice.CPU, 1)) {
                RandomPairs pairs = RandomPairs.random(1, size, 1);
                FloatBuffer out = Wav2LipModel.directFloats(Wav2LipShapes.outputValues(size));
                model.run(pairs.mel, pairs.face, 1, out);
                pairs.assertReferenceHalf(out, 1);
            }
            System.out.println("ran 1 pair");
        }
    }
}
