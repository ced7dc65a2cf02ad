package io.lipstream.tools.bench;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.Wav2LipExtent;
import io.lipstream.samples.Samples;
import io.lipstream.schema.ImageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelled frames for the face benchmark, made from the bundled portrait: the head composited onto
 * face-free parts of the same photograph at several scales, positions, tilts and brightnesses, two
 * heads in one frame, and frames with none. Each face's known box is the portrait's hand-drawn
 * label ({@link #PORTRAIT_FACE}) carried through the same transform (a tilted face gets the bounds
 * of the label's inscribed ellipse turned with it, as {@link Wav2LipExtent#turned} does).
 */
public final class FaceScenes {

    /** Frame size: the bundled clip's. */
    public static final int WIDTH = 640, HEIGHT = 360;

    /**
     * The portrait's face, hand-drawn in the extent Wav2Lip's S3FD boxes have (WIDER FACE
     * convention): hairline to chin, cheek to cheek, in the 512x512 portrait's pixels.
     */
    public static final FaceBox PORTRAIT_FACE = new FaceBox(180, 74, 272, 182);

    /** The head cut out of the portrait: an ellipse around face, hair and neck, feathered. */
    private static final double HEAD_X = 226, HEAD_Y = 118, HEAD_RX = 78, HEAD_RY = 105;

    private static final double FEATHER = 0.12;

    /** Face-free parts of the portrait (x, y, w, h): suit and helmet, shuttle, flag, badge. */
    private static final int[][] BACKGROUNDS = {
        {256, 296, 256, 216}, {300, 0, 212, 280}, {0, 0, 150, 300}, {120, 330, 220, 182}
    };

    /** One face placed in a frame: centre, scale against the portrait, tilt in degrees. */
    public record Placement(double x, double y, double scale, double degrees) {}

    /** A labelled frame. */
    public record Scene(String group, String name, BgrImage frame, List<FaceBox> faces) {}

    private static BgrImage portrait;

    private FaceScenes() {}

    /** The portrait as decoded pixels. */
    public static synchronized BgrImage portrait() {
        if (portrait == null) {
            NativeLibraries.load();
            try {
                portrait =
                        FrameImages.decode(
                                ImageCodec.PNG,
                                Files.readAllBytes(Samples.FACE_PNG.path()),
                                512,
                                512,
                                FrameLimits.defaults());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return portrait;
    }

    /** Every scene of the benchmark. */
    public static List<Scene> all() {
        List<Scene> scenes = new ArrayList<>();
        int n = 0;
        for (double s : new double[] {0.4, 0.6, 0.8, 1.0, 1.3, 1.6}) {
            scenes.add(scene("scale", "x" + s, n++, 1.0, new Placement(320, 180, s, 0)));
        }
        for (double[] p : new double[][] {{130, 100}, {510, 110}, {140, 260}, {500, 250}}) {
            scenes.add(
                    scene(
                            "position",
                            (int) p[0] + "," + (int) p[1],
                            n++,
                            1.0,
                            new Placement(p[0], p[1], 0.7, 0)));
        }
        for (double d : new double[] {-30, -20, -10, 10, 20, 30}) {
            scenes.add(scene("tilt", d + " deg", n++, 1.0, new Placement(320, 180, 1.0, d)));
        }
        for (double b : new double[] {0.35, 0.6, 1.4, 1.8}) {
            scenes.add(scene("brightness", "x" + b, n++, b, new Placement(320, 180, 1.0, 0)));
        }
        scenes.add(
                scene(
                        "two faces",
                        "0.9 + 0.7",
                        n++,
                        1.0,
                        new Placement(180, 180, 0.9, 0),
                        new Placement(470, 190, 0.7, 0)));
        scenes.add(
                scene(
                        "two faces",
                        "0.6 + 0.6, tilted",
                        n++,
                        1.0,
                        new Placement(200, 170, 0.6, 10),
                        new Placement(450, 180, 0.6, -15)));
        for (int b = 0; b < BACKGROUNDS.length; b++) {
            scenes.add(scene("none", "background " + b, b, 1.0));
        }
        return scenes;
    }

    /** A frame with the given heads on background {@code background % 4}, brightness scaled. */
    public static Scene scene(
            String group, String name, int background, double brightness, Placement... heads) {
        BgrImage source = portrait();
        int[] bg = BACKGROUNDS[Math.floorMod(background, BACKGROUNDS.length)];
        float[] canvas = new float[WIDTH * HEIGHT * 3];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                sample(
                        source,
                        bg[0] + (x + 0.5) * bg[2] / WIDTH - 0.5,
                        bg[1] + (y + 0.5) * bg[3] / HEIGHT - 0.5,
                        canvas,
                        (y * WIDTH + x) * 3);
            }
        }
        List<FaceBox> faces = new ArrayList<>();
        for (Placement head : heads) {
            paste(source, head, canvas);
            label(head).ifPresent(faces::add);
        }
        byte[] bgr = new byte[canvas.length];
        for (int i = 0; i < canvas.length; i++) {
            bgr[i] = (byte) Math.max(0, Math.min(255, Math.round(canvas[i] * brightness)));
        }
        return new Scene(group, name, new BgrImage(WIDTH, HEIGHT, bgr), faces);
    }

    /** The known box of a placed head. */
    public static java.util.Optional<FaceBox> label(Placement head) {
        FaceBox f = PORTRAIT_FACE;
        double dx = (f.centerX() - HEAD_X) * head.scale();
        double dy = (f.centerY() - HEAD_Y) * head.scale();
        double t = Math.toRadians(head.degrees());
        double cx = head.x() + dx * Math.cos(t) - dy * Math.sin(t);
        double cy = head.y() + dx * Math.sin(t) + dy * Math.cos(t);
        return Wav2LipExtent.upright(cx, cy, f.width() * head.scale(), f.height() * head.scale())
                .turned(t)
                .toBox(WIDTH, HEIGHT);
    }

    /** Composites the head: each canvas pixel inside it samples the portrait backwards. */
    private static void paste(BgrImage source, Placement head, float[] canvas) {
        double t = Math.toRadians(head.degrees());
        double cos = Math.cos(t), sin = Math.sin(t);
        double reach = Math.max(HEAD_RX, HEAD_RY) * head.scale() * (1 + FEATHER) + 2;
        int x0 = (int) Math.max(0, head.x() - reach), x1 = (int) Math.min(WIDTH, head.x() + reach);
        int y0 = (int) Math.max(0, head.y() - reach), y1 = (int) Math.min(HEIGHT, head.y() + reach);
        float[] pixel = new float[3];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                double px = (x - head.x()) / head.scale();
                double py = (y - head.y()) / head.scale();
                double u = px * cos + py * sin; // turned back into the upright portrait
                double v = -px * sin + py * cos;
                double r = Math.hypot(u / HEAD_RX, v / HEAD_RY);
                double alpha = Math.max(0, Math.min(1, (1 + FEATHER - r) / FEATHER));
                if (alpha <= 0) {
                    continue;
                }
                sample(source, HEAD_X + u, HEAD_Y + v, pixel, 0);
                int at = (y * WIDTH + x) * 3;
                for (int c = 0; c < 3; c++) {
                    canvas[at + c] = (float) (canvas[at + c] * (1 - alpha) + pixel[c] * alpha);
                }
            }
        }
    }

    /** Bilinear sample of {@code image} at (x, y), clamped at the edges, into {@code out[at..]}. */
    private static void sample(BgrImage image, double x, double y, float[] out, int at) {
        double cx = Math.max(0, Math.min(image.width() - 1.001, x));
        double cy = Math.max(0, Math.min(image.height() - 1.001, y));
        int ix = (int) cx, iy = (int) cy;
        double fx = cx - ix, fy = cy - iy;
        byte[] p = image.bgr();
        int w = image.width();
        for (int c = 0; c < 3; c++) {
            double a = p[(iy * w + ix) * 3 + c] & 0xFF;
            double b = p[(iy * w + ix + 1) * 3 + c] & 0xFF;
            double d = p[((iy + 1) * w + ix) * 3 + c] & 0xFF;
            double e = p[((iy + 1) * w + ix + 1) * 3 + c] & 0xFF;
            double top = a + (b - a) * fx;
            double bottom = d + (e - d) * fx;
            out[at + c] = (float) (top + (bottom - top) * fy);
        }
    }
}
