package io.lipstream.tools.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_NOFILE;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
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
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import io.lipstream.connectors.hls.PublishedFiles;
import io.lipstream.connectors.media.FfmpegStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Joins MPEG-TS segments, in order, into one MP4 file without re-encoding: packets are copied
 * (FFmpeg adds {@code aac_adtstoasc} itself) and the index is moved to the front ({@code
 * faststart}), so the file plays while it downloads.
 *
 * <p>The segments must continue each other (one stream cut into pieces, like {@code
 * SegmentEncoder}'s): every stream's timestamps must increase from packet to packet, or the join
 * fails with an {@link IOException} naming the segment. The MP4 starts at time 0: the earliest
 * timestamp of the first segment is subtracted from all, keeping audio and video where they were
 * relative to each other. Only the video and audio streams are kept.
 */
public final class SegmentRemuxer {
    /** movenc flag that rewrites the file with the moov box before the media data. */
    private static final String FASTSTART = "faststart";

    private static final AVRational MICROSECONDS = av_make_q(1, AV_TIME_BASE);

    private SegmentRemuxer() {}

    /**
     * Writes {@code orderedTsSegments} joined as an MP4 at {@code out} (replaced if present;
     * written beside it first, then renamed).
     *
     * @throws IllegalArgumentException when the list is empty
     * @throws IOException when the segments cannot be read or joined, or the file not written
     */
    public static void toMp4(List<byte[]> orderedTsSegments, Path out) throws IOException {
        if (orderedTsSegments.isEmpty()) {
            throw new IllegalArgumentException(
                    "orderedTsSegments: expected at least one, got none");
        }
        Path folder = out.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path joinedTs = Files.createTempFile(folder, ".segments-", ".ts");
        Path partialMp4 = PublishedFiles.createTemp(folder, ".remux-", ".mp4");
        try {
            long[] segmentEnds = writeConcatenated(orderedTsSegments, joinedTs);
            remux(joinedTs, partialMp4, segmentEnds);
            Files.move(
                    partialMp4,
                    out,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(joinedTs);
            Files.deleteIfExists(partialMp4);
        }
    }

    /** MPEG-TS concatenates byte-wise; returns each segment's end offset in the joined file. */
    private static long[] writeConcatenated(List<byte[]> segments, Path file) throws IOException {
        long[] ends = new long[segments.size()];
        long offset = 0;
        try (OutputStream stream = Files.newOutputStream(file)) {
            for (int i = 0; i < segments.size(); i++) {
                stream.write(segments.get(i));
                offset += segments.get(i).length;
                ends[i] = offset;
            }
        }
        return ends;
    }

    private static void remux(Path joinedTs, Path mp4, long[] segmentEnds) throws IOException {
        AVFormatContext input = new AVFormatContext(null);
        AVFormatContext output = null;
        AVPacket packet = null;
        AVDictionary options = new AVDictionary(null);
        try {
            FfmpegStatus.check(
                    avformat_open_input(input, joinedTs.toString(), null, null),
                    "avformat_open_input(joined MPEG-TS segments)");
            FfmpegStatus.check(
                    avformat_find_stream_info(input, (AVDictionary) null),
                    "avformat_find_stream_info(joined MPEG-TS segments)");

            output = new AVFormatContext(null);
            FfmpegStatus.check(
                    avformat_alloc_output_context2(output, null, "mp4", mp4.toString()),
                    "avformat_alloc_output_context2(mp4)");
            int[] outputIndex = addStreams(input, output);

            if ((output.oformat().flags() & AVFMT_NOFILE) == 0) {
                AVIOContext io = new AVIOContext(null);
                FfmpegStatus.check(
                        avio_open(io, mp4.toString(), AVIO_FLAG_WRITE), "avio_open(" + mp4 + ")");
                output.pb(io);
            }
            av_dict_set(options, "movflags", FASTSTART, 0);
            FfmpegStatus.check(
                    avformat_write_header(output, options), "avformat_write_header(mp4)");

            long startMicros = input.start_time() == AV_NOPTS_VALUE ? 0 : input.start_time();
            long[] lastDts = new long[input.nb_streams()];
            java.util.Arrays.fill(lastDts, Long.MIN_VALUE);
            long videoPackets = 0;
            packet = av_packet_alloc();
            while (true) {
                int ret = av_read_frame(input, packet);
                if (ret == AVERROR_EOF) {
                    break;
                }
                FfmpegStatus.check(ret, "av_read_frame(joined MPEG-TS segments)");
                int in = packet.stream_index();
                if (outputIndex[in] < 0) {
                    av_packet_unref(packet);
                    continue;
                }
                AVStream inStream = input.streams(in);
                checkIncreasing(packet, inStream, lastDts, segmentEnds);
                shift(packet, inStream.time_base(), startMicros);
                AVStream outStream = output.streams(outputIndex[in]);
                av_packet_rescale_ts(packet, inStream.time_base(), outStream.time_base());
                packet.stream_index(outputIndex[in]);
                packet.pos(-1);
                if (inStream.codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                    videoPackets++;
                }
                FfmpegStatus.check(
                        av_interleaved_write_frame(output, packet),
                        "av_interleaved_write_frame(mp4)");
            }
            if (videoPackets == 0) {
                throw new IOException("segments: expected video packets, found none");
            }
            FfmpegStatus.check(av_write_trailer(output), "av_write_trailer(mp4)");
        } finally {
            av_dict_free(options);
            if (packet != null) {
                av_packet_free(packet);
            }
            if (output != null) {
                if (output.pb() != null && !output.pb().isNull()) {
                    avio_closep(output.pb());
                }
                avformat_free_context(output);
            }
            avformat_close_input(input);
        }
    }

    /** Adds an output stream per input video or audio stream; -1 for streams left out. */
    private static int[] addStreams(AVFormatContext input, AVFormatContext output)
            throws IOException {
        int[] outputIndex = new int[input.nb_streams()];
        boolean video = false;
        for (int i = 0; i < input.nb_streams(); i++) {
            AVStream in = input.streams(i);
            int type = in.codecpar().codec_type();
            if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO) {
                outputIndex[i] = -1;
                continue;
            }
            video |= type == AVMEDIA_TYPE_VIDEO;
            AVStream out = avformat_new_stream(output, null);
            if (out == null || out.isNull()) {
                throw new IOException("avformat_new_stream(mp4): expected a stream, got none");
            }
            FfmpegStatus.check(
                    avcodec_parameters_copy(out.codecpar(), in.codecpar()),
                    "avcodec_parameters_copy");
            out.codecpar().codec_tag(0); // let the MP4 muxer pick its own tag (avc1, mp4a)
            out.time_base(in.time_base());
            out.avg_frame_rate(in.avg_frame_rate());
            out.r_frame_rate(in.r_frame_rate());
            outputIndex[i] = out.index();
        }
        if (!video) {
            throw new IOException("segments: expected a video stream, found none");
        }
        return outputIndex;
    }

    private static void checkIncreasing(
            AVPacket packet, AVStream stream, long[] lastDts, long[] segmentEnds)
            throws IOException {
        long dts = packet.dts() != AV_NOPTS_VALUE ? packet.dts() : packet.pts();
        if (dts == AV_NOPTS_VALUE) {
            return;
        }
        int index = packet.stream_index();
        if (dts <= lastDts[index]) {
            throw new IOException(
                    "segment "
                            + segmentAt(packet.pos(), segmentEnds)
                            + ", stream "
                            + index
                            + ": expected timestamps after "
                            + av_rescale_q(lastDts[index], stream.time_base(), MICROSECONDS)
                            + " us (the previous packet), got "
                            + av_rescale_q(dts, stream.time_base(), MICROSECONDS)
                            + " us; segments out of order or overlapping");
        }
        lastDts[index] = dts;
    }

    private static String segmentAt(long position, long[] segmentEnds) {
        if (position < 0) {
            return "?";
        }
        for (int i = 0; i < segmentEnds.length; i++) {
            if (position < segmentEnds[i]) {
                return Integer.toString(i);
            }
        }
        return Integer.toString(segmentEnds.length - 1);
    }

    private static void shift(AVPacket packet, AVRational timeBase, long startMicros) {
        long offset = av_rescale_q(startMicros, MICROSECONDS, timeBase);
        if (packet.pts() != AV_NOPTS_VALUE) {
            packet.pts(packet.pts() - offset);
        }
        if (packet.dts() != AV_NOPTS_VALUE) {
            packet.dts(packet.dts() - offset);
        }
    }
}
