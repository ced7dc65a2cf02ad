package io.lipstream.job.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lipstream.tools.model.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads what numpy wrote; writes what numpy reads. */
class NpyTest {
    @TempDir Path dir;

    @Test
    void shouldReadNumpyFloat64() {
        Npy.Array a = MelGolden.read("npy-float64.npy");

        assertEquals("<f8", a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {0.5f, -1.25f, 3.0f, (float) 1e-300, 2.0f, -0.0f}, a.data());
    }

    @Test
    void shouldReadNumpyInt16Unscaled() {
        Npy.Array a = MelGolden.read("npy-int16.npy");

        assertEquals("<i2", a.dtype());
        assertArrayEquals(new int[] {5}, a.shape());
        assertArrayEquals(new float[] {0, 1, -1, 32767, -32768}, a.data());
    }

    @Test
    void shouldReadNumpyFloat32InCOrder() {
        Npy.Array a = MelGolden.read("npy-float32-3d.npy");

        assertArrayEquals(new int[] {2, 3, 4}, a.shape());
        assertEquals(23f, a.data()[1 * 12 + 2 * 4 + 3]); // element [1][2][3] of arange(24)
    }

    @Test
    void shouldRoundTripAnyShapeWithAnAlignedHeader() throws IOException {
        float[] values = {1.5f, -2f, Float.MIN_VALUE, 4f, 5f, 6f};
        for (int[] shape : new int[][] {{6}, {2, 3}, {1, 2, 3}}) {
            Path file = dir.resolve("a" + shape.length + ".npy");

            Npy.write(file, values, shape);
            Npy.Array back = Npy.read(file);

            assertArrayEquals(shape, back.shape());
            assertArrayEquals(values, back.data());
            byte[] bytes = Files.readAllBytes(file);
            int dataStart = 10 + (bytes[8] & 0xff) + ((bytes[9] & 0xff) << 8);
            assertEquals(0, dataStart % 64, "data offset " + dataStart);
            assertEquals(dataStart + 4 * values.length, bytes.length);
        }
        String header = new String(Files.readAllBytes(dir.resolve("a1.npy")), 10, 60);
        assertEquals(true, header.contains("'shape': (6,)"), header);
    }

    @Test
    void shouldRejectShapesThatDoNotMatchTheData() {
        assertThrows(
                IllegalArgumentException.class,
                () -> Npy.write(dir.resolve("x.npy"), new float[5], 2, 3));
    }

    @Test
    void shouldRejectFilesThatAreNotNpyOrAreTruncated() throws IOException {
        Path notNpy = dir.resolve("not.npy");
        Files.writeString(notNpy, "hello, this is not numpy");
        Path truncated = dir.resolve("truncated.npy");
        Npy.write(truncated, new float[] {1, 2, 3, 4}, 4);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 4));

        assertThrows(IllegalArgumentException.class, () -> Npy.read(notNpy));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Npy.read(truncated));
        assertEquals(
                true, e.getMessage().contains("needs 16 data bytes, found 12"), e.getMessage());
    }
}
