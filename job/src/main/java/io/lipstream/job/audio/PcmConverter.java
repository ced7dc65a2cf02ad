package io.lipstream.job.audio;

import io.lipstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Turns one stream's interleaved PCM chunks (S16LE or F32LE, any channel count, any rate) into the
 * 16 kHz mono float samples Wav2Lip's mel reads.
 *
 * <p>Channels are averaged like librosa's {@code to_mono}; S16 samples are scaled by 1/32768 like
 * librosa's loader (soundfile). At 16 kHz samples pass straight through; at any other rate FFmpeg's
 * swresample converts them, with one stateful resampler per stream so chunk boundaries are seamless
 * (Wav2Lip itself resamples whole files with resampy, which a stream cannot match bit for bit).
 * {@link #flush()} at the end of the stream returns the resampler's last samples. Not thread-safe;
 * holds native memory until {@link #close()}.
 */
public final class PcmConverter implements AutoCloseable {
    /** Full scale of signed 16-bit PCM: soundfile reads s16 as value / 32768. */
    private static final float S16_FULL_SCALE = 32768f;

    private final int sampleRate;
    private final int channels;
    private final SampleFormat format;
    private final int bytesPerFrame;
    private SwrResampler resampler;
    private boolean closed;

    public PcmConverter(int sampleRate, int channels, SampleFormat format) {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channel count must be positive, got " + channels);
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.format = Objects.requireNonNull(format, "format");
        this.bytesPerFrame = channels * bytesPerSample(format);
        if (sampleRate != Wav2LipAudio.SAMPLE_RATE) {
            resampler = new SwrResampler(sampleRate);
        }
    }

    /**
     * Converts the next chunk of the stream.
     *
     * @throws MalformedAudioException if the chunk is not a whole number of sample frames
     */
    public float[] convert(byte[] pcm) {
        ensureOpen();
        if (pcm.length % bytesPerFrame != 0) {
            throw new MalformedAudioException(
                    "PCM chunk is not a whole number of frames: expected a multiple of "
                            + bytesPerFrame
                            + " bytes ("
                            + channels
                            + " channels x "
                            + bytesPerSample(format)
                            + " bytes "
                            + format
                            + "), found "
                            + pcm.length
                            + " bytes");
        }
        float[] mono = downmix(pcm);
        return resampler == null ? mono : resampler.resample(mono);
    }

    /** End of stream: the samples the resampler still holds (none at 16 kHz). */
    public float[] flush() {
        ensureOpen();
        return resampler == null ? new float[0] : resampler.drain();
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    @Override
    public void close() {
        closed = true;
        if (resampler != null) {
            resampler.close();
            resampler = null;
        }
    }

    private float[] downmix(byte[] pcm) {
        ByteBuffer buf = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
        int frames = pcm.length / bytesPerFrame;
        float[] mono = new float[frames];
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum +=
                        format == SampleFormat.S16LE
                                ? buf.getShort() / S16_FULL_SCALE
                                : buf.getFloat();
            }
            mono[i] = (float) (sum / channels);
        }
        return mono;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("converter already closed");
        }
    }

    private static int bytesPerSample(SampleFormat format) {
        return switch (format) {
            case S16LE -> Short.BYTES;
            case F32LE -> Float.BYTES;
        };
    }
}
