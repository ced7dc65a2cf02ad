package io.lipstream.inference;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which ONNX Runtime execution provider a model should run on.
 *
 * <p>Specs: {@code auto} (CUDA on GPU 0 when an NVIDIA GPU is visible, else CPU), {@code cpu},
 * {@code cuda} or {@code cuda:N}, {@code tensorrt} or {@code tensorrt:N}. The {@code fp16} flag is
 * separate ({@link #withFp16}) and only applies to TensorRT, which builds half-precision engines
 * from the float32 model; the other providers run float32 and ignore it.
 *
 * @param kind the provider family
 * @param index the GPU ordinal for CUDA and TensorRT (0 otherwise)
 * @param fp16 let TensorRT use half precision
 */
public record InferenceDevice(Kind kind, int index, boolean fp16) implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Pattern SPEC =
            Pattern.compile("(auto|cpu|cuda|tensorrt)(?::(\\d{1,4}))?", Pattern.CASE_INSENSITIVE);

    /** Provider families. */
    public enum Kind {
        AUTO,
        CPU,
        CUDA,
        TENSORRT
    }

    public static final InferenceDevice AUTO = new InferenceDevice(Kind.AUTO, 0, false);
    public static final InferenceDevice CPU = new InferenceDevice(Kind.CPU, 0, false);

    public InferenceDevice {
        Objects.requireNonNull(kind, "kind");
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
        }
        if (index != 0 && (kind == Kind.AUTO || kind == Kind.CPU)) {
            throw new IllegalArgumentException(
                    kind.name().toLowerCase(Locale.ROOT) + " takes no GPU index, got " + index);
        }
    }

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda[:N]} or {@code tensorrt[:N]}
     * (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted forms when {@code spec} is none of them
     */
    public static InferenceDevice parse(String spec) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "unknown inference device '"
                            + spec
                            + "'; expected auto, cpu, cuda, cuda:N, tensorrt or tensorrt:N");
        }
        Kind kind = Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT));
        if (m.group(2) != null && (kind == Kind.AUTO || kind == Kind.CPU)) {
            throw new IllegalArgumentException(
                    "inference device '"
                            + spec
                            + "' takes no GPU index; expected auto, cpu, cuda:N or tensorrt:N");
        }
        int index = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return new InferenceDevice(kind, index, false);
    }

    /** The same device with TensorRT half precision switched on or off. */
    public InferenceDevice withFp16(boolean enabled) {
        return new InferenceDevice(kind, index, enabled);
    }

    /** Whether this device asks for a GPU. */
    public boolean wantsGpu() {
        return kind == Kind.CUDA || kind == Kind.TENSORRT;
    }

    /** The spec form, for example {@code cuda:0} or {@code tensorrt:1 fp16}. */
    @Override
    public String toString() {
        String name = kind.name().toLowerCase(Locale.ROOT);
        String spec = wantsGpu() ? name + ":" + index : name;
        return fp16 ? spec + " fp16" : spec;
    }
}
