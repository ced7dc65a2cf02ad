package io.lipstream.job.faces;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helper: reads a little-endian float32, C-order {@code .npy} file (format 1.0). */
record Npy(int[] shape, float[] data) {

    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static Npy readResource(String resource) {
        try (InputStream in = Npy.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Npy parse(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes[0] != (byte) 0x93 || bytes[1] != 'N' || bytes[6] != 1) {
            throw new IllegalArgumentException("expected an .npy file of format 1.x");
        }
        int headerLength = buf.getShort(8) & 0xFFFF;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
            throw new IllegalArgumentException(
                    "expected little-endian float32, C order: " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("no shape in " + header);
        }
        int[] shape =
                Arrays.stream(m.group(1).split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt)
                        .toArray();
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[count];
        buf.position(10 + headerLength);
        buf.asFloatBuffer().get(data);
        return new Npy(shape, data);
    }

    FloatBuffer buffer() {
        return FloatBuffer.wrap(data);
    }
}
