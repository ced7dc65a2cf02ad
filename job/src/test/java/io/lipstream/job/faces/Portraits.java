package io.lipstream.job.faces;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.samples.Samples;
import io.lipstream.schema.ImageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/** Test frames with the bundled portrait's person, scaled and placed, on a grey 640x360 frame. */
final class Portraits {
    static final int WIDTH = 640, HEIGHT = 360;

    /** The portrait's face, hand-drawn in the extent of Wav2Lip's S3FD boxes (docs/faces.md). */
    static final FaceBox FACE = new FaceBox(180, 74, 272, 182);

    /** A portrait placed with its top-left corner at (x, y), scaled from 512 px. */
    record Placed(int x, int y, double scale) {
        FaceBox face() {
            return new FaceBox(
                    x + (int) Math.round(FACE.x1() * scale),
                    y + (int) Math.round(FACE.y1() * scale),
                    x + (int) Math.round(FACE.x2() * scale),
                    y + (int) Math.round(FACE.y2() * scale));
        }
    }

    private Portraits() {}

    static BgrImage portrait() {
        NativeLibraries.load();
        try {
            return FrameImages.decode(
                    ImageCodec.PNG,
                    Files.readAllBytes(Samples.FACE_PNG.path()),
                    512,
                    512,
                    FrameLimits.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A grey frame with the portraits drawn in order (later ones on top). */
    static BgrImage frame(Placed... people) {
        BgrImage portrait = portrait();
        byte[] grey = new byte[WIDTH * HEIGHT * 3];
        java.util.Arrays.fill(grey, (byte) 128);
        try (Mat canvas = Mats.of(grey, WIDTH, HEIGHT);
                Mat source = Mats.of(portrait)) {
            for (Placed p : people) {
                int side = (int) Math.round(512 * p.scale());
                int w = Math.min(side, WIDTH - p.x());
                int h = Math.min(side, HEIGHT - p.y());
                try (Mat scaled = new Mat();
                        Size size = new Size(side, side);
                        Rect visible = new Rect(0, 0, w, h);
                        Rect place = new Rect(p.x(), p.y(), w, h)) {
                    opencv_imgproc.resize(source, scaled, size, 0, 0, opencv_imgproc.INTER_AREA);
                    try (Mat part = scaled.apply(visible);
                            Mat target = canvas.apply(place)) {
                        part.copyTo(target);
                    }
                }
            }
            return new BgrImage(WIDTH, HEIGHT, Mats.bytes(canvas));
        }
    }
}
