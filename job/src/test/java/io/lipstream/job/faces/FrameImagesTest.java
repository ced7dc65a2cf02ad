package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.schema.ImageCodec;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameImagesTest {

    private static final FrameLimits LIMITS = FrameLimits.defaults();
    private static final int W = ClipFrames.WIDTH, H = ClipFrames.HEIGHT;

    @Test
    void shouldDecodeAPngLosslessly() {
        BgrImage frame = FaceGolden.frame();
        byte[] png = FaceGolden.bytes("frame.png");
        BgrImage again = FrameImages.decode(ImageCodec.PNG, png, W, H, LIMITS);
        assertArrayEquals(frame.bgr(), again.bgr());
        assertEquals(W, again.width());
        assertEquals(H, again.height());
    }

    @Test
    void shouldRoundTripAJpegCloseToTheOriginal() {
        BgrImage frame = ClipFrames.frame(0);
        byte[] jpeg = FrameImages.encodeJpeg(frame, 90);
        assertEquals(0xFF, jpeg[0] & 0xFF);
        assertEquals(0xD8, jpeg[1] & 0xFF);
        BgrImage decoded = FrameImages.decode(ImageCodec.JPEG, jpeg, W, H, LIMITS);
        assertTrue(psnr(frame, decoded) > 35, "PSNR " + psnr(frame, decoded));
        assertTrue(
                FrameImages.encodeJpeg(frame, 30).length < jpeg.length,
                "lower quality gives fewer bytes");
    }

    @Test
    void shouldDecodeIntoANativePictureTheSamePixelsWithTheSameChecks() {
        BgrImage frame = ClipFrames.frame(0);
        byte[] jpeg = FrameImages.encodeJpeg(frame, 90);
        BgrImage decoded = FrameImages.decode(ImageCodec.JPEG, jpeg, W, H, LIMITS);
        try (var picture = FrameImages.decodeNative(ImageCodec.JPEG, jpeg, W, H, LIMITS)) {
            assertArrayEquals(decoded.bgr(), Mats.bytes(picture));
        }
        try (var picture = FrameImages.decodeNative(ImageCodec.BGR24, frame.bgr(), W, H, LIMITS)) {
            assertArrayEquals(frame.bgr(), Mats.bytes(picture));
        }
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decodeNative(ImageCodec.JPEG, jpeg, W + 2, H, LIMITS));
        byte[] corrupt = Arrays.copyOf(jpeg, jpeg.length);
        int sof = indexOfMarker(corrupt, 0xC0);
        Arrays.fill(corrupt, sof + 20, corrupt.length, (byte) 0x5A);
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decodeNative(ImageCodec.JPEG, corrupt, W, H, LIMITS));
    }

    @Test
    void shouldDecodeAJpegAtAReducedScaleWithTheSameChecks() {
        BgrImage frame = ClipFrames.frame(0);
        byte[] jpeg = FrameImages.encodeJpeg(frame, 90);
        BgrImage full = FrameImages.decode(ImageCodec.JPEG, jpeg, W, H, LIMITS);
        for (int factor : new int[] {1, 2, 4, 8}) {
            FrameImages.Reduced reduced =
                    FrameImages.decodeReduced(ImageCodec.JPEG, jpeg, W, H, LIMITS, factor);
            assertEquals(factor, reduced.factor());
            assertEquals((W + factor - 1) / factor, reduced.image().width());
            assertEquals((H + factor - 1) / factor, reduced.image().height());
            // A face box at a quarter of the frame: the same face in the reduced picture.
            FaceBox box = new FaceBox(W / 4, H / 4, W / 2, H / 2);
            byte[] fromFull = FaceTensors.crop(full, box, FaceTensors.FACE_SIZE / factor);
            byte[] fromReduced =
                    FaceTensors.crop(
                            reduced.image(), reduced.scale(box), FaceTensors.FACE_SIZE / factor);
            int side = FaceTensors.FACE_SIZE / factor;
            double psnr =
                    psnr(new BgrImage(side, side, fromFull), new BgrImage(side, side, fromReduced));
            assertTrue(psnr > 25, "factor " + factor + ": PSNR " + psnr);
        }
        byte[] corrupt = Arrays.copyOf(jpeg, jpeg.length);
        int sof = indexOfMarker(corrupt, 0xC0);
        Arrays.fill(corrupt, sof + 20, corrupt.length, (byte) 0x5A);
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decodeReduced(ImageCodec.JPEG, corrupt, W, H, LIMITS, 8));
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decodeReduced(ImageCodec.JPEG, jpeg, W + 2, H, LIMITS, 4));
    }

    @Test
    void shouldTakeBgr24BytesAsTheyAre() {
        byte[] raw = ClipFrames.frame(0).bgr();
        assertSame(raw, FrameImages.decode(ImageCodec.BGR24, raw, W, H, LIMITS).bgr());
    }

    @Test
    void shouldRejectOversizedDeclaredDimensionsBeforeDecoding() {
        // The bytes are garbage: the size check must fire first, with its own message.
        byte[] garbage = new byte[100];
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.JPEG, garbage, 3841, 2160, LIMITS));
        assertTrue(e.getMessage().contains("3840x2160, found 3841x2160"), e.getMessage());
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decode(ImageCodec.PNG, garbage, 0, 100, LIMITS));
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decode(ImageCodec.BGR24, garbage, -1, 100, LIMITS));
    }

    @Test
    void shouldRejectTooManyBytesBeforeDecoding() {
        byte[] jpeg = FrameImages.encodeJpeg(ClipFrames.frame(0), 90);
        FrameLimits small = new FrameLimits(W, H, jpeg.length - 1);
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.JPEG, jpeg, W, H, small));
        assertTrue(
                e.getMessage()
                        .contains(
                                "at most "
                                        + (jpeg.length - 1)
                                        + " image bytes, found "
                                        + jpeg.length),
                e.getMessage());
    }

    @Test
    void shouldRejectAPngWhoseHeaderClaimsAHugeImage() {
        // A decompression bomb: declared 640x360, the header says 60000x60000.
        byte[] png = FaceGolden.bytes("frame.png").clone();
        writeUint32(png, 16, 60000);
        writeUint32(png, 20, 60000);
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.PNG, png, W, H, LIMITS));
        assertTrue(e.getMessage().contains("found 60000x60000 in its header"), e.getMessage());
    }

    @Test
    void shouldRejectGarbageBytes() {
        byte[] garbage = new byte[5000];
        new Random(1).nextBytes(garbage);
        for (ImageCodec codec :
                new ImageCodec[] {ImageCodec.JPEG, ImageCodec.PNG, ImageCodec.BGR24}) {
            ImageDecodeException e =
                    assertThrows(
                            ImageDecodeException.class,
                            () -> FrameImages.decode(codec, garbage, 64, 64, LIMITS));
            assertTrue(e.getMessage().startsWith("expected"), e.getMessage());
        }
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decode(ImageCodec.JPEG, new byte[0], 64, 64, LIMITS));
    }

    @Test
    void shouldRejectAJpegWithAValidHeaderButCorruptData() {
        byte[] jpeg = FrameImages.encodeJpeg(ClipFrames.frame(0), 90);
        // Keep the headers, overwrite the Huffman tables and what follows with noise.
        byte[] corrupt = Arrays.copyOf(jpeg, jpeg.length);
        int sof = indexOfMarker(corrupt, 0xC0);
        byte[] noise = new byte[corrupt.length - sof - 20];
        new Random(5).nextBytes(noise);
        System.arraycopy(noise, 0, corrupt, sof + 20, noise.length);
        assertThrows(
                ImageDecodeException.class,
                () -> FrameImages.decode(ImageCodec.JPEG, corrupt, W, H, LIMITS));
    }

    @Test
    void shouldRejectAnImageOfAnotherSizeThanDeclared() {
        byte[] jpeg = FrameImages.encodeJpeg(ClipFrames.frame(0), 90);
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.JPEG, jpeg, 320, 180, LIMITS));
        assertTrue(
                e.getMessage().contains("expected a 320x180 JPEG as declared, found 640x360"),
                e.getMessage());
        byte[] raw = ClipFrames.frame(0).bgr();
        e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.BGR24, raw, 640, 359, LIMITS));
        assertTrue(
                e.getMessage().contains("expected 689280 BGR24 bytes for 640x359, found 691200"),
                e.getMessage());
    }

    @Test
    void shouldRejectBytesOfAnotherCodecThanDeclared() {
        byte[] png = FaceGolden.bytes("frame.png");
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> FrameImages.decode(ImageCodec.JPEG, png, W, H, LIMITS));
        assertTrue(e.getMessage().contains("expected a JPEG"), e.getMessage());
        assertTrue(e.getMessage().contains("89 50 4E 47"), e.getMessage());
    }

    static double psnr(BgrImage a, BgrImage b) {
        double sq = 0;
        for (int i = 0; i < a.bgr().length; i++) {
            int d = (a.bgr()[i] & 0xFF) - (b.bgr()[i] & 0xFF);
            sq += d * d;
        }
        double mse = sq / a.bgr().length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    private static void writeUint32(byte[] data, int offset, long value) {
        for (int i = 0; i < 4; i++) {
            data[offset + i] = (byte) (value >>> (24 - 8 * i));
        }
    }

    private static int indexOfMarker(byte[] data, int marker) {
        for (int i = 0; i + 1 < data.length; i++) {
            if ((data[i] & 0xFF) == 0xFF && (data[i + 1] & 0xFF) == marker) {
                return i;
            }
        }
        throw new IllegalStateException("no marker " + Integer.toHexString(marker));
    }
}
