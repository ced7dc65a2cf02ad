package io.lipstream.connectors.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close_dyn_buf;
import static org.bytedeco.ffmpeg.global.avformat.avio_open_dyn_buf;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.BytePointer;

/**
 * Test fixture: cuts an MP4 into MPEG-TS segments at its video key frames by copying packets (what
 * a live packager does), in memory. The bundled sample has a key frame every 2 s, so it gives six
 * segments of 50, 50, 50, 50, 50 and 41 frames. Timestamps are moved {@link #OFFSET_MICROS} later
 * so the AAC priming packet (stamped before 0) stays positive.
 */
public final class SampleTsSegments {
    /** Moves the sample's timeline so no timestamp is negative in MPEG-TS. */
    public static final long OFFSET_MICROS = 1_000_000L;

    private SampleTsSegments() {}

    /** The MPEG-TS segments of {@code mp4}, one per video key frame. */
    public static List<byte[]> cut(Path mp4) throws IOException {
        AVFormatContext input = new AVFormatContext(null);
        AVPacket packet = av_packet_alloc();
        List<byte[]> segments = new ArrayList<>();
        Segment current = null;
        try {
            FfmpegStatus.check(
                    avformat_open_input(input, mp4.toString(), null, null), "avformat_open_input");
            FfmpegStatus.check(
                    avformat_find_stream_info(input, (AVDictionary) null), "find_stream_info");
            while (av_read_frame(input, packet) != AVERROR_EOF) {
                int type = input.streams(packet.stream_index()).codecpar().codec_type();
                boolean key = (packet.flags() & AV_PKT_FLAG_KEY) != 0;
                if (type == AVMEDIA_TYPE_VIDEO && key && (current == null || current.hasVideo)) {
                    if (current != null) {
                        segments.add(current.finish());
                    }
                    current = new Segment(input);
                }
                if (current == null) {
                    av_packet_unref(packet); // audio before the first key frame
                    continue;
                }
                current.write(packet, input);
            }
            if (current != null) {
                segments.add(current.finish());
                current = null;
            }
            return segments;
        } finally {
            if (current != null) {
                current.close();
            }
            av_packet_free(packet);
            avformat_close_input(input);
        }
    }

    /** One MPEG-TS muxer writing into memory. */
    private static final class Segment {
        private AVFormatContext output = new AVFormatContext(null);
        private AVIOContext buffer = new AVIOContext(null);
        boolean hasVideo;

        Segment(AVFormatContext input) throws IOException {
            FfmpegStatus.check(
                    avformat_alloc_output_context2(output, null, "mpegts", null), "alloc mpegts");
            for (int i = 0; i < input.nb_streams(); i++) {
                var out = avformat_new_stream(output, null);
                avcodec_parameters_copy(out.codecpar(), input.streams(i).codecpar());
                out.codecpar().codec_tag(0);
                out.time_base(input.streams(i).time_base());
            }
            FfmpegStatus.check(avio_open_dyn_buf(buffer), "avio_open_dyn_buf");
            output.pb(buffer);
            FfmpegStatus.check(avformat_write_header(output, (AVDictionary) null), "write_header");
        }

        void write(AVPacket packet, AVFormatContext input) throws IOException {
            int index = packet.stream_index();
            var inBase = input.streams(index).time_base();
            long offset = av_rescale_q(OFFSET_MICROS, av_make_q(1, AV_TIME_BASE), inBase);
            packet.pts(packet.pts() + offset);
            packet.dts(packet.dts() + offset);
            av_packet_rescale_ts(packet, inBase, output.streams(index).time_base());
            packet.pos(-1);
            hasVideo |= input.streams(index).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO;
            FfmpegStatus.check(av_interleaved_write_frame(output, packet), "write_frame");
        }

        byte[] finish() throws IOException {
            FfmpegStatus.check(av_write_trailer(output), "write_trailer");
            byte[] bytes = closeBuffer();
            close();
            return bytes;
        }

        private byte[] closeBuffer() {
            BytePointer data = new BytePointer((BytePointer) null);
            int size = avio_close_dyn_buf(buffer, data);
            buffer = null;
            output.pb(null);
            byte[] bytes = new byte[Math.max(0, size)];
            if (size > 0) {
                data.get(bytes, 0, size);
            }
            av_free(data);
            return bytes;
        }

        void close() {
            if (buffer != null) {
                closeBuffer();
            }
            if (output != null) {
                avformat_free_context(output);
                output = null;
            }
        }
    }
}
