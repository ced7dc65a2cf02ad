package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes segments of a stream into self-contained H.264 + AAC pieces in memory: each starts with a
 * key frame and decodes on its own, and consecutive MPEG-TS segments concatenate into one valid
 * stream with continuous timestamps.
 *
 * <p>Timestamps are absolute on the stream clock: frame {@code k} is presented at {@code k * fpsDen
 * / fpsNum} seconds, audio sample {@code s} at {@code s / 16000} seconds. Video is 4:2:0 BT.601
 * limited range, one IDR frame at the start, no B-frames; the H.264 encoder is libx264 when the
 * FFmpeg build has it, else libopenh264, or NVENC first when {@link EncoderSettings#gpu()} (falling
 * back to the CPU encoder, with a warning, where NVENC cannot open).
 *
 * <p>Audio is AAC-LC 16 kHz mono on a stream-wide grid of AAC frames ({@link AacTrackEncoder}): a
 * segment carries the frames nearest its time range, so its audio track starts and ends within 32
 * ms of its video and the segments of a stream join without a gap or an overlap. Given the audio
 * around its range ({@link SegmentInput#audio16kMono()}), consecutive segments decode as seamlessly
 * as one encoding of the whole stream.
 *
 * <p>Not thread-safe: use one instance per thread (one per Flink subtask). Every native resource
 * lives only for one {@link #encode} call.
 */
public final class SegmentEncoder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentEncoder.class);

    private final EncoderSettings settings;

    /** H.264 encoders still to try, best first; one that fails to open is dropped (NVENC). */
    private final List<String> videoEncoders;

    private boolean closed;

    public SegmentEncoder(EncoderSettings settings) {
        this.settings = settings;
        this.videoEncoders = new ArrayList<>(H264Encoders.candidates(settings.gpu()));
    }

    /** The H.264 encoder the next segment will use first, e.g. {@code libopenh264}. */
    public String videoEncoderName() {
        return videoEncoders.isEmpty() ? "none" : videoEncoders.get(0);
    }

    /**
     * A segment's pictures, handed to the encoder one at a time and in order, so that a segment
     * never holds all its decoded frames at once.
     */
    @FunctionalInterface
    public interface SegmentFrames {
        /**
         * Picture {@code k} of the segment: a YUV 4:2:0 picture of the segment's size ({@link
         * PictureDecoder}), still owned by the source; it need only stay valid until the next call,
         * and the encoder may hold a reference to its buffers (make it writable before drawing into
         * it again).
         */
        AVFrame frame(int k) throws SegmentEncodingException;
    }

    /** Encodes frame {@code k} at {@code pts}. */
    @FunctionalInterface
    private interface FrameWriter {
        void write(VideoTrackEncoder video, int k, long pts, PacketSink sink)
                throws SegmentEncodingException;
    }

    /**
     * Encodes one self-contained segment (starting with a key frame) with H.264 video and AAC audio
     * into memory.
     *
     * @throws SegmentEncodingException when the input is invalid (the message says what was
     *     expected and what was found) or FFmpeg fails
     */
    public EncodedBytes encode(SegmentInput input) throws SegmentEncodingException {
        checkOpen();
        validate(input);
        List<byte[]> frames = input.bgrFrames();
        return encode(
                input,
                frames.size(),
                (video, k, pts, sink) -> video.encode(frames.get(k), pts, sink));
    }

    /**
     * As {@link #encode(SegmentInput)}, with the segment's {@code frameCount} pictures taken from
     * {@code frames} one at a time ({@code input.bgrFrames()} is not read).
     *
     * @throws SegmentEncodingException when the input or a picture is invalid, or FFmpeg fails
     */
    public EncodedBytes encode(SegmentInput input, int frameCount, SegmentFrames frames)
            throws SegmentEncodingException {
        checkOpen();
        validateHeader(input);
        if (frameCount < 1) {
            throw new SegmentEncodingException(
                    where(input) + "expected at least one frame, got " + frameCount);
        }
        return encode(
                input,
                frameCount,
                (video, k, pts, sink) -> video.encode(frames.frame(k), pts, sink));
    }

    private EncodedBytes encode(SegmentInput input, int frameCount, FrameWriter frames)
            throws SegmentEncodingException {
        SegmentClock clock =
                new SegmentClock(
                        input.firstFrameIndex(), frameCount, input.fpsNum(), input.fpsDen());
        float[] audio = input.audio16kMono() == null ? new float[0] : input.audio16kMono();

        try (MemoryMuxer muxer = new MemoryMuxer(settings.container());
                VideoTrackEncoder video = openVideo(input, frameCount, muxer.needsGlobalHeader());
                AacTrackEncoder aac =
                        new AacTrackEncoder(settings.audioBitrate(), muxer.needsGlobalHeader())) {
            AVStream videoStream = muxer.addStream(video.context());
            AVStream audioStream = muxer.addStream(aac.context());
            muxer.writeHeader(settings.container());

            VideoPackets videoPackets = new VideoPackets(input, video, muxer, videoStream);
            for (int k = 0; k < frameCount; k++) {
                frames.write(video, k, input.firstFrameIndex() + k, videoPackets);
            }
            video.flush(videoPackets);
            videoPackets.checkCount(frameCount);

            aac.encode(
                    audio,
                    input.audioStartSample(),
                    clock.audioStartSample(),
                    clock.audioStartSample() + clock.audioSampleCount(),
                    p -> muxer.write(p, aac.timeBase(), audioStream));
            byte[] data = muxer.finish();
            String codecs =
                    videoPackets.codecs() + "," + Rfc6381Codecs.mp4a(aac.context().profile());
            return new EncodedBytes(data, codecs, clock.startMicros(), clock.durationMicros());
        }
    }

    private VideoTrackEncoder openVideo(SegmentInput input, int frameCount, boolean globalHeader)
            throws SegmentEncodingException {
        while (!videoEncoders.isEmpty()) {
            String name = videoEncoders.get(0);
            try {
                return new VideoTrackEncoder(
                        name,
                        input.width(),
                        input.height(),
                        input.fpsNum(),
                        input.fpsDen(),
                        frameCount,
                        settings,
                        globalHeader);
            } catch (SegmentEncodingException e) {
                if (videoEncoders.size() == 1) {
                    throw e;
                }
                videoEncoders.remove(0);
                LOG.warn(
                        "H.264 encoder {} cannot open here ({}); using {} from now on",
                        name,
                        e.getMessage(),
                        videoEncoders.get(0));
            }
        }
        throw new SegmentEncodingException(
                "video encoder: expected libx264, libopenh264 or h264_nvenc in this FFmpeg"
                        + " build, found none");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("SegmentEncoder is closed");
        }
    }

    private static String where(SegmentInput input) {
        return "segment " + input.segmentIndex() + " of stream " + input.streamId() + ": ";
    }

    private static void validate(SegmentInput input) throws SegmentEncodingException {
        validateHeader(input);
        String where = where(input);
        List<byte[]> frames = input.bgrFrames();
        if (frames == null || frames.isEmpty()) {
            throw new SegmentEncodingException(where + "expected at least one frame, got none");
        }
        long frameBytes =
                (long) input.width() * input.height() * VideoTrackEncoder.BGR_BYTES_PER_PIXEL;
        for (int k = 0; k < frames.size(); k++) {
            byte[] frame = frames.get(k);
            if (frame == null || frame.length != frameBytes) {
                throw new SegmentEncodingException(
                        where
                                + "frame "
                                + k
                                + ": expected "
                                + frameBytes
                                + " bytes ("
                                + input.width()
                                + "x"
                                + input.height()
                                + " BGR24), got "
                                + (frame == null ? "null" : frame.length));
            }
        }
    }

    private static void validateHeader(SegmentInput input) throws SegmentEncodingException {
        String where = where(input);
        if (input.width() <= 0
                || input.height() <= 0
                || input.width() % 2 != 0
                || input.height() % 2 != 0) {
            throw new SegmentEncodingException(
                    where
                            + "expected a positive even width and height (H.264 4:2:0), got "
                            + input.width()
                            + "x"
                            + input.height());
        }
        if (input.fpsNum() <= 0 || input.fpsDen() <= 0) {
            throw new SegmentEncodingException(
                    where
                            + "expected a positive frame rate, got "
                            + input.fpsNum()
                            + "/"
                            + input.fpsDen());
        }
        if (input.firstFrameIndex() < 0) {
            throw new SegmentEncodingException(
                    where + "expected firstFrameIndex >= 0, got " + input.firstFrameIndex());
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Writes video packets, checking the first is a key frame and reading the SPS for codecs. */
    private static final class VideoPackets implements PacketSink {
        private final SegmentInput input;
        private final VideoTrackEncoder video;
        private final MemoryMuxer muxer;
        private final AVStream stream;
        private String codecs;
        private int count;

        VideoPackets(
                SegmentInput input, VideoTrackEncoder video, MemoryMuxer muxer, AVStream stream) {
            this.input = input;
            this.video = video;
            this.muxer = muxer;
            this.stream = stream;
            int extradataSize = video.context().extradata_size();
            if (extradataSize > 0) {
                byte[] extradata = new byte[extradataSize];
                video.context().extradata().get(extradata);
                codecs = Rfc6381Codecs.avc1(extradata).orElse(null);
            }
        }

        @Override
        public void accept(AVPacket packet) throws SegmentEncodingException {
            if (count == 0) {
                if ((packet.flags() & AV_PKT_FLAG_KEY) == 0) {
                    throw new SegmentEncodingException(
                            "segment "
                                    + input.segmentIndex()
                                    + ": expected the first video packet to be a key frame, "
                                    + video.encoderName()
                                    + " produced a non-key frame");
                }
                if (codecs == null) {
                    byte[] data = new byte[packet.size()];
                    packet.data().get(data);
                    codecs = Rfc6381Codecs.avc1(data).orElse(null);
                }
            }
            count++;
            muxer.write(packet, video.timeBase(), stream);
        }

        void checkCount(int frames) throws SegmentEncodingException {
            if (count != frames) {
                throw new SegmentEncodingException(
                        "segment "
                                + input.segmentIndex()
                                + ": expected one video packet per frame ("
                                + frames
                                + "), "
                                + video.encoderName()
                                + " produced "
                                + count);
            }
        }

        String codecs() throws SegmentEncodingException {
            return Optional.ofNullable(codecs)
                    .orElseThrow(
                            () ->
                                    new SegmentEncodingException(
                                            "codecs: expected an H.264 SPS in the first key"
                                                    + " frame or the extradata, found none"));
        }
    }
}
