package io.lipstream.job.faces;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import io.lipstream.samples.Samples;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/** Test fixture: the bundled talking-astronaut clip, decoded once per JVM into BGR frames. */
final class ClipFrames {

    /** How the clip was made (samples/README.md): 25 fps, 640x360 window of an 800x800 portrait. */
    static final double FPS = 25;

    static final int WIDTH = 640, HEIGHT = 360, PORTRAIT_SIZE = 800;

    private static List<BgrImage> frames;

    private ClipFrames() {}

    /** All video frames of {@link Samples#TALKING_ASTRONAUT_MP4}, in order. */
    static synchronized List<BgrImage> all() {
        if (frames == null) {
            frames = List.copyOf(decode());
        }
        return frames;
    }

    /** One frame of the clip. */
    static BgrImage frame(int index) {
        return all().get(index);
    }

    /** Left edge of the window frame {@code n} shows: 80 + 60 sin(0.9 t). */
    static double windowX(int n) {
        return 80 + 60 * Math.sin(0.9 * n / FPS);
    }

    /** Top edge of the window frame {@code n} shows: 70 + 25 cos(0.7 t). */
    static double windowY(int n) {
        return 70 + 25 * Math.cos(0.7 * n / FPS);
    }

    private static List<BgrImage> decode() {
        List<BgrImage> out = new ArrayList<>();
        try (FFmpegFrameGrabber grabber =
                new FFmpegFrameGrabber(Samples.TALKING_ASTRONAUT_MP4.path().toFile())) {
            grabber.setPixelFormat(AV_PIX_FMT_BGR24);
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                out.add(toBgr(frame));
            }
            grabber.stop();
        } catch (FrameGrabber.Exception e) {
            throw new IllegalStateException("cannot decode the sample clip", e);
        }
        return out;
    }

    /** Copies a BGR24 javacv frame row by row, dropping the row padding. */
    private static BgrImage toBgr(Frame frame) {
        int rowBytes = frame.imageWidth * BgrImage.CHANNELS;
        byte[] bgr = new byte[rowBytes * frame.imageHeight];
        ByteBuffer data = (ByteBuffer) frame.image[0];
        for (int y = 0; y < frame.imageHeight; y++) {
            data.get(y * frame.imageStride, bgr, y * rowBytes, rowBytes);
        }
        return new BgrImage(frame.imageWidth, frame.imageHeight, bgr);
    }
}
