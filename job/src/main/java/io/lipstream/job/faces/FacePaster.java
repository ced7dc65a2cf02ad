package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.Arrays;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Puts a generated face back into its frame, as Wav2Lip's main loop does ({@code p = cv2.resize(p,
 * (x2 - x1, y2 - y1)); f[y1:y2, x1:x2] = p}), optionally with a feathered mask.
 */
public final class FacePaster {

    /**
     * FEATHER: fraction of the box width (each side) and height (bottom) over which the generated
     * face fades into the original. A design choice, not Wav2Lip's.
     */
    static final double EDGE_FADE = 0.15;

    /**
     * FEATHER: the generated face is used from this fraction of the box height down (Wav2Lip masks
     * the lower half of its input: the upper face is only reproduced, more blurred than the
     * original), ramping in over {@link #MOUTH_FADE}. A design choice, not Wav2Lip's.
     */
    static final double MOUTH_FROM = 0.35;

    static final double MOUTH_FADE = 0.2;

    private FacePaster() {}

    /**
     * Resizes {@code face} ({@code size x size} BGR) bilinearly to the box and pastes it into a
     * copy of {@code frame} (HARD = Wav2Lip; FEATHER = soft-edged mask around the lower face hiding
     * the seam). Returns the new frame; pixels outside the box are unchanged.
     *
     * @throws IllegalArgumentException if the box is not inside the frame or the face is not {@code
     *     size x size x 3} bytes
     */
    public static BgrImage paste(
            BgrImage frame, FaceBox box, byte[] faceBgr, int size, Blend blend) {
        BgrImage copy = new BgrImage(frame.width(), frame.height(), frame.bgr().clone());
        pasteInto(copy, box, faceBgr, size, blend);
        return copy;
    }

    /**
     * As {@link #paste}, but into {@code frame} itself: for a caller that owns the frame (a picture
     * it has just decoded), one frame-sized copy less per face.
     */
    public static void pasteInto(
            BgrImage frame, FaceBox box, byte[] faceBgr, int size, Blend blend) {
        Mats.requireInside(box, frame);
        byte[] resized;
        try (Mat scaled = resized(faceBgr, size, box.width(), box.height())) {
            resized = Mats.bytes(scaled);
        }
        byte[] out = frame.bgr();
        int rowBytes = box.width() * BgrImage.CHANNELS;
        int frameRowBytes = frame.width() * BgrImage.CHANNELS;
        int left = box.x1() * BgrImage.CHANNELS;
        if (blend == Blend.HARD) {
            for (int row = 0; row < box.height(); row++) {
                System.arraycopy(
                        resized,
                        row * rowBytes,
                        out,
                        (box.y1() + row) * frameRowBytes + left,
                        rowBytes);
            }
        } else {
            feather(resized, box, out, frameRowBytes, left);
        }
    }

    /**
     * How much of the generated face each pixel of a {@code width x height} box takes, rows packed
     * (0: the original pixel, 1: the generated one): all 1 for HARD, the soft-edged mask around the
     * lower face for FEATHER.
     */
    public static double[] weights(int width, int height, Blend blend) {
        double[] weights = new double[width * height];
        if (blend == Blend.HARD) {
            Arrays.fill(weights, 1);
            return weights;
        }
        double[] columns = new double[width];
        for (int x = 0; x < width; x++) {
            double u = (x + 0.5) / width;
            columns[x] = smoothstep(u / EDGE_FADE) * smoothstep((1 - u) / EDGE_FADE);
        }
        for (int y = 0; y < height; y++) {
            double v = (y + 0.5) / height;
            double rowAlpha =
                    smoothstep((v - MOUTH_FROM) / MOUTH_FADE) * smoothstep((1 - v) / EDGE_FADE);
            for (int x = 0; x < width; x++) {
                weights[y * width + x] = rowAlpha * columns[x];
            }
        }
        return weights;
    }

    private static void feather(byte[] face, FaceBox box, byte[] out, int frameRowBytes, int left) {
        int w = box.width();
        int h = box.height();
        double[] weights = weights(w, h, Blend.FEATHER);
        for (int y = 0; y < h; y++) {
            int frameRow = (box.y1() + y) * frameRowBytes + left;
            int faceRow = y * w * BgrImage.CHANNELS;
            for (int x = 0; x < w; x++) {
                double alpha = weights[y * w + x];
                if (alpha == 0) {
                    continue;
                }
                for (int c = 0; c < BgrImage.CHANNELS; c++) {
                    int i = frameRow + x * BgrImage.CHANNELS + c;
                    int original = out[i] & 0xFF;
                    int generated = face[faceRow + x * BgrImage.CHANNELS + c] & 0xFF;
                    out[i] = (byte) Math.round(original + alpha * (generated - original));
                }
            }
        }
    }

    /**
     * The generated face ({@code size x size} BGR) resized bilinearly to {@code width x height}, as
     * the paste puts it in the box.
     */
    public static Mat resized(byte[] faceBgr, int size, int width, int height) {
        FaceTensors.checkCrop(faceBgr, size);
        Mat scaled = new Mat();
        try (Mat face = Mats.of(faceBgr, size, size);
                Size target = new Size(width, height)) {
            resize(face, scaled, target, 0, 0, INTER_LINEAR);
        }
        return scaled;
    }

    /** 0 below 0, 1 above 1, the cubic {@code 3t^2 - 2t^3} between. */
    private static double smoothstep(double t) {
        if (t <= 0) {
            return 0;
        }
        if (t >= 1) {
            return 1;
        }
        return t * t * (3 - 2 * t);
    }
}
