package io.lipstream.tools.media;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;

/**
 * What FFmpeg says about a media file before anything is streamed: whether it has video and audio,
 * the video's size, its nominal frame rate as a fraction, and its length.
 *
 * @param frameCountEstimate from the container, may be off by a few frames or 0 when unknown
 */
public record MediaProbe(
        Path path,
        boolean hasVideo,
        boolean hasAudio,
        int width,
        int height,
        int fpsNum,
        int fpsDen,
        long frameCountEstimate,
        long durationMicros) {

    /**
     * Opens {@code path} with FFmpeg.
     *
     * @throws MediaException with a one-line reason when the file is missing or unreadable
     */
    public static MediaProbe of(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new MediaException("no such file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new MediaException("cannot read " + path + ": permission denied");
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(path.toFile());
        try {
            grabber.start();
            boolean video = grabber.getVideoStream() >= 0 && grabber.getImageWidth() > 0;
            int num = 0;
            int den = 1;
            if (video) {
                AVStream stream = grabber.getFormatContext().streams(grabber.getVideoStream());
                AVRational rate = stream.avg_frame_rate();
                if (rate.num() <= 0 || rate.den() <= 0) {
                    rate = stream.r_frame_rate();
                }
                num = rate.num();
                den = rate.den();
            }
            return new MediaProbe(
                    path,
                    video,
                    grabber.getAudioStream() >= 0 && grabber.getAudioChannels() > 0,
                    grabber.getImageWidth(),
                    grabber.getImageHeight(),
                    num,
                    den,
                    video ? Math.max(0, grabber.getLengthInVideoFrames()) : 0,
                    Math.max(0, grabber.getLengthInTime()));
        } catch (FrameGrabber.Exception e) {
            throw new MediaException(
                    "cannot read " + path + ": not a media file FFmpeg can open", e);
        } finally {
            try {
                grabber.release();
            } catch (FrameGrabber.Exception e) {
                // nothing more to release
            }
        }
    }

    /** Nominal frames per second as a double (num/den). */
    public double fps() {
        return (double) fpsNum / fpsDen;
    }
}
