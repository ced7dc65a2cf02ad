package io.lipstream.job.inference;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process-wide ONNX Runtime environment, created on a thread with a large stack.
 *
 * <p>Why: when ONNX Runtime 1.29's Java binding starts, its native code reads {@code
 * /proc/self/cmdline} and its stack use grows with the command line's length. Measured here: a JVM
 * whose command line is over about 3,000 characters (a {@code -cp} of a few dozen jars, as {@code
 * java -cp ...}, Flink TaskManagers and the {@code lipsync} launcher have) dies with SIGSEGV and no
 * Java error on a thread with the default 1 MiB stack; a 15,000-character one needs 4 to 6 MiB.
 * Once the environment exists, sessions load and run on ordinary threads.
 *
 * <p>Every ONNX Runtime use in the project should go through {@link #environment()} first; the
 * first touch of any {@code ai.onnxruntime} class loads the native library.
 */
public final class OrtRuntime {
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
        OrtEnvironment[] created = new OrtEnvironment[1];
        Throwable[] failure = new Throwable[1];
        Thread starter =
                new Thread(
                        null,
                        () -> {
                            try {
                                created[0] = OrtEnvironment.getEnvironment();
                            } catch (Throwable t) {
                                failure[0] = t;
                            }
                        },
                        "onnxruntime-start",
                        stackBytes());
        starter.start();
        boolean interrupted = false;
        while (true) {
            try {
                starter.join();
                break;
            } catch (InterruptedException e) {
                // Start-up cannot be abandoned half-way; finish it, then restore the interrupt.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) {
            throw new IllegalStateException(
                    "ONNX Runtime failed to start: " + failure[0].getMessage(), failure[0]);
        }
        return created[0];
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
