package io.lipstream.job.faces;

import static io.lipstream.job.faces.FaceTensors.FACE_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.Npy;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class FacePasterTest {

    private static final int PLANE = FACE_SIZE * FACE_SIZE;

    /** Golden from face_oracle.py: Wav2Lip's main loop (astype(uint8), cv2.resize, overwrite). */
    @Test
    void shouldPasteTheModelOutputAsWav2LipDoes() {
        BgrImage frame = FaceGolden.frame();
        FaceBox box = FaceGolden.pasteCase().box();
        Npy.Array output = FaceGolden.npy("model_output.npy");
        byte[] face = FaceTensors.readFaceOutput(FloatBuffer.wrap(output.data()), FACE_SIZE, 0);
        BgrImage pasted = FacePaster.paste(frame, box, face, FACE_SIZE, Blend.HARD);
        BgrImage expected =
                FaceGolden.png(
                        "pasted_" + FaceGolden.pasteCase().name() + ".png",
                        frame.width(),
                        frame.height());

        int maxDiff = 0;
        long differing = 0;
        for (int i = 0; i < expected.bgr().length; i++) {
            int d = Math.abs((pasted.bgr()[i] & 0xFF) - (expected.bgr()[i] & 0xFF));
            maxDiff = Math.max(maxDiff, d);
            differing += d == 0 ? 0 : 1;
        }
        System.out.printf(
                "paste HARD vs golden: max abs diff %d, %d of %d bytes differ%n",
                maxDiff, differing, expected.bgr().length);
        assertTrue(maxDiff <= 1, "max abs diff " + maxDiff);
        assertTrue(differing < expected.bgr().length / 1000, differing + " bytes differ");
        assertFalse(java.util.Arrays.equals(frame.bgr(), pasted.bgr()), "the box changed");

        // The encoder pastes into the picture it decoded: the same pixels, no copy.
        BgrImage owned = new BgrImage(frame.width(), frame.height(), frame.bgr().clone());
        byte[] pixels = owned.bgr();
        FacePaster.pasteInto(owned, box, face, FACE_SIZE, Blend.HARD);
        assertArrayEquals(pasted.bgr(), pixels);
    }

    @Test
    void shouldGiveTheFrameBackWhenTheModelReturnsTheReferenceFace() {
        BgrImage frame = FaceGolden.frame();
        FaceBox box = FaceGolden.pasteCase().box();
        FloatBuffer output = modelEcho(frame, box, 0);
        byte[] face = FaceTensors.readFaceOutput(output, FACE_SIZE, 0);
        BgrImage pasted = FacePaster.paste(frame, box, face, FACE_SIZE, Blend.HARD);
        double psnr = FrameImagesTest.psnr(frame, pasted);
        System.out.printf("round trip HARD PSNR %.2f dB%n", psnr);
        assertTrue(psnr >= 30, "PSNR " + psnr);
        assertTrue(Double.isFinite(psnr), "the 96 px round trip loses detail");
    }

    @Test
    void shouldFeatherInsideTheBoxOnlyAndHideTheSeam() {
        BgrImage frame = FaceGolden.frame();
        FaceBox box = FaceGolden.pasteCase().box();
        FloatBuffer output = modelEcho(frame, box, 60); // a face 60 levels brighter: a seam in HARD
        byte[] face = FaceTensors.readFaceOutput(output, FACE_SIZE, 0);
        BgrImage hard = FacePaster.paste(frame, box, face, FACE_SIZE, Blend.HARD);
        BgrImage feather = FacePaster.paste(frame, box, face, FACE_SIZE, Blend.FEATHER);

        int w = frame.width();
        for (int y = 0; y < frame.height(); y++) {
            for (int x = 0; x < w; x++) {
                boolean inside = x >= box.x1() && x < box.x2() && y >= box.y1() && y < box.y2();
                for (int c = 0; c < 3; c++) {
                    int i = (y * w + x) * 3 + c;
                    if (!inside) {
                        assertEquals(frame.bgr()[i], hard.bgr()[i]);
                        assertEquals(frame.bgr()[i], feather.bgr()[i]);
                    }
                }
            }
        }
        double original = seam(frame, box);
        double hardSeam = seam(hard, box);
        double featherSeam = seam(feather, box);
        System.out.printf(
                "seam (mean abs step across the box border): original %.1f, HARD %.1f, FEATHER %.1f%n",
                original, hardSeam, featherSeam);
        assertTrue(hardSeam > original + 20, "HARD shows a seam: " + hardSeam + " vs " + original);
        assertTrue(
                featherSeam < original + 3, "FEATHER hides it: " + featherSeam + " vs " + original);
        assertTrue(
                meanBrightening(frame, feather, box) > 20, "FEATHER still pastes the lower face");
    }

    /** An output equal to the reference channels of the face input, plus {@code lift}/255. */
    private static FloatBuffer modelEcho(BgrImage frame, FaceBox box, int lift) {
        FloatBuffer input = FaceTensorsTest.direct(6 * PLANE);
        FaceTensors.writeFaceInput(FaceTensors.crop(frame, box, FACE_SIZE), FACE_SIZE, input, 0);
        FloatBuffer output = FaceTensorsTest.direct(3 * PLANE);
        for (int i = 0; i < 3 * PLANE; i++) {
            output.put(i, Math.min(1f, input.get(3 * PLANE + i) + lift / 255f));
        }
        return output;
    }

    /** Mean absolute step between each border pixel inside the box and its outside neighbour. */
    private static double seam(BgrImage image, FaceBox box) {
        double sum = 0;
        int count = 0;
        for (int y = box.y1(); y < box.y2(); y++) {
            sum +=
                    step(image, box.x1(), y, box.x1() - 1, y)
                            + step(image, box.x2() - 1, y, box.x2(), y);
            count += 2;
        }
        for (int x = box.x1(); x < box.x2(); x++) {
            sum +=
                    step(image, x, box.y1(), x, box.y1() - 1)
                            + step(image, x, box.y2() - 1, x, box.y2());
            count += 2;
        }
        return sum / count;
    }

    private static double step(BgrImage image, int x, int y, int nx, int ny) {
        double sum = 0;
        for (int c = 0; c < 3; c++) {
            sum += Math.abs(pixel(image, x, y, c) - pixel(image, nx, ny, c));
        }
        return sum / 3;
    }

    private static double meanBrightening(BgrImage before, BgrImage after, FaceBox box) {
        int cx = (box.x1() + box.x2()) / 2;
        int cy = box.y1() + box.height() * 3 / 4; // the mouth area
        double sum = 0;
        for (int c = 0; c < 3; c++) {
            sum += pixel(after, cx, cy, c) - pixel(before, cx, cy, c);
        }
        return sum / 3;
    }

    private static int pixel(BgrImage image, int x, int y, int c) {
        return image.bgr()[(y * image.width() + x) * 3 + c] & 0xFF;
    }
}
