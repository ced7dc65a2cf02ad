package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.avformat.AVFormatContext.AVFMT_AVOID_NEG_TS_MAKE_NON_NEGATIVE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close_dyn_buf;
import static org.bytedeco.ffmpeg.global.avformat.avio_open_dyn_buf;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_free;

import io.lipstream.connectors.media.FfmpegStatus;
import io.lipstream.schema.Container;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;

/**
 * Muxes encoded packets into memory (FFmpeg's dynamic buffer, no callbacks), as MPEG-TS or as
 * fragmented MP4 ({@code frag_keyframe+empty_moov+default_base_moof}: init segment and one
 * fragment, playable without seeking back). Packets may arrive stream by stream: the interleaver
 * waits for every stream before writing, so the output is interleaved by time.
 */
final class MemoryMuxer implements AutoCloseable {
    /** fMP4 as HLS and DASH expect it (movenc's flags). */
    private static final String FRAGMENTED_MP4_FLAGS =
            "frag_keyframe+empty_moov+default_base_moof+frag_discont";

    private AVFormatContext format;
    private AVIOContext buffer;

    MemoryMuxer(Container container) throws SegmentEncodingException {
        format = new AVFormatContext(null);
        FfmpegStatus.check(
                avformat_alloc_output_context2(format, null, formatName(container), null),
                "avformat_alloc_output_context2(" + formatName(container) + ")",
                SegmentEncodingException::new);
        buffer = new AVIOContext(null);
        try {
            FfmpegStatus.check(
                    avio_open_dyn_buf(buffer), "avio_open_dyn_buf", SegmentEncodingException::new);
        } catch (SegmentEncodingException e) {
            buffer = null;
            close();
            throw e;
        }
        format.pb(buffer);
        // 0: buffer without limit until every stream has a packet, whatever the time gap.
        format.max_interleave_delta(0);
        // Keep timestamps absolute (they are never negative): MP4 would otherwise shift to zero.
        format.avoid_negative_ts(AVFMT_AVOID_NEG_TS_MAKE_NON_NEGATIVE);
    }

    private static String formatName(Container container) {
        return container == Container.FMP4 ? "mp4" : "mpegts";
    }

    /** Whether encoders must put their headers in extradata (MP4) rather than in-band. */
    boolean needsGlobalHeader() {
        return (format.oformat().flags() & AVFMT_GLOBALHEADER) != 0;
    }

    /** Adds a stream carrying what {@code encoder} produces. */
    AVStream addStream(AVCodecContext encoder) throws SegmentEncodingException {
        AVStream stream = avformat_new_stream(format, null);
        if (stream == null || stream.isNull()) {
            throw new SegmentEncodingException("avformat_new_stream: expected a stream, got none");
        }
        FfmpegStatus.check(
                avcodec_parameters_from_context(stream.codecpar(), encoder),
                "avcodec_parameters_from_context",
                SegmentEncodingException::new);
        stream.time_base(encoder.time_base());
        if (encoder.framerate().num() > 0) {
            stream.avg_frame_rate(encoder.framerate());
            stream.r_frame_rate(encoder.framerate());
        }
        return stream;
    }

    void writeHeader(Container container) throws SegmentEncodingException {
        AVDictionary options = new AVDictionary(null);
        try {
            if (container == Container.FMP4) {
                av_dict_set(options, "movflags", FRAGMENTED_MP4_FLAGS, 0);
            }
            FfmpegStatus.check(
                    avformat_write_header(format, options),
                    "avformat_write_header",
                    SegmentEncodingException::new);
        } finally {
            av_dict_free(options);
        }
    }

    /** Writes a packet whose timestamps are in {@code encoderTimeBase}; takes its reference. */
    void write(AVPacket packet, AVRational encoderTimeBase, AVStream stream)
            throws SegmentEncodingException {
        packet.stream_index(stream.index());
        av_packet_rescale_ts(packet, encoderTimeBase, stream.time_base());
        FfmpegStatus.check(
                av_interleaved_write_frame(format, packet),
                "av_interleaved_write_frame",
                SegmentEncodingException::new);
    }

    /** Writes the trailer and returns everything written. */
    byte[] finish() throws SegmentEncodingException {
        FfmpegStatus.check(
                av_write_trailer(format), "av_write_trailer", SegmentEncodingException::new);
        return closeBuffer();
    }

    private byte[] closeBuffer() {
        BytePointer data = new BytePointer((BytePointer) null);
        int size = avio_close_dyn_buf(buffer, data);
        buffer = null;
        format.pb(null);
        byte[] bytes = new byte[Math.max(size, 0)];
        if (size > 0) {
            data.get(bytes, 0, size);
        }
        av_free(data);
        return bytes;
    }

    @Override
    public void close() {
        if (format == null) {
            return;
        }
        if (buffer != null) {
            closeBuffer();
        }
        avformat_free_context(format);
        format = null;
    }
}
