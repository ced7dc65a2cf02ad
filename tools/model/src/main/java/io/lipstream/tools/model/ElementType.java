package io.lipstream.tools.model;

import java.util.Locale;

/** The element types a checkpoint tensor may hold, with their sizes in bytes. */
public enum ElementType {
    FLOAT32(4, true),
    FLOAT64(8, true),
    FLOAT16(2, true),
    BFLOAT16(2, true),
    INT64(8, false),
    INT32(4, false),
    INT16(2, false),
    INT8(1, false),
    UINT8(1, false),
    BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    ElementType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    public int bytes() {
        return bytes;
    }

    /** Whether values convert to float without loss of meaning (a weight can hold them). */
    public boolean isFloating() {
        return floating;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The type of a PyTorch storage class ({@code torch.FloatStorage}, ...), or null when unknown.
     */
    static ElementType ofTorchStorage(String className) {
        switch (className) {
            case "FloatStorage":
                return FLOAT32;
            case "DoubleStorage":
                return FLOAT64;
            case "HalfStorage":
                return FLOAT16;
            case "BFloat16Storage":
                return BFLOAT16;
            case "LongStorage":
                return INT64;
            case "IntStorage":
                return INT32;
            case "ShortStorage":
                return INT16;
            case "CharStorage":
                return INT8;
            case "ByteStorage":
                return UINT8;
            case "BoolStorage":
                return BOOL;
            default:
                return null;
        }
    }

    /**
     * The type of a NumPy dtype code such as {@code f4} or {@code <f4} (kind and size), or null.
     */
    static ElementType ofNumpy(String code) {
        String c = code.isEmpty() ? code : code.replaceFirst("^[<>=|]", "");
        switch (c) {
            case "f4":
            case "float32":
                return FLOAT32;
            case "f8":
            case "float64":
                return FLOAT64;
            case "f2":
            case "float16":
                return FLOAT16;
            case "i8":
            case "int64":
                return INT64;
            case "i4":
            case "int32":
                return INT32;
            case "i2":
            case "int16":
                return INT16;
            case "i1":
            case "int8":
                return INT8;
            case "u1":
            case "uint8":
                return UINT8;
            case "b1":
            case "bool":
                return BOOL;
            default:
                return null;
        }
    }
}
