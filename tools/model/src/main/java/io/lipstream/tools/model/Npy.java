package io.lipstream.tools.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reader and writer of numpy's {@code .npy} format (version 1.0 to 3.0) in lipstream: the
 * {@code lipsync mel} output, the reference arrays of {@code lipsync model verify --reference} and
 * the tests' golden files.
 *
 * <p>Writes little-endian float32 in C order, any shape. Reads C-order little-endian float32,
 * float64 and int16 arrays into float values (int16 values are not scaled).
 */
public final class Npy {
    /** The magic string every .npy file starts with. */
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Header lengths are padded so the data starts on a 64-byte boundary (format spec). */
    private static final int ALIGNMENT = 64;

    /** magic (6) + version (2) + header length (2) in a version 1.0 file. */
    private static final int PREAMBLE_V1 = 10;

    /** numpy's dtype string of little-endian float32. */
    private static final String FLOAT32 = "<f4";

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * An array read from a .npy file: its shape, numpy dtype string ({@code <f4}, {@code <f8} or
     * {@code <i2}) and its values in C order.
     */
    public record Array(int[] shape, String dtype, float[] data) {
        /** The array as rows x columns; requires a 2-d shape. */
        public float[][] toMatrix() {
            if (shape.length != 2) {
                throw new IllegalStateException(
                        "expected a 2-d array, found shape " + Arrays.toString(shape));
            }
            float[][] out = new float[shape[0]][];
            for (int r = 0; r < shape[0]; r++) {
                out[r] = Arrays.copyOfRange(data, r * shape[1], (r + 1) * shape[1]);
            }
            return out;
        }
    }

    /** Writes a float32 array of the given C-order shape. */
    public static void write(Path file, float[] data, int... shape) {
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " holds "
                            + count
                            + " values but "
                            + data.length
                            + " were given");
        }
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2);
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1); // one-element tuple keeps its comma: (5,)
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = PREAMBLE_V1 + dict.length() + 1; // + the closing newline
        int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer buf =
                ByteBuffer.allocate(PREAMBLE_V1 + header.length() + 4 * data.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(data);
        try {
            Files.write(file, buf.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes a 2-d float32 array (all rows the same length). */
    public static void write(Path file, float[][] matrix) {
        int rows = matrix.length;
        int cols = rows == 0 ? 0 : matrix[0].length;
        float[] flat = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (matrix[r].length != cols) {
                throw new IllegalArgumentException(
                        "row " + r + " has " + matrix[r].length + " values, expected " + cols);
            }
            System.arraycopy(matrix[r], 0, flat, r * cols, cols);
        }
        write(file, flat, rows, cols);
    }

    /** Reads a C-order little-endian float32, float64 or int16 array. */
    public static Array read(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Reads a float32 array, as a model's reference inputs and outputs must be.
     *
     * @throws IOException when the file cannot be read, is no .npy file or holds another dtype
     */
    public static Array readFloat32(Path file) throws IOException {
        Array array;
        try {
            array = parse(Files.readAllBytes(file), file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (!array.dtype().equals(FLOAT32)) {
            throw new IOException(
                    file + " holds dtype '" + array.dtype() + "'; expected float32 ('<f4')");
        }
        return array;
    }

    /** Reads a .npy file from the classpath of {@code owner}'s class loader (a golden file). */
    public static Array resource(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        ".npy resource missing from classpath: " + resource);
            }
            return parse(in.readAllBytes(), resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Reads a .npy image held in memory (a classpath resource, say); name is for messages. */
    public static Array parse(byte[] bytes, String name) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        if (bytes.length < PREAMBLE_V1) {
            throw new IllegalArgumentException(name + ": not a .npy file (too short)");
        }
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException(name + ": not a .npy file (bad magic)");
        }
        int major = buf.get();
        buf.get(); // minor version
        int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] headerBytes = new byte[headerLength];
        buf.get(headerBytes);
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);

        String descr = group(DESCR, header, name);
        if ("True".equals(group(FORTRAN, header, name))) {
            throw new IllegalArgumentException(name + ": expected C order, found fortran_order");
        }
        int[] shape =
                Arrays.stream(group(SHAPE, header, name).split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt)
                        .toArray();
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        int itemSize =
                switch (descr) {
                    case FLOAT32 -> Float.BYTES;
                    case "<f8" -> Double.BYTES;
                    case "<i2" -> Short.BYTES;
                    default ->
                            throw new IllegalArgumentException(
                                    name + ": expected dtype <f4, <f8 or <i2, found " + descr);
                };
        if (buf.remaining() < count * itemSize) {
            throw new IllegalArgumentException(
                    name
                            + ": shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + count * itemSize
                            + " data bytes, found "
                            + buf.remaining());
        }
        float[] data = new float[Math.toIntExact(count)];
        switch (descr) {
            case FLOAT32 -> buf.asFloatBuffer().get(data);
            case "<f8" -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) buf.getDouble();
                }
            }
            case "<i2" -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = buf.getShort();
                }
            }
            default -> throw new AssertionError(descr);
        }
        return new Array(shape, descr, data);
    }

    private static String group(Pattern p, String header, String name) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(
                    name + ": header lacks " + p.pattern() + ": " + header.trim());
        }
        return m.group(1);
    }
}
