package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avcodec.AV_EF_EXPLODE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_from_data;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV411P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV440P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV444P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ411P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ440P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ444P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set_int;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_alloc_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_init_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.lipstream.connectors.media.FfmpegStatus;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.schema.ImageCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.ffmpeg.swscale.SwsFilter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes a frame's image into a picture the H.264 encoder takes as it is: 4:2:0 YUV, BT.601
 * limited range ({@code AV_PIX_FMT_YUV420P}). A JPEG, what ingest writes, goes through FFmpeg's
 * MJPEG decoder, which yields the JPEG's own YCbCr planes, so no BGR picture is made and converted
 * back (at 1920x1080, decoding alone in a loop, 6.7 ms against 12.6 for OpenCV's BGR decode plus
 * the conversion to YUV; about 4 ms less per frame of a segment, interleaved with the encoder); PNG
 * and BGR24 go through OpenCV and one conversion. Every image passes {@link
 * FrameImages#checkEncoded}'s checks first, and a JPEG that FFmpeg finds damaged is refused rather
 * than shown half-decoded.
 *
 * <p>Not thread-safe: one per thread. Close it to free its native decoder and converter.
 */
public final class PictureDecoder implements AutoCloseable {
    private final FrameLimits limits;
    private AVCodecContext jpeg;
    private AVPacket packet;
    private AVFrame decoded;
    private SwsContext converter;
    private int converterFormat;
    private int converterWidth;
    private int converterHeight;
    private PointerPointer<?> bgrPlanes;
    private IntPointer bgrStrides;

    public PictureDecoder(FrameLimits limits) {
        this.limits = limits;
        packet = av_packet_alloc();
        decoded = av_frame_alloc();
        bgrPlanes = new PointerPointer<>(1);
        bgrStrides = new IntPointer(1);
    }

    /**
     * A new, empty picture of the encoder's format for frames of {@code width x height}; the caller
     * frees it ({@code av_frame_free}).
     */
    public static AVFrame allocate(int width, int height) throws SegmentEncodingException {
        AVFrame picture = av_frame_alloc();
        picture.format(AV_PIX_FMT_YUV420P);
        picture.width(width);
        picture.height(height);
        int status = av_frame_get_buffer(picture, 0);
        if (status < 0) {
            av_frame_free(picture);
        }
        FfmpegStatus.check(
                status,
                "av_frame_get_buffer(" + width + "x" + height + ")",
                SegmentEncodingException::new);
        return picture;
    }

    /**
     * Decodes the image into {@code picture} (a picture from {@link #allocate} of the declared
     * size). On failure {@code picture} keeps what it held.
     *
     * @throws ImageDecodeException if the image fails a check or does not decode
     */
    public void decodeInto(ImageCodec codec, byte[] data, int width, int height, AVFrame picture) {
        if (picture.width() != width || picture.height() != height) {
            throw new ImageDecodeException(
                    "expected a "
                            + picture.width()
                            + "x"
                            + picture.height()
                            + " frame like the segment's first, found "
                            + width
                            + "x"
                            + height);
        }
        if (codec == ImageCodec.JPEG) {
            FrameImages.checkEncoded(codec, data, width, height, limits);
            decodeJpeg(data, width, height, picture);
        } else {
            // decodeNative makes FrameImages' checks itself.
            try (Mat bgr = FrameImages.decodeNative(codec, data, width, height, limits)) {
                bgrPlanes.put(0, bgr.data());
                bgrStrides.put(0, width * BgrImage.CHANNELS);
                convert(AV_PIX_FMT_BGR24, width, height, bgrPlanes, bgrStrides, picture);
            }
        }
    }

    private void decodeJpeg(byte[] data, int width, int height, AVFrame picture) {
        FrameImages.checkJpegScan(data);
        openJpeg();
        // The packet owns a padded copy: FFmpeg's bit readers may read past the end.
        BytePointer bytes = new BytePointer(av_malloc(data.length + PACKET_PADDING));
        bytes.capacity(data.length + PACKET_PADDING);
        bytes.put(data, 0, data.length);
        bytes.position(data.length).put(new byte[PACKET_PADDING]).position(0);
        int wrapped = av_packet_from_data(packet, bytes, data.length);
        if (wrapped < 0) {
            av_free(bytes); // the packet took no ownership
        }
        check(wrapped, "av_packet_from_data");
        try {
            check(avcodec_send_packet(jpeg, packet), "decoding the JPEG (send)");
            check(avcodec_receive_frame(jpeg, decoded), "decoding the JPEG (receive)");
            if (decoded.width() != width || decoded.height() != height) {
                throw new ImageDecodeException(
                        "expected a "
                                + width
                                + "x"
                                + height
                                + " JPEG, decoded "
                                + decoded.width()
                                + "x"
                                + decoded.height());
            }
            convert(decoded.format(), width, height, decoded.data(), decoded.linesize(), picture);
        } catch (ImageDecodeException e) {
            // A refused picture may leave the decoder mid-frame: start the next one clean.
            avcodec_flush_buffers(jpeg);
            throw e;
        } finally {
            av_frame_unref(decoded);
            av_packet_unref(packet);
        }
    }

    private void openJpeg() {
        if (jpeg != null) {
            return;
        }
        AVCodec codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
        if (codec == null || codec.isNull()) {
            throw new IllegalStateException("this FFmpeg build has no MJPEG decoder");
        }
        jpeg = avcodec_alloc_context3(codec);
        jpeg.thread_count(1);
        // Damaged entropy-coded data is an error, not a picture with grey blocks.
        jpeg.err_recognition(jpeg.err_recognition() | AV_EF_EXPLODE);
        check(avcodec_open2(jpeg, codec, (AVDictionary) null), "avcodec_open2(mjpeg)");
    }

    /** Converts any FFmpeg picture (a full-range JPEG's YCbCr, BGR24) into {@code picture}. */
    private void convert(
            int format,
            int width,
            int height,
            PointerPointer<?> planes,
            IntPointer strides,
            AVFrame picture) {
        if (converter == null
                || format != converterFormat
                || width != converterWidth
                || height != converterHeight) {
            if (converter != null) {
                sws_freeContext(converter);
                converter = null;
            }
            converter = newConverter(format, width, height);
            converterFormat = format;
            converterWidth = width;
            converterHeight = height;
        }
        check(av_frame_make_writable(picture), "av_frame_make_writable");
        sws_scale(converter, planes, strides, 0, height, picture.data(), picture.linesize());
    }

    /**
     * A converter from {@code format} to limited-range YUV 4:2:0. A JPEG format ({@code yuvj*}) is
     * given to swscale as its plain twin at full range, set before the context is made (after, a
     * same-format context would copy the samples as they are), rather than as a deprecated format
     * it warns about on every new context.
     */
    private static SwsContext newConverter(int format, int width, int height) {
        int plain = plainTwin(format);
        SwsContext context = sws_alloc_context();
        if (context == null || context.isNull()) {
            throw new IllegalStateException("sws_alloc_context: out of memory");
        }
        av_opt_set_int(context, "srcw", width, 0);
        av_opt_set_int(context, "srch", height, 0);
        av_opt_set_int(context, "src_format", plain, 0);
        av_opt_set_int(context, "src_range", plain == format ? LIMITED_RANGE : FULL_RANGE, 0);
        av_opt_set_int(context, "dstw", width, 0);
        av_opt_set_int(context, "dsth", height, 0);
        av_opt_set_int(context, "dst_format", AV_PIX_FMT_YUV420P, 0);
        av_opt_set_int(context, "dst_range", LIMITED_RANGE, 0);
        av_opt_set_int(context, "sws_flags", SWS_BICUBIC, 0);
        int status = sws_init_context(context, (SwsFilter) null, null);
        if (status < 0) {
            sws_freeContext(context);
            throw new ImageDecodeException(
                    "expected a converter from FFmpeg pixel format "
                            + format
                            + " to YUV 4:2:0, swscale returned "
                            + status
                            + " ("
                            + FfmpegStatus.text(status)
                            + ")");
        }
        return context;
    }

    /** The plain YUV format a full-range JPEG format ({@code yuvj*}) stands for, else itself. */
    private static int plainTwin(int format) {
        return switch (format) {
            case AV_PIX_FMT_YUVJ420P -> AV_PIX_FMT_YUV420P;
            case AV_PIX_FMT_YUVJ422P -> AV_PIX_FMT_YUV422P;
            case AV_PIX_FMT_YUVJ444P -> AV_PIX_FMT_YUV444P;
            case AV_PIX_FMT_YUVJ440P -> AV_PIX_FMT_YUV440P;
            case AV_PIX_FMT_YUVJ411P -> AV_PIX_FMT_YUV411P;
            default -> format;
        };
    }

    /** swscale's {@code src_range}/{@code dst_range} values. */
    private static final int LIMITED_RANGE = 0, FULL_RANGE = 1;

    private static void check(int status, String what) {
        FfmpegStatus.check(status, what, ImageDecodeException::new);
    }

    /** {@code AV_INPUT_BUFFER_PADDING_SIZE}: zeroed bytes every packet must have after its data. */
    private static final int PACKET_PADDING = 64;

    @Override
    public void close() {
        if (jpeg != null) {
            avcodec_free_context(jpeg);
            jpeg = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (decoded != null) {
            av_frame_free(decoded);
            decoded = null;
        }
        if (converter != null) {
            sws_freeContext(converter);
            converter = null;
        }
        if (bgrPlanes != null) {
            bgrPlanes.close();
            bgrStrides.close();
            bgrPlanes = null;
        }
    }
}
