package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_PRI_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_TRC_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_find;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.lipstream.connectors.media.FfmpegStatus;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVOption;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One segment's H.264 encoder: BGR24 frames or YUV 4:2:0 pictures in, packets out, one key frame
 * (IDR) at the start and no B-frames, so packets come out in presentation order with {@code dts ==
 * pts}. Timestamps are frame indices in the time base {@code fpsDen/fpsNum}.
 */
final class VideoTrackEncoder implements AutoCloseable {
    /** BGR24: three bytes per pixel. */
    static final int BGR_BYTES_PER_PIXEL = 3;

    private final String encoderName;
    private final int width;
    private final int height;
    private AVCodecContext context;
    private SwsContext scaler;
    private AVFrame picture;
    private AVPacket packet;
    private BytePointer bgr;
    private PointerPointer<?> bgrPlanes;
    private IntPointer bgrStrides;
    private boolean keyFrameSent;

    /**
     * Opens {@code encoderName} for frames of {@code width x height} at {@code fpsNum/fpsDen},
     * {@code frameCount} frames in the segment.
     */
    VideoTrackEncoder(
            String encoderName,
            int width,
            int height,
            int fpsNum,
            int fpsDen,
            int frameCount,
            EncoderSettings settings,
            boolean globalHeader)
            throws SegmentEncodingException {
        this.encoderName = encoderName;
        this.width = width;
        this.height = height;
        AVCodec codec = avcodec_find_encoder_by_name(encoderName);
        if (codec == null || codec.isNull()) {
            throw new SegmentEncodingException(
                    "video encoder: expected " + encoderName + " in this FFmpeg build, not found");
        }
        AVDictionary options = new AVDictionary(null);
        try {
            context = avcodec_alloc_context3(codec);
            context.width(width);
            context.height(height);
            context.pix_fmt(AV_PIX_FMT_YUV420P);
            context.time_base(av_make_q(fpsDen, fpsNum));
            context.framerate(av_make_q(fpsNum, fpsDen));
            // One key frame per segment, at its start; no B-frames so dts == pts and every
            // segment starts decoding at its first packet.
            context.gop_size(frameCount);
            context.max_b_frames(0);
            context.thread_count(settings.threads());
            context.bit_rate(bitrate(encoderName, settings, width, height, fpsNum, fpsDen));
            // swscale converts BGR to limited-range BT.601 YUV by default: say so in the stream.
            context.color_range(AVCOL_RANGE_MPEG);
            context.colorspace(AVCOL_SPC_SMPTE170M);
            context.color_primaries(AVCOL_PRI_SMPTE170M);
            context.color_trc(AVCOL_TRC_SMPTE170M);
            if (globalHeader) {
                context.flags(context.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
            }
            String preset = settings.presetFor(encoderName).orElse(null);
            if (preset != null && hasOption(context, "preset")) {
                av_dict_set(options, "preset", preset, 0);
            }
            if (hasOption(context, "forced-idr")) {
                // libx264, NVENC: a forced I frame must be an IDR so the segment decodes alone.
                av_dict_set(options, "forced-idr", "1", 0);
            }
            FfmpegStatus.check(
                    avcodec_open2(context, codec, options),
                    "avcodec_open2(" + encoderName + ")",
                    SegmentEncodingException::new);

            picture = av_frame_alloc();
            picture.format(AV_PIX_FMT_YUV420P);
            picture.width(width);
            picture.height(height);
            FfmpegStatus.check(
                    av_frame_get_buffer(picture, 0),
                    "av_frame_get_buffer(video)",
                    SegmentEncodingException::new);
            scaler =
                    sws_getContext(
                            width,
                            height,
                            AV_PIX_FMT_BGR24,
                            width,
                            height,
                            AV_PIX_FMT_YUV420P,
                            SWS_BICUBIC,
                            null,
                            null,
                            (double[]) null);
            if (scaler == null || scaler.isNull()) {
                throw new SegmentEncodingException(
                        "sws_getContext: expected a BGR24 to YUV420P converter for "
                                + width
                                + "x"
                                + height
                                + ", got none");
            }
            bgr = new BytePointer((long) width * height * BGR_BYTES_PER_PIXEL);
            bgrPlanes = new PointerPointer<>(1).put(0, bgr);
            bgrStrides = new IntPointer(1).put(0, width * BGR_BYTES_PER_PIXEL);
            packet = av_packet_alloc();
        } catch (SegmentEncodingException | RuntimeException e) {
            close();
            throw e;
        } finally {
            av_dict_free(options);
        }
    }

    String encoderName() {
        return encoderName;
    }

    AVCodecContext context() {
        return context;
    }

    AVRational timeBase() {
        return context.time_base();
    }

    /** Encodes one BGR24 frame presented at {@code pts} (a frame index). */
    void encode(byte[] bgrFrame, long pts, PacketSink sink) throws SegmentEncodingException {
        bgr.position(0).put(bgrFrame, 0, bgrFrame.length);
        bgrPlanes.put(0, bgr);
        bgrStrides.put(0, width * BGR_BYTES_PER_PIXEL);
        encodePlanes(pts, sink);
    }

    /**
     * Encodes one picture presented at {@code pts}: a 4:2:0 YUV picture of the encoder's size
     * (BT.601 limited range, as {@link PictureDecoder} makes them), sent as it is. The encoder may
     * hold a reference to its buffers: make it writable ({@code av_frame_make_writable}) before
     * drawing into it again.
     */
    void encode(AVFrame yuv, long pts, PacketSink sink) throws SegmentEncodingException {
        if (yuv.format() != AV_PIX_FMT_YUV420P || yuv.width() != width || yuv.height() != height) {
            throw new SegmentEncodingException(
                    "frame "
                            + pts
                            + ": expected a "
                            + width
                            + "x"
                            + height
                            + " YUV420P picture, got "
                            + yuv.width()
                            + "x"
                            + yuv.height()
                            + " of FFmpeg pixel format "
                            + yuv.format());
        }
        send(yuv, pts, sink);
    }

    private void encodePlanes(long pts, PacketSink sink) throws SegmentEncodingException {
        FfmpegStatus.check(
                av_frame_make_writable(picture),
                "av_frame_make_writable(video)",
                SegmentEncodingException::new);
        sws_scale(scaler, bgrPlanes, bgrStrides, 0, height, picture.data(), picture.linesize());
        send(picture, pts, sink);
    }

    private void send(AVFrame yuv, long pts, PacketSink sink) throws SegmentEncodingException {
        yuv.pts(pts);
        yuv.pict_type(keyFrameSent ? AV_PICTURE_TYPE_NONE : AV_PICTURE_TYPE_I);
        keyFrameSent = true;
        FfmpegStatus.check(
                avcodec_send_frame(context, yuv),
                "avcodec_send_frame(video)",
                SegmentEncodingException::new);
        drain(sink);
    }

    /** Sends the frames the encoder still holds. */
    void flush(PacketSink sink) throws SegmentEncodingException {
        FfmpegStatus.check(
                avcodec_send_frame(context, null),
                "avcodec_send_frame(video, flush)",
                SegmentEncodingException::new);
        drain(sink);
    }

    private void drain(PacketSink sink) throws SegmentEncodingException {
        while (true) {
            int ret = avcodec_receive_packet(context, packet);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            FfmpegStatus.check(ret, "avcodec_receive_packet(video)", SegmentEncodingException::new);
            sink.accept(packet);
        }
    }

    /** Whether the encoder has a private option {@code name}. */
    private static boolean hasOption(AVCodecContext context, String name) {
        AVOption option = av_opt_find(context.priv_data(), name, null, 0, 0);
        return option != null && !option.isNull();
    }

    private static long bitrate(
            String encoderName,
            EncoderSettings settings,
            int width,
            int height,
            int fpsNum,
            int fpsDen) {
        if (settings.videoBitrate() > 0) {
            return settings.videoBitrate();
        }
        if (H264Encoders.OPENH264.equals(encoderName)) {
            double pixelsPerSecond = (double) width * height * fpsNum / fpsDen;
            return Math.round(pixelsPerSecond * EncoderSettings.OPENH264_BITS_PER_PIXEL);
        }
        return 0; // libx264: CRF 23; NVENC: its own default rate control
    }

    @Override
    public void close() {
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (picture != null) {
            av_frame_free(picture);
            picture = null;
        }
        if (scaler != null) {
            sws_freeContext(scaler);
            scaler = null;
        }
        if (context != null) {
            avcodec_free_context(context);
            context = null;
        }
        if (bgrPlanes != null) {
            bgrPlanes.close();
            bgrStrides.close();
            bgr.close();
            bgrPlanes = null;
        }
    }
}
