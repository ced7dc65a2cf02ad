package io.lipstream.tools.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads float32 NumPy {@code .npy} files (format versions 1 to 3, C order, {@code <f4}): the
 * reference inputs and outputs of {@code lipsync model verify --reference}. Package-private on
 * purpose: the audio code has its own reader.
 */
final class NpyArrays {
    /** "\x93NUMPY": the .npy magic string (numpy/lib/format.py). */
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Magic, major and minor version bytes, before the header length. */
    private static final int PREAMBLE = MAGIC.length + 2;

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A read array: C-order float32 values and their shape. */
    record NpyArray(long[] shape, float[] values) {
        @Override
        public String toString() {
            return Arrays.toString(shape);
        }
    }

    private NpyArrays() {}

    static NpyArray read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        if (bytes.remaining() < PREAMBLE + 2) {
            throw new IOException(file + " is not a .npy file (too short)");
        }
        bytes.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + " is not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes.get();
        bytes.get(); // minor version: no meaning for reading
        int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort()) : bytes.getInt();
        if (headerLength < 0 || headerLength > bytes.remaining()) {
            throw new IOException(file + " has a truncated .npy header");
        }
        byte[] header = new byte[headerLength];
        bytes.get(header);
        String dict = new String(header, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, dict, file, "descr");
        if (!descr.equals("<f4")) {
            throw new IOException(file + " holds dtype '" + descr + "'; expected float32 ('<f4')");
        }
        if (group(FORTRAN, dict, file, "fortran_order").equals("True")) {
            throw new IOException(file + " is in Fortran order; expected C order");
        }
        long[] shape =
                Arrays.stream(group(SHAPE, dict, file, "shape").split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .mapToLong(Long::parseLong)
                        .toArray();
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (count * Float.BYTES != bytes.remaining()) {
            throw new IOException(
                    file
                            + " has shape "
                            + Arrays.toString(shape)
                            + " ("
                            + count * Float.BYTES
                            + " bytes) but "
                            + bytes.remaining()
                            + " data bytes");
        }
        float[] values = new float[(int) count];
        bytes.asFloatBuffer().get(values);
        return new NpyArray(shape, values);
    }

    private static String group(Pattern p, String dict, Path file, String key) throws IOException {
        Matcher m = p.matcher(dict);
        if (!m.find()) {
            throw new IOException(file + " has no '" + key + "' in its .npy header: " + dict);
        }
        return m.group(1);
    }
}
