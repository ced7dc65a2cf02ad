package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Copies between Java BGR arrays and OpenCV matrices; the caller closes every Mat returned. */
final class Mats {

    private Mats() {}

    /** A native copy of a whole BGR image. */
    static Mat of(BgrImage image) {
        return of(image.bgr(), image.width(), image.height());
    }

    /** A native copy of {@code width x height} BGR24 rows. */
    static Mat of(byte[] bgr, int width, int height) {
        Mat mat = new Mat(height, width, CV_8UC3);
        mat.data().put(bgr, 0, width * height * BgrImage.CHANNELS);
        return mat;
    }

    /** A native copy of {@code image[y1:y2, x1:x2]}; only the box's rows are copied. */
    static Mat region(BgrImage image, FaceBox box) {
        requireInside(box, image);
        int rowBytes = box.width() * BgrImage.CHANNELS;
        int frameRowBytes = image.width() * BgrImage.CHANNELS;
        Mat mat = new Mat(box.height(), box.width(), CV_8UC3);
        BytePointer data = mat.data();
        for (int row = 0; row < box.height(); row++) {
            int from = (box.y1() + row) * frameRowBytes + box.x1() * BgrImage.CHANNELS;
            data.position((long) row * rowBytes).put(image.bgr(), from, rowBytes);
        }
        return mat;
    }

    /** The pixels of a continuous 8-bit 3-channel matrix, rows packed. */
    static byte[] bytes(Mat mat) {
        if (mat.type() != CV_8UC3 || !mat.isContinuous()) {
            throw new IllegalStateException(
                    "expected a continuous 8-bit BGR matrix, found type "
                            + mat.type()
                            + (mat.isContinuous() ? "" : ", not continuous"));
        }
        byte[] out = new byte[mat.rows() * mat.cols() * BgrImage.CHANNELS];
        mat.data().get(out);
        return out;
    }

    static void requireInside(FaceBox box, BgrImage image) {
        if (!box.isInside(image.width(), image.height())) {
            throw new IllegalArgumentException(
                    "face box must lie inside the "
                            + image.width()
                            + "x"
                            + image.height()
                            + " frame (pad it first), found "
                            + box);
        }
    }
}
