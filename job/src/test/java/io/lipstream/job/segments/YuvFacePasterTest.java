package io.lipstream.job.segments;

import static io.lipstream.job.segments.SyntheticMedia.psnr;
import static io.lipstream.job.segments.YuvPictures.WIDTH;
import static io.lipstream.job.segments.YuvPictures.plane;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FacePaster;
import io.lipstream.job.faces.FaceTensors;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class YuvFacePasterTest {
    private static final int SIZE = FaceTensors.FACE_SIZE;

    /** A face 60 levels brighter than the crop it came from, so the paste shows. */
    private static byte[] brighterFace(BgrImage frame, FaceBox box) {
        byte[] face = FaceTensors.crop(frame, box, SIZE);
        for (int i = 0; i < face.length; i++) {
            face[i] = (byte) Math.min(255, (face[i] & 0xFF) + 60);
        }
        return face;
    }

    @ParameterizedTest
    @CsvSource({
        "HARD, 200, 40, 420, 300",
        "FEATHER, 200, 40, 420, 300",
        "HARD, 201, 41, 419, 299",
        "FEATHER, 233, 17, 396, 355",
        "HARD, 0, 0, 640, 360"
    })
    void shouldPasteAsPastingInBgrAndConvertingWouldAndTouchNothingElse(
            Blend blend, int x1, int y1, int x2, int y2) throws Exception {
        BgrImage frame = YuvPictures.clipFrame(10);
        FaceBox box = new FaceBox(x1, y1, x2, y2);
        byte[] face = brighterFace(frame, box);

        AVFrame expected = YuvPictures.yuv(FacePaster.paste(frame, box, face, SIZE, blend));
        AVFrame before = YuvPictures.yuv(frame);
        AVFrame pasted = YuvPictures.yuv(frame);
        try {
            YuvFacePaster.pasteInto(pasted, box, face, SIZE, blend);
            double[] weights = FacePaster.weights(box.width(), box.height(), blend);
            for (int p = 0; p < 3; p++) {
                int scale = p == 0 ? 1 : 2;
                int width = WIDTH / scale;
                byte[] got = plane(pasted, p);
                byte[] want = plane(expected, p);
                byte[] old = plane(before, p);
                double db = psnr(want, got);
                System.out.printf("%s %s plane %d: %.1f dB against BGR paste%n", blend, box, p, db);
                assertTrue(db >= (p == 0 ? 45 : 38), "plane " + p + ": " + db + " dB");
                int changed = 0;
                for (int i = 0; i < got.length; i++) {
                    int x = i % width * scale;
                    int y = i / width * scale;
                    // A sample the face may reach: any of the pixels it covers weighs more than 0.
                    boolean reachable = false;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            int bx = x + dx - box.x1();
                            int by = y + dy - box.y1();
                            reachable |=
                                    bx >= 0
                                            && by >= 0
                                            && bx < box.width()
                                            && by < box.height()
                                            && weights[by * box.width() + bx] > 0;
                        }
                    }
                    if (!reachable) {
                        assertEquals(old[i], got[i], "plane " + p + " sample " + i + " changed");
                    } else if (old[i] != got[i]) {
                        changed++;
                    }
                }
                assertTrue(changed > 0, "plane " + p + ": the face left no trace");
            }
        } finally {
            av_frame_free(expected);
            av_frame_free(before);
            av_frame_free(pasted);
        }
    }

    @ParameterizedTest
    @CsvSource({"600, 40, 700, 140", "-2, 40, 100, 140"})
    void shouldRefuseABoxOutsideThePicture(int x1, int y1, int x2, int y2) throws Exception {
        BgrImage frame = YuvPictures.clipFrame(0);
        AVFrame picture = YuvPictures.yuv(frame);
        try {
            FaceBox box = new FaceBox(x1, y1, x2, y2);
            byte[] face = new byte[SIZE * SIZE * 3];
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> YuvFacePaster.pasteInto(picture, box, face, SIZE, Blend.HARD));
            assertTrue(e.getMessage().contains("640x360"), e.getMessage());
        } finally {
            av_frame_free(picture);
        }
    }
}
