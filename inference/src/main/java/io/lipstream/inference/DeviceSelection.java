package io.lipstream.inference;

import java.util.Optional;

/**
 * Decides which provider to try for a requested {@link InferenceDevice}, before anything native is
 * loaded: {@code auto} means CUDA on GPU 0 only where an NVIDIA GPU is visible, and a GPU request
 * on a machine without one goes to the CPU without touching CUDA.
 */
final class DeviceSelection {
    /**
     * What to try.
     *
     * @param target CPU, CUDA or TENSORRT (never AUTO)
     * @param fallbackReason why the target is the CPU although a GPU was asked for
     */
    record Choice(InferenceDevice target, Optional<String> fallbackReason) {}

    private DeviceSelection() {}

    static Choice choose(InferenceDevice requested, boolean gpuVisible) {
        switch (requested.kind()) {
            case AUTO:
                return new Choice(
                        gpuVisible
                                ? new InferenceDevice(InferenceDevice.Kind.CUDA, 0, false)
                                : InferenceDevice.CPU,
                        Optional.empty());
            case CUDA:
            case TENSORRT:
                return gpuVisible
                        ? new Choice(requested, Optional.empty())
                        : new Choice(
                                InferenceDevice.CPU,
                                Optional.of(
                                        requested
                                                + " asked for but no NVIDIA GPU is visible ("
                                                + NvidiaGpus.whereLooked()
                                                + ")"));
            case CPU:
            default:
                return new Choice(InferenceDevice.CPU, Optional.empty());
        }
    }
}
