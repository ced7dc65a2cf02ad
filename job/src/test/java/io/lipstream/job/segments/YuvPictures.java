package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.samples.Samples;
import io.lipstream.schema.ImageCodec;
import java.nio.ByteBuffer;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/** Test fixture: a frame of the bundled clip, and the planes of YUV 4:2:0 pictures. */
final class YuvPictures {
    static final int WIDTH = 640, HEIGHT = 360;

    private YuvPictures() {}

    /** Frame {@code index} of the bundled talking-astronaut clip (640x360). */
    static BgrImage clipFrame(int index) throws Exception {
        try (FFmpegFrameGrabber grabber =
                new FFmpegFrameGrabber(Samples.TALKING_ASTRONAUT_MP4.path().toFile())) {
            grabber.setPixelFormat(AV_PIX_FMT_BGR24);
            grabber.start();
            Frame frame = null;
            for (int k = 0; k <= index; k++) {
                frame = grabber.grabImage();
            }
            byte[] bgr = new byte[WIDTH * HEIGHT * BgrImage.CHANNELS];
            ByteBuffer pixels = (ByteBuffer) frame.image[0];
            int stride = frame.imageStride;
            for (int y = 0; y < HEIGHT; y++) {
                pixels.position(y * stride).get(bgr, y * WIDTH * 3, WIDTH * 3);
            }
            return new BgrImage(WIDTH, HEIGHT, bgr);
        }
    }

    /** {@code image} converted as the encoder would take it from BGR (swscale, BT.601 limited). */
    static AVFrame yuv(BgrImage image) throws SegmentEncodingException {
        AVFrame picture = PictureDecoder.allocate(image.width(), image.height());
        try (PictureDecoder decoder = new PictureDecoder(FrameLimits.defaults())) {
            decoder.decodeInto(
                    ImageCodec.BGR24, image.bgr(), image.width(), image.height(), picture);
        }
        return picture;
    }

    /** Plane {@code p} of a 4:2:0 picture, rows packed (no padding). */
    static byte[] plane(AVFrame picture, int p) {
        int width = p == 0 ? picture.width() : picture.width() / 2;
        int height = p == 0 ? picture.height() : picture.height() / 2;
        byte[] out = new byte[width * height];
        for (int y = 0; y < height; y++) {
            picture.data(p).position((long) y * picture.linesize(p)).get(out, y * width, width);
        }
        return out;
    }
}
