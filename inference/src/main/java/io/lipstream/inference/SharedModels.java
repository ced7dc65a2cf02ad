package io.lipstream.inference;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One shared {@link Wav2LipModel} per (model file, device) per JVM, reference counted: the subtasks
 * of a TaskManager share one session (one copy of the weights, one GPU context) and the model is
 * closed when the last user releases it.
 *
 * <p>The first {@link #acquire} of a key decides its intra-op thread count and how many batches may
 * run on it at once ({@link Wav2LipModel#maxConcurrentRuns}). Loading happens under the registry's
 * lock, so concurrent first acquirers wait for one load instead of each loading.
 */
public final class SharedModels {
    private record Key(Path path, InferenceDevice device) {}

    private static final class Entry {
        final Key key;
        final Wav2LipModel model;
        int references;

        Entry(Key key, Wav2LipModel model) {
            this.key = key;
            this.model = model;
        }
    }

    private static final Map<Key, Entry> BY_KEY = new HashMap<>();
    private static final Map<Wav2LipModel, Entry> BY_MODEL = new IdentityHashMap<>();

    private SharedModels() {}

    /**
     * Returns the shared model for {@code onnx} on {@code device}, loading it on first use. Each
     * call must be matched by one {@link #release}.
     *
     * @throws ModelRejectedException as {@link Wav2LipModel#load} does
     */
    public static synchronized Wav2LipModel acquire(
            Path onnx, InferenceDevice device, int intraOpThreads) {
        return acquire(onnx, device, intraOpThreads, 0);
    }

    /**
     * As {@link #acquire(Path, InferenceDevice, int)}, with at most {@code maxConcurrentRuns}
     * batches running at once on the model across all its users (0: the device's default, {@link
     * Wav2LipModel#defaultConcurrentRuns}).
     */
    public static synchronized Wav2LipModel acquire(
            Path onnx, InferenceDevice device, int intraOpThreads, int maxConcurrentRuns) {
        Key key = new Key(onnx.toAbsolutePath().normalize(), device);
        Entry entry = BY_KEY.get(key);
        if (entry == null) {
            Wav2LipModel model = Wav2LipModel.load(onnx, device, intraOpThreads);
            model.limitConcurrentRuns(
                    Wav2LipModel.concurrentRuns(maxConcurrentRuns, model.deviceInUse()));
            entry = new Entry(key, model);
            BY_KEY.put(key, entry);
            BY_MODEL.put(entry.model, entry);
        }
        entry.references++;
        return entry.model;
    }

    /**
     * Gives back one reference; the last one closes the model.
     *
     * @throws IllegalArgumentException when {@code model} was not acquired here or was already
     *     released by every user
     */
    public static synchronized void release(Wav2LipModel model) {
        Entry entry = BY_MODEL.get(model);
        if (entry == null) {
            throw new IllegalArgumentException(
                    "model " + model + " is not held by SharedModels (released too often?)");
        }
        entry.references--;
        if (entry.references == 0) {
            BY_KEY.remove(entry.key);
            BY_MODEL.remove(model);
            model.close();
        }
    }

    /** References held on {@code model}; 0 once it is closed (for tests and metrics). */
    static synchronized int references(Wav2LipModel model) {
        Entry entry = BY_MODEL.get(model);
        return entry == null ? 0 : entry.references;
    }
}
