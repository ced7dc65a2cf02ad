package io.lipstream.tools.model;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a checkpoint file, by parameter name, as {@link CheckpointReader} found them:
 * taken out of a {@code state_dict} wrapper and without a {@code module.} prefix. Tensor values are
 * read on demand, so the file (or archive) stays open until {@link #close}.
 */
public final class Checkpoint implements AutoCloseable {
    /** The container formats read. */
    public enum Format {
        /** {@code torch.save} since PyTorch 1.6: a zip with data.pkl and one entry per storage. */
        TORCH_ZIP("PyTorch zip archive"),
        /** {@code torch.save} before 1.6: pickles then raw storages in one stream. */
        TORCH_LEGACY("PyTorch legacy (pre-1.6) file"),
        /** A plain pickle of NumPy arrays: {@code paddle.save} of a state dict (.pdparams). */
        NUMPY_PICKLE("pickle of NumPy arrays (PaddlePaddle)");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final Format format;
    private final Map<String, CheckpointTensor> tensors;
    private final List<String> notes;
    private final Closeable resource;

    Checkpoint(
            Format format,
            Map<String, CheckpointTensor> tensors,
            List<String> notes,
            Closeable resource) {
        this.format = format;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.notes = List.copyOf(notes);
        this.resource = resource;
    }

    public Format format() {
        return format;
    }

    /** Parameter name to tensor, in file order. */
    public Map<String, CheckpointTensor> tensors() {
        return tensors;
    }

    /** What the reader did to find the parameters (unwrapped, prefix removed, entries skipped). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public void close() throws IOException {
        if (resource != null) {
            resource.close();
        }
    }
}
