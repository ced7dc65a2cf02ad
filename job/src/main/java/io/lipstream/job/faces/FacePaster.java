package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
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
        FaceTensors.checkCrop(faceBgr, size);
        byte[] resized;
        try (Mat face = Mats.of(faceBgr, size, size);
                Mat scaled = new Mat();
                Size target = new Size(box.width(), box.height())) {
            resize(face, scaled, target, 0, 0, INTER_LINEAR);
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
     * As {@link #pasteInto(BgrImage, FaceBox, byte[], int, Blend)}, into a native picture (8-bit
     * BGR, continuous): only the box's rows are copied out and back, not the frame.
     */
    public static void pasteInto(Mat frame, FaceBox box, byte[] faceBgr, int size, Blend blend) {
        if (frame.type() != CV_8UC3 || !frame.isContinuous()) {
            throw new IllegalArgumentException(
                    "expected a continuous 8-bit BGR picture, found OpenCV type " + frame.type());
        }
        if (!box.isInside(frame.cols(), frame.rows())) {
            throw new IllegalArgumentException(
                    "face box must lie inside the "
                            + frame.cols()
                            + "x"
                            + frame.rows()
                            + " frame (pad it first), found "
                            + box);
        }
        int rowBytes = box.width() * BgrImage.CHANNELS;
        long frameRowBytes = (long) frame.cols() * BgrImage.CHANNELS;
        long left = (long) box.x1() * BgrImage.CHANNELS;
        byte[] region = new byte[rowBytes * box.height()];
        BytePointer data = frame.data();
        for (int row = 0; row < box.height(); row++) {
            data.position((box.y1() + row) * frameRowBytes + left)
                    .get(region, row * rowBytes, rowBytes);
        }
        pasteInto(
                new BgrImage(box.width(), box.height(), region),
                FaceBox.ofSize(0, 0, box.width(), box.height()),
                faceBgr,
                size,
                blend);
        for (int row = 0; row < box.height(); row++) {
            data.position((box.y1() + row) * frameRowBytes + left)
                    .put(region, row * rowBytes, rowBytes);
        }
        data.position(0);
    }

    private static void feather(byte[] face, FaceBox box, byte[] out, int frameRowBytes, int left) {
        int w = box.width();
        int h = box.height();
        double[] columns = new double[w];
        for (int x = 0; x < w; x++) {
            double u = (x + 0.5) / w;
            columns[x] = smoothstep(u / EDGE_FADE) * smoothstep((1 - u) / EDGE_FADE);
        }
        for (int y = 0; y < h; y++) {
            double v = (y + 0.5) / h;
            double rowAlpha =
                    smoothstep((v - MOUTH_FROM) / MOUTH_FADE) * smoothstep((1 - v) / EDGE_FADE);
            if (rowAlpha == 0) {
                continue;
            }
            int frameRow = (box.y1() + y) * frameRowBytes + left;
            int faceRow = y * w * BgrImage.CHANNELS;
            for (int x = 0; x < w; x++) {
                double alpha = rowAlpha * columns[x];
                for (int c = 0; c < BgrImage.CHANNELS; c++) {
                    int i = frameRow + x * BgrImage.CHANNELS + c;
                    int original = out[i] & 0xFF;
                    int generated = face[faceRow + x * BgrImage.CHANNELS + c] & 0xFF;
                    out[i] = (byte) Math.round(original + alpha * (generated - original));
                }
            }
        }
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
