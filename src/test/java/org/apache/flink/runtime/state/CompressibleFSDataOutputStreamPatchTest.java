package org.apache.flink.runtime.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The patched copy of Flink's operator-state snapshot stream: it is the one loaded, it writes byte
 * arrays in one call, and it is Flink's class plus that one method (so a Flink upgrade that changes
 * the class, or fixes it, fails here).
 */
class CompressibleFSDataOutputStreamPatchTest {
    private static final String CLASS_FILE =
            CompressibleFSDataOutputStream.class.getName().replace('.', '/') + ".class";

    @Test
    void shouldBeLoadedInsteadOfFlinksCopy() {
        URL ours =
                CompressibleFSDataOutputStream.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation();
        assertNotEquals(flinkRuntimeJar(), ours);
    }

    @Test
    void shouldWriteAByteArrayInOneCallAndKeepEveryByte() throws Exception {
        CountingStream sink = new CountingStream();
        byte[] state = new byte[1 << 20];
        Arrays.fill(state, (byte) 7);
        state[12345] = 42;
        try (var out =
                new CompressibleFSDataOutputStream(
                        sink, UncompressedStreamCompressionDecorator.INSTANCE)) {
            out.write(state, 0, state.length);
            out.write(9);
            assertEquals(state.length + 1, out.getPos());
        }
        assertEquals(1, sink.singleBytes, "only the write(int) should arrive one byte at a time");
        byte[] expected = Arrays.copyOf(state, state.length + 1);
        expected[state.length] = 9;
        assertArrayEquals(expected, sink.bytes.toByteArray());
    }

    @Test
    void shouldBeFlinksClassPlusTheBulkWrite() throws Exception {
        URL flinkCore =
                FSDataOutputStream.class.getProtectionDomain().getCodeSource().getLocation();
        // Flink's own class, from its jar, with nothing of ours in between.
        try (URLClassLoader flinkOnly =
                new URLClassLoader(
                        new URL[] {flinkRuntimeJar(), flinkCore},
                        ClassLoader.getPlatformClassLoader())) {
            Class<?> flinks = flinkOnly.loadClass(CompressibleFSDataOutputStream.class.getName());
            Set<String> flinkMethods = signatures(flinks);
            assertFalse(
                    flinkMethods.contains("write(byte[],int,int)"),
                    "Flink's class now writes arrays itself: delete this patched copy");
            Set<String> expected = new TreeSet<>(flinkMethods);
            expected.add("write(byte[],int,int)");
            assertEquals(expected, signatures(CompressibleFSDataOutputStream.class));
            assertEquals(
                    Arrays.toString(flinks.getDeclaredConstructors()[0].getParameterTypes()),
                    Arrays.toString(
                            CompressibleFSDataOutputStream.class.getDeclaredConstructors()[0]
                                    .getParameterTypes()));
        }
    }

    private static URL flinkRuntimeJar() {
        try {
            var found =
                    CompressibleFSDataOutputStream.class.getClassLoader().getResources(CLASS_FILE);
            while (found.hasMoreElements()) {
                String url = found.nextElement().toString();
                if (url.startsWith("jar:") && url.contains("flink-runtime")) {
                    return new URL(url.substring("jar:".length(), url.indexOf("!/")));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new AssertionError("flink-runtime's " + CLASS_FILE + " is not on the classpath");
    }

    private static Set<String> signatures(Class<?> type) {
        Set<String> out = new TreeSet<>();
        for (Method m : type.getDeclaredMethods()) {
            if (!m.isSynthetic() && !Modifier.isPrivate(m.getModifiers())) {
                StringBuilder s = new StringBuilder(m.getName()).append('(');
                Class<?>[] params = m.getParameterTypes();
                for (int i = 0; i < params.length; i++) {
                    s.append(i == 0 ? "" : ",").append(params[i].getSimpleName());
                }
                out.add(s.append(')').toString());
            }
        }
        return out;
    }

    /** A checkpoint stream that keeps what it is given and counts single-byte writes. */
    private static final class CountingStream extends FSDataOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int singleBytes;

        @Override
        public void write(int b) {
            singleBytes++;
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        @Override
        public long getPos() {
            return bytes.size();
        }

        @Override
        public void flush() {}

        @Override
        public void sync() {}

        @Override
        public void close() {}
    }
}
