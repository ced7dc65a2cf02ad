package io.lipstream.connectors.kafka;

import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.SampleFormat;
import io.lipstream.schema.VideoFrame;
import java.util.Optional;

/** The contract checks the schemas cannot express, applied when records are decoded. */
public final class ContractChecks {
    /** Lowest and highest audio rate accepted, in Hz. */
    private static final int MIN_SAMPLE_RATE = 4_000;

    private static final int MAX_SAMPLE_RATE = 384_000;

    /** More channels than this is surely a corrupt header (7.1 needs 8). */
    private static final int MAX_CHANNELS = 64;

    private static final int BGR_CHANNELS = 3;

    private ContractChecks() {}

    /** An audio chunk's declared rate, channels and format must fit its byte length. */
    public static RecordValidator<AudioChunk> audio() {
        return chunk -> {
            if (chunk.getStreamId().isEmpty()) {
                return Optional.of("AudioChunk without streamId");
            }
            if (chunk.getSampleRate() < MIN_SAMPLE_RATE
                    || chunk.getSampleRate() > MAX_SAMPLE_RATE) {
                return Optional.of(
                        "AudioChunk sampleRate "
                                + chunk.getSampleRate()
                                + " Hz; expected "
                                + MIN_SAMPLE_RATE
                                + ".."
                                + MAX_SAMPLE_RATE);
            }
            if (chunk.getChannels() < 1 || chunk.getChannels() > MAX_CHANNELS) {
                return Optional.of(
                        "AudioChunk channels "
                                + chunk.getChannels()
                                + "; expected 1.."
                                + MAX_CHANNELS);
            }
            int frameBytes = chunk.getChannels() * bytesPerSample(chunk.getFormat());
            int length = chunk.getPcm().remaining();
            if (length % frameBytes != 0) {
                return Optional.of(
                        "AudioChunk pcm of "
                                + length
                                + " bytes is not a whole number of "
                                + chunk.getChannels()
                                + "-channel "
                                + chunk.getFormat()
                                + " samples ("
                                + frameBytes
                                + " bytes each)");
            }
            if (chunk.getStartSample() < 0) {
                return Optional.of("AudioChunk startSample " + chunk.getStartSample() + " < 0");
            }
            return Optional.empty();
        };
    }

    /** A video frame's declared size must be positive, within limits, and fit raw BGR data. */
    public static RecordValidator<VideoFrame> video(int maxWidth, int maxHeight, int maxBytes) {
        return frame -> {
            if (frame.getStreamId().isEmpty()) {
                return Optional.of("VideoFrame without streamId");
            }
            int w = frame.getWidth();
            int h = frame.getHeight();
            if (w <= 0 || h <= 0 || w > maxWidth || h > maxHeight) {
                return Optional.of(
                        "VideoFrame of "
                                + w
                                + "x"
                                + h
                                + "; expected 1x1.."
                                + maxWidth
                                + "x"
                                + maxHeight);
            }
            int bytes = frame.getImage().remaining();
            if (bytes > maxBytes) {
                return Optional.of("VideoFrame image of " + bytes + " bytes; limit " + maxBytes);
            }
            if (frame.getCodec() == ImageCodec.BGR24 && bytes != w * h * BGR_CHANNELS) {
                return Optional.of(
                        "BGR24 VideoFrame of "
                                + w
                                + "x"
                                + h
                                + " needs "
                                + (w * h * BGR_CHANNELS)
                                + " bytes, found "
                                + bytes);
            }
            if (frame.getFrameRate() != null
                    && (frame.getFrameRate().getNum() <= 0 || frame.getFrameRate().getDen() <= 0)) {
                return Optional.of(
                        "VideoFrame frameRate "
                                + frame.getFrameRate().getNum()
                                + "/"
                                + frame.getFrameRate().getDen()
                                + "; expected positive num/den");
            }
            return Optional.empty();
        };
    }

    /** Bytes per sample of one channel. */
    public static int bytesPerSample(SampleFormat format) {
        return format == SampleFormat.S16LE ? Short.BYTES : Float.BYTES;
    }
}
