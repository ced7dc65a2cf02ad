package io.lipstream.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Walks the pictures of two videos side by side, frame by frame, as BGR24, without holding whole
 * videos in memory (the bundled clip is 200 MB of pixels).
 */
final class FramePairs {
    /** One pair of same-size pictures, {@code width * height * 3} bytes each, rows packed. */
    interface Visitor {
        void visit(int n, byte[] a, byte[] b, int width, int height) throws IOException;
    }

    private FramePairs() {}

    /**
     * Calls {@code visitor} for frames 0, 1, ... while both files have one.
     *
     * @return the number of pairs visited
     */
    static int forEach(Path a, Path b, Visitor visitor) throws IOException {
        try (FFmpegFrameGrabber ga = new FFmpegFrameGrabber(a.toFile());
                FFmpegFrameGrabber gb = new FFmpegFrameGrabber(b.toFile())) {
            ga.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            gb.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            ga.start();
            gb.start();
            int n = 0;
            Frame fa;
            Frame fb;
            while ((fa = ga.grabImage()) != null && (fb = gb.grabImage()) != null) {
                if (fa.imageWidth != fb.imageWidth || fa.imageHeight != fb.imageHeight) {
                    throw new IllegalStateException(
                            "frame "
                                    + n
                                    + ": sizes differ, "
                                    + fa.imageWidth
                                    + "x"
                                    + fa.imageHeight
                                    + " and "
                                    + fb.imageWidth
                                    + "x"
                                    + fb.imageHeight);
                }
                visitor.visit(n, bgr(fa), bgr(fb), fa.imageWidth, fa.imageHeight);
                n++;
            }
            return n;
        }
    }

    private static byte[] bgr(Frame frame) {
        ByteBuffer image = ((ByteBuffer) frame.image[0]).duplicate();
        int rowBytes = frame.imageWidth * 3;
        byte[] out = new byte[rowBytes * frame.imageHeight];
        for (int y = 0; y < frame.imageHeight; y++) {
            image.position(y * frame.imageStride);
            image.get(out, y * rowBytes, rowBytes);
        }
        return out;
    }

    /** PSNR in dB of {@code b} against {@code a} over the pixels of {@code box} (clamped). */
    static double psnr(byte[] a, byte[] b, int width, int height, ClipFace.Box box) {
        double squared = 0;
        long n = 0;
        for (int y = Math.max(0, box.y1()); y < Math.min(height, box.y2()); y++) {
            for (int x = Math.max(0, box.x1()); x < Math.min(width, box.x2()); x++) {
                for (int c = 0; c < 3; c++) {
                    int i = (y * width + x) * 3 + c;
                    int d = (a[i] & 0xff) - (b[i] & 0xff);
                    squared += d * d;
                    n++;
                }
            }
        }
        double mse = Math.max(squared / n, 1e-10);
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
