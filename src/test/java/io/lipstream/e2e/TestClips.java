package io.lipstream.e2e;

import io.lipstream.samples.Samples;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/** Short clips cut from the bundled sample, so end-to-end tests stay quick. */
public final class TestClips {
    private TestClips() {}

    /** Records one picture of the clip into the recorder, drawn as a test wants it. */
    @FunctionalInterface
    public interface PictureWriter {
        void write(Frame picture, FFmpegFrameRecorder recorder) throws Exception;
    }

    /** The first {@code frames} frames of the sample with their audio, as an MP4 in {@code dir}. */
    public static Path firstFrames(Path dir, int frames) throws Exception {
        return firstFrames(
                dir.resolve("clip-" + frames + ".mp4"),
                frames,
                (picture, recorder) -> recorder.record(picture));
    }

    /**
     * The first {@code frames} frames of the sample (its size, 640x360) with their audio, as the
     * MP4 {@code out}, each picture recorded by {@code pictures}.
     */
    public static Path firstFrames(Path out, int frames, PictureWriter pictures) throws Exception {
        try (FFmpegFrameGrabber grabber =
                new FFmpegFrameGrabber(Samples.TALKING_ASTRONAUT_MP4.path().toFile())) {
            grabber.start();
            try (FFmpegFrameRecorder recorder =
                    new FFmpegFrameRecorder(
                            out.toFile(),
                            grabber.getImageWidth(),
                            grabber.getImageHeight(),
                            grabber.getAudioChannels())) {
                recorder.setFormat("mp4");
                recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
                recorder.setFrameRate(grabber.getFrameRate());
                recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
                recorder.setSampleRate(grabber.getSampleRate());
                recorder.start();
                int written = 0;
                long endMicros = Math.round(frames * 1_000_000 / grabber.getFrameRate());
                Frame frame;
                while ((frame = grabber.grab()) != null) {
                    if (frame.image != null) {
                        if (written == frames) {
                            continue;
                        }
                        written++;
                        pictures.write(frame, recorder);
                    } else if (frame.samples != null && frame.timestamp < endMicros) {
                        recorder.record(frame);
                    }
                }
            }
        }
        return out;
    }
}
