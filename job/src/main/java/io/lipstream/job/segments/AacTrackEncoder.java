package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;

import io.lipstream.connectors.media.FfmpegStatus;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One segment's AAC-LC track, 16 kHz mono, with FFmpeg's native encoder, on a stream-wide grid of
 * AAC frames so that consecutive segments play seamlessly.
 *
 * <p>AAC frame {@code j} covers stream samples {@code [j * 1024, (j + 1) * 1024)}; a segment whose
 * video spans samples {@code [S, E)} carries the frames whose start lies within half a frame before
 * that range, {@code [S - 512, E - 512)} (at least one). Its audio track therefore starts and ends
 * within 32 ms of its video (less than a frame at up to 30 fps), and the segments of a stream
 * together carry every frame once, gap-free.
 *
 * <p>Why a grid: a decoder builds each frame's output by overlap-adding it with the frame before.
 * When each segment encoded exactly its own range, the frame before a segment's first one came from
 * another grid (or was the dropped priming frame), and the first 64 ms of every segment decoded
 * with MDCT aliasing: about 2 dB SNR on a tone mix against 23 dB elsewhere, heard as a dip every
 * segment. On the grid, the previous segment's last frame is the right neighbour, provided each
 * frame is encoded from its true surroundings: the encoder is fed {@link #PRE_ROLL_FRAMES} frames
 * before the segment's first one and {@link #POST_ROLL_FRAMES} after its last, and only the
 * segment's own packets are kept. The caller passes that audio ({@link #CONTEXT_BEFORE} samples
 * before the segment's first sample and {@link #CONTEXT_AFTER} after its last).
 */
final class AacTrackEncoder implements AutoCloseable {
    private static final String ENCODER = "aac";
    private static final int MONO = 1;

    /** Samples per AAC-LC frame. */
    static final int FRAME_SAMPLES = 1024;

    /**
     * Frames fed before a segment's first grid frame. Measured on a tone mix: with 1, the first
     * frame after each boundary dipped to 6 dB SNR (the encoder's state was not yet the one the
     * previous segment's encoder had); with 2 or more, boundaries read 25 to 45 dB like the rest.
     */
    static final int PRE_ROLL_FRAMES = 2;

    /**
     * Frames fed after a segment's last grid frame: that frame's transform window reaches into the
     * next one (with 0, the boundary fell to 0 dB).
     */
    static final int POST_ROLL_FRAMES = 1;

    /**
     * Audio before a segment's first sample that its encoder needs: the first grid frame starts up
     * to half a frame earlier, and {@link #PRE_ROLL_FRAMES} frames before it are fed.
     */
    static final int CONTEXT_BEFORE = PRE_ROLL_FRAMES * FRAME_SAMPLES + FRAME_SAMPLES / 2;

    /**
     * Audio after a segment's last sample that its encoder needs: its last grid frame ends up to
     * half a frame later, and {@link #POST_ROLL_FRAMES} frames after it are fed.
     */
    static final int CONTEXT_AFTER = POST_ROLL_FRAMES * FRAME_SAMPLES + FRAME_SAMPLES / 2;

    private AVCodecContext context;
    private AVFrame frame;
    private AVPacket packet;

    AacTrackEncoder(int bitrate, boolean globalHeader) throws SegmentEncodingException {
        AVCodec codec = avcodec_find_encoder_by_name(ENCODER);
        if (codec == null || codec.isNull()) {
            throw new SegmentEncodingException(
                    "audio encoder: expected FFmpeg's native aac encoder, not found");
        }
        try {
            context = avcodec_alloc_context3(codec);
            context.sample_fmt(AV_SAMPLE_FMT_FLTP);
            context.sample_rate(SegmentClock.AUDIO_SAMPLE_RATE);
            av_channel_layout_default(context.ch_layout(), MONO);
            context.bit_rate(bitrate);
            context.time_base(av_make_q(1, SegmentClock.AUDIO_SAMPLE_RATE));
            if (globalHeader) {
                context.flags(context.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
            }
            FfmpegStatus.check(
                    avcodec_open2(context, codec, (AVDictionary) null),
                    "avcodec_open2(aac)",
                    SegmentEncodingException::new);
            if (context.frame_size() != FRAME_SAMPLES) {
                throw new SegmentEncodingException(
                        "audio encoder: expected AAC-LC frames of "
                                + FRAME_SAMPLES
                                + " samples, got "
                                + context.frame_size());
            }
            frame = av_frame_alloc();
            frame.format(AV_SAMPLE_FMT_FLTP);
            frame.sample_rate(SegmentClock.AUDIO_SAMPLE_RATE);
            frame.nb_samples(context.frame_size());
            FfmpegStatus.check(
                    av_channel_layout_copy(frame.ch_layout(), context.ch_layout()),
                    "av_channel_layout_copy",
                    SegmentEncodingException::new);
            FfmpegStatus.check(
                    av_frame_get_buffer(frame, 0),
                    "av_frame_get_buffer(audio)",
                    SegmentEncodingException::new);
            packet = av_packet_alloc();
        } catch (SegmentEncodingException | RuntimeException e) {
            close();
            throw e;
        }
    }

    AVCodecContext context() {
        return context;
    }

    AVRational timeBase() {
        return context.time_base();
    }

    /**
     * Start of the first grid frame at or after {@code sample - 512}: the grid point nearest to
     * {@code sample}, halves rounded up.
     */
    static long nearestGrid(long sample) {
        return Math.floorDiv(sample + FRAME_SAMPLES / 2, FRAME_SAMPLES) * FRAME_SAMPLES;
    }

    /**
     * Encodes the grid frames of the segment whose video spans stream samples {@code [segmentStart,
     * segmentEnd)} and passes on their packets, in order. {@code samples} start at stream sample
     * {@code samplesStart} and should cover {@link #CONTEXT_BEFORE} before the segment and {@link
     * #CONTEXT_AFTER} after it; what they do not cover is silence.
     */
    void encode(
            float[] samples, long samplesStart, long segmentStart, long segmentEnd, PacketSink sink)
            throws SegmentEncodingException {
        long first = nearestGrid(segmentStart);
        long end = Math.max(first + FRAME_SAMPLES, nearestGrid(segmentEnd));
        PacketSink owned =
                p -> {
                    if (p.pts() >= first && p.pts() < end) {
                        sink.accept(p);
                    } else {
                        av_packet_unref(p);
                    }
                };
        float[] chunk = new float[FRAME_SAMPLES];
        for (long t = first - PRE_ROLL_FRAMES * FRAME_SAMPLES;
                t < end + POST_ROLL_FRAMES * FRAME_SAMPLES;
                t += FRAME_SAMPLES) {
            Arrays.fill(chunk, 0f);
            long from = Math.max(t, samplesStart);
            long to = Math.min(t + FRAME_SAMPLES, samplesStart + samples.length);
            if (to > from) {
                System.arraycopy(
                        samples,
                        (int) (from - samplesStart),
                        chunk,
                        (int) (from - t),
                        (int) (to - from));
            }
            FfmpegStatus.check(
                    av_frame_make_writable(frame),
                    "av_frame_make_writable(audio)",
                    SegmentEncodingException::new);
            // A view of the frame's own buffer (owned by the AVFrame, nothing to free).
            new FloatPointer(frame.data(0)).put(chunk, 0, FRAME_SAMPLES);
            frame.pts(t);
            FfmpegStatus.check(
                    avcodec_send_frame(context, frame),
                    "avcodec_send_frame(audio)",
                    SegmentEncodingException::new);
            drain(owned);
        }
        FfmpegStatus.check(
                avcodec_send_frame(context, null),
                "avcodec_send_frame(audio, flush)",
                SegmentEncodingException::new);
        drain(owned);
    }

    private void drain(PacketSink sink) throws SegmentEncodingException {
        while (true) {
            int ret = avcodec_receive_packet(context, packet);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            FfmpegStatus.check(ret, "avcodec_receive_packet(audio)", SegmentEncodingException::new);
            sink.accept(packet);
        }
    }

    @Override
    public void close() {
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (context != null) {
            avcodec_free_context(context);
            context = null;
        }
    }
}
