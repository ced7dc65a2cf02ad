package io.lipstream.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Tells whether an NVIDIA GPU is really present, without loading CUDA.
 *
 * <p>ONNX Runtime lists CUDA among its providers even where it cannot load, and {@code addCUDA}
 * unpacks a 583 MB library on every call, so the driver's own traces decide: a non-empty {@code
 * /proc/driver/nvidia/gpus} (one folder per GPU) or a {@code /dev/nvidia0} device node.
 */
final class NvidiaGpus {
    /** One folder per GPU the NVIDIA kernel driver has bound. */
    static final Path PROC_GPUS = Path.of("/proc/driver/nvidia/gpus");

    /** The first GPU's device node, present in containers given a GPU. */
    static final Path DEV_NVIDIA0 = Path.of("/dev/nvidia0");

    private NvidiaGpus() {}

    /** Whether this machine shows an NVIDIA GPU. */
    static boolean visible() {
        return visible(PROC_GPUS, DEV_NVIDIA0);
    }

    static boolean visible(Path procGpus, Path devNvidia0) {
        return nonEmptyDirectory(procGpus) || Files.exists(devNvidia0);
    }

    /** Says where the check looked, for fallback messages. */
    static String whereLooked() {
        return PROC_GPUS + " is empty or missing and " + DEV_NVIDIA0 + " does not exist";
    }

    private static boolean nonEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            // An unreadable driver folder proves nothing; the device node check still applies.
            return false;
        }
    }
}
