package io.lipstream.job.segments;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2YUV_I420;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FacePaster;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Pastes a generated face into the encoder's picture (4:2:0 YUV, BT.601 limited range) as {@link
 * FacePaster} pastes into a BGR frame: the face is resized to the box, converted to YUV once, and
 * blended in with {@link FacePaster#weights}, luma per pixel and chroma per 2x2 block with the
 * block's mean weight. Blending is linear, so this equals pasting in BGR and converting the frame
 * (to within rounding and 4:2:0 chroma), without converting the frame; pixels the weights leave at
 * 0 are not touched.
 */
final class YuvFacePaster {

    private YuvFacePaster() {}

    /**
     * Pastes {@code faceBgr} ({@code size x size} BGR) into {@code box} of {@code picture}.
     *
     * @throws IllegalArgumentException if the box is not inside the picture or the face is not
     *     {@code size x size x 3} bytes
     */
    static void pasteInto(AVFrame picture, FaceBox box, byte[] faceBgr, int size, Blend blend) {
        int width = picture.width();
        int height = picture.height();
        if (!box.isInside(width, height)) {
            throw new IllegalArgumentException(
                    "face box must lie inside the "
                            + width
                            + "x"
                            + height
                            + " frame (pad it first), found "
                            + box);
        }
        // The region: the box widened to whole chroma blocks.
        int left = box.x1() & ~1;
        int top = box.y1() & ~1;
        int right = Math.min(width, (box.x2() + 1) & ~1);
        int bottom = Math.min(height, (box.y2() + 1) & ~1);
        int regionWidth = right - left;
        int regionHeight = bottom - top;

        byte[] face = faceYuv(faceBgr, size, box, left, top, right, bottom);
        float[] luma = regionWeights(box, blend, left, top, regionWidth, regionHeight);
        float[] chroma = blockMeans(luma, regionWidth, regionHeight);

        int chromaWidth = regionWidth / 2;
        int chromaHeight = regionHeight / 2;
        int uAt = regionWidth * regionHeight;
        int vAt = uAt + chromaWidth * chromaHeight;
        blendPlane(picture, 0, left, top, regionWidth, regionHeight, face, 0, luma);
        blendPlane(picture, 1, left / 2, top / 2, chromaWidth, chromaHeight, face, uAt, chroma);
        blendPlane(picture, 2, left / 2, top / 2, chromaWidth, chromaHeight, face, vAt, chroma);
    }

    /**
     * The face resized to the box, its edge repeated out to the region, in I420 layout (Y, then U,
     * then V, each packed), so that chroma blocks cut by the box's edge take the face's colour.
     */
    private static byte[] faceYuv(
            byte[] faceBgr, int size, FaceBox box, int left, int top, int right, int bottom) {
        try (Mat resized = FacePaster.resized(faceBgr, size, box.width(), box.height());
                Mat region = new Mat();
                Mat yuv = new Mat()) {
            copyMakeBorder(
                    resized,
                    region,
                    box.y1() - top,
                    bottom - box.y2(),
                    box.x1() - left,
                    right - box.x2(),
                    BORDER_REPLICATE);
            cvtColor(region, yuv, COLOR_BGR2YUV_I420);
            byte[] out = new byte[(int) (yuv.total() * yuv.elemSize())];
            yuv.data().get(out);
            return out;
        }
    }

    /** {@link FacePaster#weights} placed in the region, 0 where the region exceeds the box. */
    private static float[] regionWeights(
            FaceBox box, Blend blend, int left, int top, int regionWidth, int regionHeight) {
        double[] inBox = FacePaster.weights(box.width(), box.height(), blend);
        float[] weights = new float[regionWidth * regionHeight];
        int dx = box.x1() - left;
        int dy = box.y1() - top;
        for (int y = 0; y < box.height(); y++) {
            int from = y * box.width();
            int to = (y + dy) * regionWidth + dx;
            for (int x = 0; x < box.width(); x++) {
                weights[to + x] = (float) inBox[from + x];
            }
        }
        return weights;
    }

    /** The mean weight of each 2x2 block: a chroma sample's share of the face. */
    private static float[] blockMeans(float[] weights, int width, int height) {
        float[] means = new float[width / 2 * (height / 2)];
        for (int y = 0, i = 0; y < height; y += 2) {
            int top = y * width;
            int bottom = top + width;
            for (int x = 0; x < width; x += 2, i++) {
                means[i] =
                        (weights[top + x]
                                        + weights[top + x + 1]
                                        + weights[bottom + x]
                                        + weights[bottom + x + 1])
                                * 0.25f;
            }
        }
        return means;
    }

    /**
     * Blends one plane's region ({@code width x height} samples at {@code x, y} of the plane) with
     * the face's samples at {@code faceAt}, each by its weight; rows the face does not reach are
     * neither read nor written.
     */
    private static void blendPlane(
            AVFrame picture,
            int plane,
            int x,
            int y,
            int width,
            int height,
            byte[] face,
            int faceAt,
            float[] weights) {
        BytePointer data = picture.data(plane);
        long stride = picture.linesize(plane);
        byte[] row = new byte[width];
        for (int r = 0; r < height; r++) {
            int w0 = r * width;
            int first = 0;
            while (first < width && weights[w0 + first] == 0) {
                first++;
            }
            if (first == width) {
                continue;
            }
            long at = (y + r) * stride + x;
            data.position(at).get(row, 0, width);
            int f0 = faceAt + w0;
            for (int c = first; c < width; c++) {
                float alpha = weights[w0 + c];
                int original = row[c] & 0xFF;
                int generated = face[f0 + c] & 0xFF;
                // Round half up, as Math.round does; the blend lies in 0..255.
                row[c] = (byte) (int) (original + alpha * (generated - original) + 0.5f);
            }
            data.position(at).put(row, 0, width);
        }
        data.position(0);
    }
}
