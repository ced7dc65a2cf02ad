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

import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One segment's AAC-LC track, 16 kHz mono, with FFmpeg's native encoder, cut to the segment.
 *
 * <p>The AAC encoder primes: its first packet is stamped one frame (1024 samples, 64 ms at 16 kHz)
 * before the first input sample and decodes to silence. Kept, every segment's audio would start 64
 * ms before its video (more than a frame at 25 fps) and overlap the previous segment. So packets
 * are kept by where they sit on the stream clock: only those starting at or after the segment's
 * first sample, and the last one only when at least half of it lies inside the segment. The track
 * then starts exactly with the video and its length is the segment's rounded to whole AAC frames
 * (within half a frame, 32 ms). Samples are stamped with their true stream time, so audio stays in
 * sync with the video.
 *
 * <p>The cost: the first kept packet is decoded without the overlap-add of the dropped priming
 * packet, so the first 64 ms of a segment decode with MDCT aliasing (on a tone mix: about 2 dB SNR
 * there against 23 dB elsewhere), and a range that is not a whole number of AAC frames leaves a gap
 * or overlap of up to 32 ms at the end. Seamless boundaries need audio context beyond the segment
 * range (1024 samples past the end, on a stream-wide 1024-sample grid) or one encoder per stream
 * that outlives segments.
 */
final class AacTrackEncoder implements AutoCloseable {
    private static final String ENCODER = "aac";
    private static final int MONO = 1;

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
                    avcodec_open2(context, codec, (AVDictionary) null), "avcodec_open2(aac)");
            frame = av_frame_alloc();
            frame.format(AV_SAMPLE_FMT_FLTP);
            frame.sample_rate(SegmentClock.AUDIO_SAMPLE_RATE);
            frame.nb_samples(context.frame_size());
            FfmpegStatus.check(
                    av_channel_layout_copy(frame.ch_layout(), context.ch_layout()),
                    "av_channel_layout_copy");
            FfmpegStatus.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer(audio)");
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

    /** Samples per AAC frame (1024 for AAC-LC). */
    int frameSize() {
        return context.frame_size();
    }

    /**
     * Encodes {@code samples} (exactly the segment's range, already padded) starting at stream
     * sample {@code startSample}, and passes on the packets that belong to the segment.
     */
    void encode(float[] samples, long startSample, PacketSink sink)
            throws SegmentEncodingException {
        int frameSize = frameSize();
        long lastKeptStart = lastKeptPacketStart(startSample, samples.length, frameSize);
        PacketSink inRange =
                p -> {
                    if (p.pts() >= startSample && p.pts() <= lastKeptStart) {
                        sink.accept(p);
                    } else {
                        av_packet_unref(p);
                    }
                };
        float[] chunk = new float[frameSize];
        for (int offset = 0; offset < samples.length; offset += frameSize) {
            int n = Math.min(frameSize, samples.length - offset);
            System.arraycopy(samples, offset, chunk, 0, n);
            Arrays.fill(chunk, n, frameSize, 0f); // the last frame is padded with silence
            FfmpegStatus.check(av_frame_make_writable(frame), "av_frame_make_writable(audio)");
            // A view of the frame's own buffer (owned by the AVFrame, nothing to free).
            new FloatPointer(frame.data(0)).put(chunk, 0, frameSize);
            frame.pts(startSample + offset);
            FfmpegStatus.check(avcodec_send_frame(context, frame), "avcodec_send_frame(audio)");
            drain(inRange);
        }
        FfmpegStatus.check(avcodec_send_frame(context, null), "avcodec_send_frame(audio, flush)");
        drain(inRange);
    }

    /**
     * The latest packet start to keep: a packet covering [p, p + frameSize) is kept when at least
     * half of it lies before the segment end; the first packet is always kept.
     */
    static long lastKeptPacketStart(long startSample, int sampleCount, int frameSize) {
        return Math.max(startSample, startSample + sampleCount - frameSize / 2);
    }

    private void drain(PacketSink sink) throws SegmentEncodingException {
        while (true) {
            int ret = avcodec_receive_packet(context, packet);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            FfmpegStatus.check(ret, "avcodec_receive_packet(audio)");
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
