package io.lipstream.job.segments;

import static io.lipstream.job.segments.SyntheticMedia.psnr;
import static io.lipstream.job.segments.YuvPictures.HEIGHT;
import static io.lipstream.job.segments.YuvPictures.WIDTH;
import static io.lipstream.job.segments.YuvPictures.plane;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.schema.ImageCodec;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PictureDecoderTest {
    private BgrImage frame;
    private AVFrame picture;
    private PictureDecoder decoder;

    @BeforeEach
    void setUp() throws Exception {
        frame = YuvPictures.clipFrame(10);
        picture = PictureDecoder.allocate(WIDTH, HEIGHT);
        decoder = new PictureDecoder(FrameLimits.defaults());
    }

    @AfterEach
    void tearDown() {
        av_frame_free(picture);
        decoder.close();
    }

    @Test
    void shouldDecodeAJpegStraightToYuvAsCloseAsThroughBgr() throws Exception {
        byte[] jpeg = FrameImages.encodeJpeg(frame, 95);
        decoder.decodeInto(ImageCodec.JPEG, jpeg, WIDTH, HEIGHT, picture);

        // The old way: OpenCV decodes to BGR, swscale converts to YUV.
        BgrImage viaBgr = FrameImages.decode(ImageCodec.JPEG, jpeg, WIDTH, HEIGHT, limits());
        AVFrame expected = YuvPictures.yuv(viaBgr);
        AVFrame original = YuvPictures.yuv(frame);
        try {
            for (int p = 0; p < 3; p++) {
                double againstBgrPath = psnr(plane(expected, p), plane(picture, p));
                double againstSource = psnr(plane(original, p), plane(picture, p));
                double bgrPathAgainstSource = psnr(plane(original, p), plane(expected, p));
                System.out.printf(
                        "plane %d: direct vs via BGR %.1f dB; against the source: direct %.1f dB,"
                                + " via BGR %.1f dB%n",
                        p, againstBgrPath, againstSource, bgrPathAgainstSource);
                assertTrue(againstBgrPath >= 40, "plane " + p + ": " + againstBgrPath + " dB");
                assertTrue(againstSource >= 40, "plane " + p + ": " + againstSource + " dB");
            }
        } finally {
            av_frame_free(expected);
            av_frame_free(original);
        }
    }

    @Test
    void shouldDecodeA444JpegAndAPngAsWell() throws Exception {
        AVFrame expected = YuvPictures.yuv(frame);
        try {
            byte[] png = encode(".png", new int[] {opencv_imgcodecs.IMWRITE_PNG_COMPRESSION, 1});
            decoder.decodeInto(ImageCodec.PNG, png, WIDTH, HEIGHT, picture);
            for (int p = 0; p < 3; p++) {
                assertArrayEquals(plane(expected, p), plane(picture, p), "PNG plane " + p);
            }
            byte[] jpeg444 =
                    encode(
                            ".jpg",
                            new int[] {
                                opencv_imgcodecs.IMWRITE_JPEG_QUALITY,
                                95,
                                opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR,
                                opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR_444
                            });
            decoder.decodeInto(ImageCodec.JPEG, jpeg444, WIDTH, HEIGHT, picture);
            for (int p = 0; p < 3; p++) {
                double db = psnr(plane(expected, p), plane(picture, p));
                assertTrue(db >= 38, "4:4:4 JPEG plane " + p + ": " + db + " dB");
            }
        } finally {
            av_frame_free(expected);
        }
    }

    @Test
    void shouldRefuseADamagedJpegAndKeepThePictureItHeld() {
        byte[] jpeg = FrameImages.encodeJpeg(frame, 95);
        decoder.decodeInto(ImageCodec.JPEG, jpeg, WIDTH, HEIGHT, picture);
        byte[][] held = {plane(picture, 0), plane(picture, 1), plane(picture, 2)};

        int sof = indexOfSof(jpeg);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length);
        Arrays.fill(truncated, sof + 20, truncated.length, (byte) 0x5A);
        byte[] noise = Arrays.copyOf(jpeg, jpeg.length);
        byte[] random = new byte[noise.length - sof - 20];
        new Random(5).nextBytes(random);
        System.arraycopy(random, 0, noise, sof + 20, random.length);
        byte[] cutShort = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
        byte[] scanNoise = Arrays.copyOf(jpeg, jpeg.length);
        byte[] half = new byte[jpeg.length / 2 - 2];
        new Random(7).nextBytes(half);
        System.arraycopy(half, 0, scanNoise, jpeg.length / 2, half.length);
        for (byte[] damaged : new byte[][] {truncated, noise, cutShort, scanNoise}) {
            assertThrows(
                    ImageDecodeException.class,
                    () -> decoder.decodeInto(ImageCodec.JPEG, damaged, WIDTH, HEIGHT, picture));
            for (int p = 0; p < 3; p++) {
                assertArrayEquals(held[p], plane(picture, p), "plane " + p + " was overwritten");
            }
        }
        // The decoder goes on with the next good picture.
        byte[] next = FrameImages.encodeJpeg(invert(frame), 95);
        decoder.decodeInto(ImageCodec.JPEG, next, WIDTH, HEIGHT, picture);
        assertTrue(psnr(held[0], plane(picture, 0)) < 20, "the next picture was decoded");
    }

    @Test
    void shouldRefuseAnImageOfAnotherSizeThanDeclaredOrThanThePicture() {
        byte[] jpeg = FrameImages.encodeJpeg(frame, 95);
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () -> decoder.decodeInto(ImageCodec.JPEG, jpeg, 320, 180, picture));
        assertTrue(e.getMessage().contains("320x180"), e.getMessage());
        AVFrame small = null;
        try {
            small = PictureDecoder.allocate(320, 180);
            AVFrame target = small;
            e =
                    assertThrows(
                            ImageDecodeException.class,
                            () -> decoder.decodeInto(ImageCodec.JPEG, jpeg, WIDTH, HEIGHT, target));
            assertTrue(e.getMessage().contains("320x180") && e.getMessage().contains("640x360"));
        } catch (SegmentEncodingException ex) {
            throw new AssertionError(ex);
        } finally {
            av_frame_free(small);
        }
    }

    private static FrameLimits limits() {
        return FrameLimits.defaults();
    }

    private byte[] encode(String extension, int[] params) {
        try (Mat mat = new Mat(HEIGHT, WIDTH, org.bytedeco.opencv.global.opencv_core.CV_8UC3);
                BytePointer out = new BytePointer();
                IntPointer p = new IntPointer(params)) {
            mat.data().put(frame.bgr());
            opencv_imgcodecs.imencode(extension, mat, out, p);
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    private static BgrImage invert(BgrImage image) {
        byte[] bgr = image.bgr().clone();
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (byte) (255 - (bgr[i] & 0xFF));
        }
        return new BgrImage(image.width(), image.height(), bgr);
    }

    private static int indexOfSof(byte[] jpeg) {
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                return i;
            }
        }
        throw new AssertionError("no SOF0 marker");
    }
}
