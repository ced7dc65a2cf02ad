package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.lipstream.schema.ImageCodec;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Turns a frame's image bytes into a {@link BgrImage} and back, safely: sizes are checked against
 * {@link FrameLimits} and against the image header before OpenCV decodes anything.
 */
public final class FrameImages {

    /** JPEG quality range of {@code cv::IMWRITE_JPEG_QUALITY}. */
    public static final int MIN_JPEG_QUALITY = 0, MAX_JPEG_QUALITY = 100;

    /**
     * Decode as stored: colour, 8-bit BGR, EXIF orientation ignored so the pixel grid keeps the
     * declared width and height.
     */
    private static final int DECODE_FLAGS = IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION;

    private FrameImages() {}

    /**
     * Size-checks (declared width/height and byte length against limits BEFORE decoding), decodes
     * JPEG/PNG/BGR24 with OpenCV, checks the decoded size equals the declared one. BGR24 bytes are
     * used as they are, not copied.
     *
     * @throws ImageDecodeException if any check fails or the bytes do not decode
     */
    public static BgrImage decode(
            ImageCodec codec,
            byte[] data,
            int declaredWidth,
            int declaredHeight,
            FrameLimits limits) {
        checkEncoded(codec, data, declaredWidth, declaredHeight, limits);
        if (codec == ImageCodec.BGR24) {
            return new BgrImage(declaredWidth, declaredHeight, data);
        }
        return decodeWithOpenCv(codec, data, declaredWidth, declaredHeight);
    }

    /**
     * The checks every decode here makes before touching the pixels, for a decoder of its own that
     * must reject what this class rejects: the declared size and the byte count within {@code
     * limits}; for JPEG and PNG the size in the image header as declared, for BGR24 the byte count
     * of the declared size.
     *
     * @throws ImageDecodeException if a check fails or the codec is none of these
     */
    public static void checkEncoded(
            ImageCodec codec,
            byte[] data,
            int declaredWidth,
            int declaredHeight,
            FrameLimits limits) {
        checkBytes(codec, data, declaredWidth, declaredHeight, limits);
        switch (codec) {
            case BGR24 -> {
                long expected = (long) declaredWidth * declaredHeight * BgrImage.CHANNELS;
                if (data.length != expected) {
                    throw new ImageDecodeException(
                            "expected "
                                    + expected
                                    + " BGR24 bytes for "
                                    + declaredWidth
                                    + "x"
                                    + declaredHeight
                                    + ", found "
                                    + data.length);
                }
            }
            case JPEG ->
                    checkHeader(codec, ImageHeaders.jpegSize(data), declaredWidth, declaredHeight);
            case PNG ->
                    checkHeader(codec, ImageHeaders.pngSize(data), declaredWidth, declaredHeight);
            default ->
                    throw new ImageDecodeException(
                            "expected JPEG, PNG or BGR24, found codec " + codec);
        }
    }

    /**
     * Checks that a JPEG's image data is whole (a start-of-scan segment, the end-of-image marker
     * last), for a decoder that would otherwise make a picture of a JPEG cut short: FFmpeg's.
     *
     * @throws ImageDecodeException if it is not
     */
    public static void checkJpegScan(byte[] data) {
        ImageHeaders.requireJpegScan(data);
    }

    /**
     * As {@link #decode}, into a native picture the caller owns and closes (8-bit BGR, continuous):
     * for a caller that hands the picture to native code next (an encoder), no frame-sized copy
     * into Java and back. BGR24 bytes are copied into it.
     *
     * @throws ImageDecodeException if any check fails or the bytes do not decode
     */
    public static Mat decodeNative(
            ImageCodec codec,
            byte[] data,
            int declaredWidth,
            int declaredHeight,
            FrameLimits limits) {
        checkEncoded(codec, data, declaredWidth, declaredHeight, limits);
        if (codec == ImageCodec.BGR24) {
            return Mats.of(data, declaredWidth, declaredHeight);
        }
        return decodeMat(codec, data, declaredWidth, declaredHeight, DECODE_FLAGS);
    }

    /**
     * The largest reduction {@link #decodeReduced} asks libjpeg for (its DCT scaling stops at 1/8).
     */
    public static final int MAX_REDUCTION = 8;

    /**
     * A picture decoded at a reduced scale: {@code image} is about {@code 1/factor} of the frame's
     * declared size in each direction ({@code factor} 1: full size).
     */
    public record Reduced(BgrImage image, int factor, int frameWidth, int frameHeight) {
        /**
         * {@code box} (frame pixels) in this picture's pixels: scaled, widened to whole pixels and
         * kept inside the picture.
         */
        public FaceBox scale(FaceBox box) {
            if (factor == 1) {
                return box;
            }
            double sx = (double) image.width() / frameWidth;
            double sy = (double) image.height() / frameHeight;
            int x1 = (int) Math.floor(box.x1() * sx);
            int y1 = (int) Math.floor(box.y1() * sy);
            int x2 = Math.min(image.width(), Math.max(x1 + 1, (int) Math.ceil(box.x2() * sx)));
            int y2 = Math.min(image.height(), Math.max(y1 + 1, (int) Math.ceil(box.y2() * sy)));
            return new FaceBox(x1, y1, x2, y2);
        }

        /**
         * {@code box} (this picture's pixels) in frame pixels: scaled up, kept inside the frame;
         * the inverse of {@link #scale} to within {@code factor} pixels.
         */
        public FaceBox toFrame(FaceBox box) {
            if (factor == 1) {
                return box;
            }
            double sx = (double) frameWidth / image.width();
            double sy = (double) frameHeight / image.height();
            int x1 = (int) Math.round(box.x1() * sx);
            int y1 = (int) Math.round(box.y1() * sy);
            int x2 = Math.min(frameWidth, Math.max(x1 + 1, (int) Math.round(box.x2() * sx)));
            int y2 = Math.min(frameHeight, Math.max(y1 + 1, (int) Math.round(box.y2() * sy)));
            return new FaceBox(x1, y1, x2, y2);
        }
    }

    /**
     * As {@link #decode}, with the same checks, but a JPEG decodes at {@code 1/factor} of its size
     * (1, 2, 4 or {@link #MAX_REDUCTION}) through libjpeg's DCT scaling, which skips most of the
     * inverse transform and colour conversion of the pixels it drops; PNG and BGR24 decode at full
     * size (factor 1). The entropy-coded data is read whole, so corrupt data is still found.
     *
     * @throws ImageDecodeException if any check fails or the bytes do not decode
     * @throws IllegalArgumentException if {@code factor} is not 1, 2, 4 or 8
     */
    public static Reduced decodeReduced(
            ImageCodec codec,
            byte[] data,
            int declaredWidth,
            int declaredHeight,
            FrameLimits limits,
            int factor) {
        int flags =
                switch (factor) {
                    case 1 -> DECODE_FLAGS;
                    case 2 -> IMREAD_REDUCED_COLOR_2 | IMREAD_IGNORE_ORIENTATION;
                    case 4 -> IMREAD_REDUCED_COLOR_4 | IMREAD_IGNORE_ORIENTATION;
                    case MAX_REDUCTION -> IMREAD_REDUCED_COLOR_8 | IMREAD_IGNORE_ORIENTATION;
                    default ->
                            throw new IllegalArgumentException(
                                    "factor: expected 1, 2, 4 or 8, got " + factor);
                };
        if (codec != ImageCodec.JPEG || factor == 1) {
            return new Reduced(
                    decode(codec, data, declaredWidth, declaredHeight, limits),
                    1,
                    declaredWidth,
                    declaredHeight);
        }
        checkEncoded(codec, data, declaredWidth, declaredHeight, limits);
        // libjpeg scales to ceil(size / factor).
        int width = (declaredWidth + factor - 1) / factor;
        int height = (declaredHeight + factor - 1) / factor;
        try (Mat decoded = decodeMat(codec, data, width, height, flags)) {
            return new Reduced(
                    new BgrImage(width, height, Mats.bytes(decoded)),
                    factor,
                    declaredWidth,
                    declaredHeight);
        }
    }

    /** Encodes with OpenCV's JPEG writer at {@code quality} (0..100). */
    public static byte[] encodeJpeg(BgrImage image, int quality) {
        if (quality < MIN_JPEG_QUALITY || quality > MAX_JPEG_QUALITY) {
            throw new IllegalArgumentException("JPEG quality must be in 0..100, found " + quality);
        }
        try (Mat mat = Mats.of(image);
                BytePointer out = new BytePointer();
                IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, quality)) {
            if (!imencode(".jpg", mat, out, params)) {
                throw new IllegalStateException("OpenCV could not encode " + image + " as JPEG");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** The checks every decode makes before touching the bytes: declared size, presence, length. */
    private static void checkBytes(
            ImageCodec codec,
            byte[] data,
            int declaredWidth,
            int declaredHeight,
            FrameLimits limits) {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(limits, "limits");
        checkDeclared(declaredWidth, declaredHeight, limits);
        if (data == null || data.length == 0) {
            throw new ImageDecodeException("expected " + codec + " image bytes, found none");
        }
        if (data.length > limits.maxBytes()) {
            throw new ImageDecodeException(
                    "expected at most " + limits.maxBytes() + " image bytes, found " + data.length);
        }
    }

    private static void checkDeclared(int width, int height, FrameLimits limits) {
        if (width <= 0 || height <= 0 || width > limits.maxWidth() || height > limits.maxHeight()) {
            throw new ImageDecodeException(
                    "expected a declared size within 1x1.."
                            + limits.maxWidth()
                            + "x"
                            + limits.maxHeight()
                            + ", found "
                            + width
                            + "x"
                            + height);
        }
    }

    private static void checkHeader(ImageCodec codec, long[] size, int width, int height) {
        if (size[0] != width || size[1] != height) {
            throw new ImageDecodeException(
                    "expected a "
                            + width
                            + "x"
                            + height
                            + " "
                            + codec
                            + " as declared, found "
                            + size[0]
                            + "x"
                            + size[1]
                            + " in its header");
        }
    }

    private static BgrImage decodeWithOpenCv(ImageCodec codec, byte[] data, int width, int height) {
        try (Mat decoded = decodeMat(codec, data, width, height, DECODE_FLAGS)) {
            return new BgrImage(width, height, Mats.bytes(decoded));
        }
    }

    /** Decodes with OpenCV and checks the size; the caller closes the picture. */
    private static Mat decodeMat(ImageCodec codec, byte[] data, int width, int height, int flags) {
        Mat decoded = null;
        try (Mat encoded = new Mat(1, data.length, CV_8UC1)) {
            encoded.data().put(data);
            decoded = imdecode(encoded, flags);
            if (decoded == null || decoded.empty()) {
                throw new ImageDecodeException(
                        "expected a decodable "
                                + codec
                                + ", found corrupt data: "
                                + ImageHeaders.preview(data));
            }
            if (decoded.cols() != width || decoded.rows() != height) {
                throw new ImageDecodeException(
                        "expected a "
                                + width
                                + "x"
                                + height
                                + " "
                                + codec
                                + ", decoded "
                                + decoded.cols()
                                + "x"
                                + decoded.rows());
            }
            Mat result = decoded;
            decoded = null;
            return result;
        } catch (RuntimeException e) {
            if (e instanceof ImageDecodeException) {
                throw e;
            }
            throw new ImageDecodeException(
                    "expected a decodable " + codec + ", OpenCV failed: " + e.getMessage(), e);
        } finally {
            if (decoded != null) {
                decoded.close();
            }
        }
    }
}
