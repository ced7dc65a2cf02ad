package io.lipstream.tools.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: element type, shape, and where its values are, read on demand. It
 * describes a PyTorch tensor (a strided view into a storage: offset, sizes and strides in elements,
 * as {@code torch._utils._rebuild_tensor_v2} receives them) and a NumPy array (a view with C or
 * Fortran strides over the array's own bytes) alike.
 *
 * <p>{@link #toFloats()} returns the values in C (row-major) order as float32; float64, float16 and
 * bfloat16 are converted, integer types too (for counters such as {@code num_batches_tracked}).
 */
public final class CheckpointTensor {
    /** The bytes a tensor views: a storage of a PyTorch archive, or a NumPy array's data. */
    interface Storage {
        /** For messages: {@code storage 12 (archive/data/12)}, ... */
        String describe();

        /** Elements of the tensor's type the storage holds. */
        long elements();

        /** The storage's bytes from position 0, in the checkpoint's byte order. */
        ByteBuffer bytes() throws IOException;
    }

    private final ElementType type;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private final Storage storage;

    CheckpointTensor(ElementType type, long[] shape, long[] strides, long offset, Storage storage) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " and strides "
                            + Arrays.toString(strides)
                            + " differ in rank");
        }
        this.type = type;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
        this.storage = storage;
    }

    /** Row-major (C order) strides of {@code shape}, in elements. */
    static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = step;
            step *= shape[d];
        }
        return strides;
    }

    /** Column-major (Fortran order) strides of {@code shape}, in elements. */
    static long[] fortranStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long step = 1;
        for (int d = 0; d < shape.length; d++) {
            strides[d] = step;
            step *= shape[d];
        }
        return strides;
    }

    public ElementType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** {@code [1024, 512, 3, 3] float32}, for messages. */
    @Override
    public String toString() {
        return Arrays.toString(shape) + " " + type;
    }

    /**
     * The values in C order as float32.
     *
     * @throws CheckpointException when the storage cannot be read or the view reaches past its end
     */
    public float[] toFloats() throws CheckpointException {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(
                    "tensor " + this + " has " + count + " values; at most 2^31 are supported");
        }
        float[] values = new float[(int) count];
        if (count == 0) {
            return values;
        }
        long reach = offset;
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] < 0) {
                throw new CheckpointException(
                        "tensor " + this + " has a negative stride " + Arrays.toString(strides));
            }
            reach += (shape[d] - 1) * strides[d];
        }
        if (offset < 0 || reach >= storage.elements()) {
            throw new CheckpointException(
                    "tensor "
                            + this
                            + " at offset "
                            + offset
                            + " with strides "
                            + Arrays.toString(strides)
                            + " reaches element "
                            + reach
                            + " of "
                            + storage.describe()
                            + ", which holds "
                            + storage.elements()
                            + " elements");
        }
        ByteBuffer bytes;
        try {
            bytes = storage.bytes();
        } catch (IOException e) {
            throw new CheckpointException(
                    "cannot read " + storage.describe() + ": " + e.getMessage(), e);
        }
        if ((long) bytes.remaining() < storage.elements() * type.bytes()) {
            throw new CheckpointException(
                    storage.describe()
                            + " holds "
                            + bytes.remaining()
                            + " bytes; expected "
                            + storage.elements() * type.bytes()
                            + " for "
                            + storage.elements()
                            + " "
                            + type
                            + " elements");
        }
        if (Arrays.equals(strides, contiguousStrides(shape))) {
            for (int i = 0; i < values.length; i++) {
                values[i] = element(bytes, offset + i);
            }
            return values;
        }
        // A general strided view: walk the indices in C order with one counter per axis.
        int rank = shape.length;
        long[] index = new long[rank];
        long position = offset;
        for (int i = 0; i < values.length; i++) {
            values[i] = element(bytes, position);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                position += strides[d];
                if (index[d] < shape[d]) {
                    break;
                }
                position -= shape[d] * strides[d];
                index[d] = 0;
            }
        }
        return values;
    }

    private float element(ByteBuffer bytes, long element) {
        int at = Math.toIntExact(element * type.bytes());
        switch (type) {
            case FLOAT32:
                return bytes.getFloat(at);
            case FLOAT64:
                return (float) bytes.getDouble(at);
            case FLOAT16:
                return Float16.toFloat(bytes.getShort(at));
            case BFLOAT16:
                return Float16.bfloat16ToFloat(bytes.getShort(at));
            case INT64:
                return bytes.getLong(at);
            case INT32:
                return bytes.getInt(at);
            case INT16:
                return bytes.getShort(at);
            case INT8:
                return bytes.get(at);
            case UINT8:
            case BOOL:
                return bytes.get(at) & 0xff;
            default:
                throw new IllegalStateException("unhandled element type " + type);
        }
    }
}
