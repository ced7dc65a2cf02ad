package io.lipstream.job.faces;

import static io.lipstream.job.faces.FaceTensors.FACE_SIZE;
import static io.lipstream.job.faces.FaceTensors.INPUT_CHANNELS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.Npy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FaceTensorsTest {

    private static final int PLANE = FACE_SIZE * FACE_SIZE;
    private static final int SLOT_FLOATS = INPUT_CHANNELS * PLANE;

    /** Golden from face_oracle.py (Python OpenCV + numpy, Wav2Lip's datagen()); 1/255 allowed. */
    @Test
    void shouldBuildTheFaceInputWav2LipBuilds() {
        BgrImage frame = FaceGolden.frame();
        for (FaceGolden.Case c : FaceGolden.cases()) {
            Npy.Array golden = FaceGolden.npy("face_input_" + c.name() + ".npy");
            assertArrayEquals(new int[] {INPUT_CHANNELS, FACE_SIZE, FACE_SIZE}, golden.shape());

            FloatBuffer batch = direct(3 * SLOT_FLOATS);
            fill(batch, Float.NaN);
            byte[] crop = FaceTensors.crop(frame, c.box(), FACE_SIZE);
            FaceTensors.writeFaceInput(crop, FACE_SIZE, batch, 1);

            double maxDiff = 0;
            for (int i = 0; i < SLOT_FLOATS; i++) {
                maxDiff =
                        Math.max(maxDiff, Math.abs(batch.get(SLOT_FLOATS + i) - golden.data()[i]));
            }
            System.out.printf(
                    "face input %s %s: max abs diff %.6f (%.2f/255)%n",
                    c.name(), c.box(), maxDiff, maxDiff * 255);
            assertTrue(maxDiff <= 1 / 255.0 + 1e-6, c.name() + ": max abs diff " + maxDiff);
            for (int i = 0; i < SLOT_FLOATS; i++) {
                assertTrue(Float.isNaN(batch.get(i)), "slot 0 untouched");
                assertTrue(Float.isNaN(batch.get(2 * SLOT_FLOATS + i)), "slot 2 untouched");
            }
            assertEquals(0, batch.position(), "absolute writes leave the position alone");
        }
    }

    @Test
    void shouldPutMaskedBgrThenReferenceBgrScaledToUnit() {
        byte[] crop = new byte[PLANE * 3];
        for (int p = 0; p < PLANE; p++) {
            crop[p * 3] = 51; // B = 0.2
            crop[p * 3 + 1] = (byte) 153; // G = 0.6
            crop[p * 3 + 2] = (byte) 255; // R = 1.0
        }
        FloatBuffer input = direct(SLOT_FLOATS);
        FaceTensors.writeFaceInput(crop, FACE_SIZE, input, 0);
        float[] expectedColour = {0.2f, 0.6f, 1.0f};
        for (int c = 0; c < INPUT_CHANNELS; c++) {
            for (int y = 0; y < FACE_SIZE; y++) {
                boolean masked = c < 3 && y >= FACE_SIZE / 2;
                float expected = masked ? 0f : expectedColour[c % 3];
                for (int x = 0; x < FACE_SIZE; x++) {
                    assertEquals(
                            expected,
                            input.get(c * PLANE + y * FACE_SIZE + x),
                            1e-7f,
                            "c" + c + " y" + y + " x" + x);
                }
            }
        }
    }

    @Test
    void shouldTruncateTheOutputToBytesLikeAstypeUint8() {
        FloatBuffer out = direct(2 * 3 * PLANE);
        fill(out, 0.5f);
        int slot1 = 3 * PLANE;
        out.put(slot1, 1.0f); // B of pixel 0
        out.put(slot1 + 1, Math.nextDown(200 / 255f)); // B of pixel 1: 199.99998 -> 199
        out.put(slot1 + 2, 200 / 255f); // B of pixel 2: 200
        out.put(slot1 + PLANE, -0.1f); // G of pixel 0: below range
        out.put(slot1 + PLANE + 1, 1.7f); // G of pixel 1: above range
        out.put(slot1 + 2 * PLANE, Float.NaN); // R of pixel 0
        byte[] bgr = FaceTensors.readFaceOutput(out, FACE_SIZE, 1);
        assertEquals(PLANE * 3, bgr.length);
        assertEquals(255, bgr[0] & 0xFF);
        assertEquals(199, bgr[3] & 0xFF);
        assertEquals(200, bgr[6] & 0xFF);
        assertEquals(0, bgr[1] & 0xFF);
        assertEquals(255, bgr[4] & 0xFF);
        assertEquals(0, bgr[2] & 0xFF);
        assertEquals(127, bgr[9] & 0xFF, "0.5 * 255 = 127.5 truncates to 127");
    }

    @Test
    void shouldRefuseSlotsBeyondTheBuffer() {
        FloatBuffer input = direct(2 * SLOT_FLOATS);
        byte[] crop = new byte[PLANE * 3];
        IndexOutOfBoundsException e =
                assertThrows(
                        IndexOutOfBoundsException.class,
                        () -> FaceTensors.writeFaceInput(crop, FACE_SIZE, input, 2));
        assertTrue(e.getMessage().contains("slot 2"), e.getMessage());
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> FaceTensors.readFaceOutput(input, FACE_SIZE, 4));
        assertThrows(
                IllegalArgumentException.class,
                () -> FaceTensors.writeFaceInput(new byte[10], FACE_SIZE, input, 0));
    }

    @Test
    void shouldRefuseABoxOutsideTheFrame() {
        BgrImage frame = FaceGolden.frame();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FaceTensors.crop(frame, new FaceBox(600, 300, 650, 370), FACE_SIZE));
        assertTrue(e.getMessage().contains("640x360"), e.getMessage());
    }

    @Test
    void shouldCropTheBoxOnly() {
        // A frame black everywhere but a white box: its crop is white, a shifted crop is not.
        byte[] bgr = new byte[64 * 48 * 3];
        FaceBox box = new FaceBox(10, 5, 42, 37);
        for (int y = box.y1(); y < box.y2(); y++) {
            Arrays.fill(bgr, (y * 64 + box.x1()) * 3, (y * 64 + box.x2()) * 3, (byte) 255);
        }
        BgrImage frame = new BgrImage(64, 48, bgr);
        byte[] crop = FaceTensors.crop(frame, box, FACE_SIZE);
        for (byte b : crop) {
            assertEquals(255, b & 0xFF);
        }
        byte[] shifted = FaceTensors.crop(frame, new FaceBox(11, 5, 43, 37), FACE_SIZE);
        assertFalse(Arrays.equals(crop, shifted));
    }

    static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    private static void fill(FloatBuffer buffer, float value) {
        for (int i = 0; i < buffer.limit(); i++) {
            buffer.put(i, value);
        }
    }
}
