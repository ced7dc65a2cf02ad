package io.lipstream.inference;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The process-wide ONNX Runtime environment, created on a thread with a large stack.
 *
 * <p>Why: when ONNX Runtime 1.29's Java binding starts, its native code reads {@code
 * /proc/self/cmdline} and its stack use grows with the command line's length. Measured here: a JVM
 * whose command line is over about 3,000 characters (a {@code -cp} of a few dozen jars, as {@code
 * java -cp ...}, Flink TaskManagers and the {@code lipsync} launcher have) dies with SIGSEGV and no
 * Java error on a thread with the default 1 MiB stack; a 15,000-character one needs 4 to 6 MiB.
 * Once the environment exists, sessions run on ordinary threads; they are created on a thread named
 * {@link #THREAD_NAME}, whose name their intra-op threads inherit.
 *
 * <p>Every ONNX Runtime use in the project should go through {@link #environment()} first; the
 * first touch of any {@code ai.onnxruntime} class loads the native library.
 */
public final class OrtRuntime {
    /** Name of the threads ONNX Runtime computes on (a session's intra-op pool). */
    public static final String THREAD_NAME = "onnxruntime";

    /** Stack for the start-up thread before scaling with the command line. */
    static final long BASE_STACK_BYTES = 16L << 20;

    /** Stack per command-line byte: about 3x the 0.35 KiB per character measured here. */
    static final long STACK_BYTES_PER_COMMAND_LINE_BYTE = 1024;

    private static final Path COMMAND_LINE = Path.of("/proc/self/cmdline");

    private static volatile OrtEnvironment environment;

    private OrtRuntime() {}

    /** The ONNX Runtime environment, created on first call. */
    public static OrtEnvironment environment() {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OrtRuntime.class) {
            if (environment == null) {
                environment = createOnLargeStack();
            }
            return environment;
        }
    }

    private static OrtEnvironment createOnLargeStack() {
        try {
            return onOwnThread(THREAD_NAME + "-start", OrtEnvironment::getEnvironment);
        } catch (Exception e) {
            throw new IllegalStateException("ONNX Runtime failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} on a new thread named {@code name}, with the large stack, and waits for it.
     * Native threads ONNX Runtime starts inside {@code work} (a session's intra-op pool) inherit
     * the name, so per-thread CPU views ({@code top -H}, the bench's CPU table) show them as ONNX
     * Runtime rather than as the Flink task that opened the model. Start-up cannot be abandoned
     * half-way: an interrupt is restored once {@code work} ends.
     *
     * @throws Exception what {@code work} threw
     */
    static <T> T onOwnThread(String name, Callable<T> work) throws Exception {
        List<T> result = new ArrayList<>(1);
        Throwable[] failure = new Throwable[1];
        Thread thread =
                new Thread(
                        null,
                        () -> {
                            try {
                                result.add(work.call());
                            } catch (Throwable t) {
                                failure[0] = t;
                            }
                        },
                        name,
                        stackBytes());
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        return result.get(0);
    }

    static long stackBytes() {
        long commandLine;
        try {
            // /proc files report size 0; read them to learn their length.
            commandLine = Files.readAllBytes(COMMAND_LINE).length;
        } catch (IOException | UnsupportedOperationException e) {
            commandLine = 0;
        }
        return BASE_STACK_BYTES + commandLine * STACK_BYTES_PER_COMMAND_LINE_BYTE;
    }
}
