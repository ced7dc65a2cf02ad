package io.lipstream.tools.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import io.lipstream.connectors.hls.PublishedFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

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

    /**
     * Copies the packets with javacv's packet API: the recorder, started on the grabber's format
     * context, takes the input's codec parameters and rescales each packet to its stream's time
     * base. What javacv does not do is done here: the shift to time 0 and the order check.
     */
    private static void remux(Path joinedTs, Path mp4, long[] segmentEnds) throws IOException {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(joinedTs.toString())) {
            grabber.start();
            AVFormatContext input = grabber.getFormatContext();
            int[] kept = keptStreams(input);
            for (int i = 0; i < input.nb_streams(); i++) {
                // The recorder copies each stream's codec parameters, tag included, and the MP4
                // muxer refuses MPEG-TS's tags: clear them so it picks its own (avc1, mp4a).
                input.streams(i).codecpar().codec_tag(0);
            }
            if (kept[AVMEDIA_TYPE_VIDEO] < 0) {
                throw new IOException("segments: expected a video stream, found none");
            }
            try (FFmpegFrameRecorder recorder =
                    new FFmpegFrameRecorder(
                            mp4.toString(),
                            grabber.getImageWidth(),
                            grabber.getImageHeight(),
                            kept[AVMEDIA_TYPE_AUDIO] < 0 ? 0 : grabber.getAudioChannels())) {
                recorder.setFormat("mp4");
                recorder.setOption("movflags", FASTSTART);
                // The recorder times video in 1/frame rate, which cannot hold MPEG-TS's 90 kHz
                // offsets between audio and video: keep the input's clock, as a plain copy does.
                recorder.setOption(
                        "video_track_timescale",
                        Integer.toString(
                                input.streams(kept[AVMEDIA_TYPE_VIDEO]).time_base().den()));
                recorder.start(input);
                long startMicros = input.start_time() == AV_NOPTS_VALUE ? 0 : input.start_time();
                long[] lastDts = new long[input.nb_streams()];
                Arrays.fill(lastDts, Long.MIN_VALUE);
                long videoPackets = 0;
                for (AVPacket packet = grabber.grabPacket();
                        packet != null;
                        packet = grabber.grabPacket()) {
                    int index = packet.stream_index();
                    if (index != kept[AVMEDIA_TYPE_VIDEO] && index != kept[AVMEDIA_TYPE_AUDIO]) {
                        av_packet_unref(packet);
                        continue;
                    }
                    AVStream inStream = input.streams(index);
                    checkIncreasing(packet, inStream, lastDts, segmentEnds);
                    shift(packet, inStream.time_base(), startMicros);
                    if (index == kept[AVMEDIA_TYPE_VIDEO]) {
                        videoPackets++;
                    }
                    recorder.recordPacket(packet); // rescales, writes and unrefs the packet
                }
                if (videoPackets == 0) {
                    throw new IOException("segments: expected video packets, found none");
                }
                recorder.stop(); // writes the trailer, then faststart moves the index up
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("remux of joined MPEG-TS segments to " + mp4 + ": " + e, e);
        }
    }

    /**
     * The input stream that becomes the MP4's video, and the audio one, by media type (-1 where
     * none): the last of each type, as {@link FFmpegFrameRecorder#start(AVFormatContext)} takes
     * them. Other streams are left out.
     */
    private static int[] keptStreams(AVFormatContext input) {
        int[] kept = new int[Math.max(AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO) + 1];
        Arrays.fill(kept, -1);
        for (int i = 0; i < input.nb_streams(); i++) {
            int type = input.streams(i).codecpar().codec_type();
            if (type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_AUDIO) {
                kept[type] = i;
            }
        }
        return kept;
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
