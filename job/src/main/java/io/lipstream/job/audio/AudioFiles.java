package io.lipstream.job.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/** Reads the audio of any media file FFmpeg opens, as Wav2Lip's {@code audio.load_wav} would. */
public final class AudioFiles {
    private AudioFiles() {}

    /**
     * Decodes the first audio stream of a file to 16 kHz mono float samples.
     *
     * <p>FFmpeg decodes to float (s16 becomes value / 32768, as librosa's loader gives); a 16 kHz
     * file is not resampled, so a 16 kHz mono s16 WAV gives exactly its samples / 32768. Channels
     * are averaged here, as librosa's {@code to_mono} does: FFmpeg's own stereo-to-mono matrix for
     * float output is (L + R) / sqrt 2. Other rates go through FFmpeg's swresample in a context of
     * our own that is drained at the end (the grabber's built-in resampler drops its last few
     * samples).
     *
     * @throws AudioDecodeException naming the file when it cannot be opened or has no audio
     */
    public static float[] decodeTo16kMono(Path anyMediaFile) {
        if (!Files.isRegularFile(anyMediaFile) || !Files.isReadable(anyMediaFile)) {
            throw new AudioDecodeException(
                    "cannot read audio from " + anyMediaFile + ": no such readable file");
        }
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(anyMediaFile.toFile())) {
            grabber.setSampleFormat(AV_SAMPLE_FMT_FLT);
            grabber.start();
            if (!grabber.hasAudio() || grabber.getAudioChannels() <= 0) {
                throw new AudioDecodeException(
                        "cannot read audio from " + anyMediaFile + ": it has no audio stream");
            }
            int rate = grabber.getSampleRate();
            try (SwrResampler resampler =
                    rate == Wav2LipAudio.SAMPLE_RATE ? null : new SwrResampler(rate)) {
                SampleBuffer out = new SampleBuffer();
                Frame frame;
                while ((frame = grabber.grabSamples()) != null) {
                    if (frame.samples == null) {
                        continue;
                    }
                    float[] mono =
                            averageChannels((FloatBuffer) frame.samples[0], frame.audioChannels);
                    out.add(resampler == null ? mono : resampler.resample(mono));
                }
                if (resampler != null) {
                    out.add(resampler.drain());
                }
                return out.toArray();
            }
        } catch (FrameGrabber.Exception e) {
            throw new AudioDecodeException(
                    "cannot read audio from " + anyMediaFile + ": " + e.getMessage(), e);
        }
    }

    /** Mean over the channels of interleaved samples (librosa {@code to_mono}). */
    private static float[] averageChannels(FloatBuffer interleaved, int channels) {
        float[] mono = new float[interleaved.remaining() / channels];
        for (int i = 0; i < mono.length; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += interleaved.get();
            }
            mono[i] = (float) (sum / channels);
        }
        return mono;
    }

    /** A growable float array. */
    private static final class SampleBuffer {
        private float[] data = new float[Wav2LipAudio.SAMPLE_RATE];
        private int size;

        void add(float[] samples) {
            if (size + samples.length > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + samples.length));
            }
            System.arraycopy(samples, 0, data, size, samples.length);
            size += samples.length;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
