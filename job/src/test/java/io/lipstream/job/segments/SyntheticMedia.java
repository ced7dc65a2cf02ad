package io.lipstream.job.segments;

import java.util.ArrayList;
import java.util.List;

/**
 * Test media: BGR frames (a colour gradient, a square moving with the frame index, the index
 * written in binary as blocks along the top) and a three-tone signal on the 16 kHz stream clock, so
 * consecutive segments continue each other exactly.
 */
final class SyntheticMedia {
    static final int SAMPLE_RATE = 16_000;

    /** Tones whose sum repeats every 100 ms (gcd 10 Hz), so a lag within +-50 ms is unique. */
    private static final double[] TONE_HZ = {300, 470, 1130};

    private static final double[] TONE_AMPLITUDE = {0.3, 0.2, 0.1};
    private static final int INDEX_BITS = 16;

    private SyntheticMedia() {}

    /** Frames {@code first .. first + count - 1}. */
    static List<byte[]> frames(int width, int height, long first, int count) {
        List<byte[]> frames = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            frames.add(frame(width, height, first + k));
        }
        return frames;
    }

    static byte[] frame(int width, int height, long index) {
        byte[] bgr = new byte[width * height * 3];
        int square = height / 4;
        int squareX = (int) ((index * 7) % Math.max(1, width - square));
        int squareY = height / 2 - square / 2;
        int block = Math.max(2, width / (INDEX_BITS * 2));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = (y * width + x) * 3;
                int b = 40 + (x * 160) / width;
                int g = 40 + (y * 160) / height;
                int r = (int) (80 + (index * 3) % 96);
                boolean inSquare =
                        x >= squareX
                                && x < squareX + square
                                && y >= squareY
                                && y < squareY + square;
                if (inSquare) {
                    b = 230;
                    g = 230;
                    r = 30;
                }
                if (y < block && x < block * INDEX_BITS) {
                    int bit = x / block;
                    int on = (int) ((index >> (INDEX_BITS - 1 - bit)) & 1);
                    b = g = r = on == 1 ? 235 : 16;
                }
                bgr[at] = (byte) b;
                bgr[at + 1] = (byte) g;
                bgr[at + 2] = (byte) r;
            }
        }
        return bgr;
    }

    /** {@code count} samples of the tone mix starting at stream sample {@code start}. */
    static float[] tones(long start, int count) {
        float[] samples = new float[count];
        for (int i = 0; i < count; i++) {
            double t = (double) (start + i) / SAMPLE_RATE;
            double v = 0;
            for (int j = 0; j < TONE_HZ.length; j++) {
                v += TONE_AMPLITUDE[j] * Math.sin(2 * Math.PI * TONE_HZ[j] * t);
            }
            samples[i] = (float) v;
        }
        return samples;
    }

    /** Audio samples from frame {@code first} to the end of frame {@code first + count - 1}. */
    static float[] tonesForFrames(long first, int count, int fpsNum, int fpsDen) {
        long start = sampleAt(first, fpsNum, fpsDen);
        long end = sampleAt(first + count, fpsNum, fpsDen);
        return tones(start, (int) (end - start));
    }

    /** The stream sample at frame {@code index}, rounded. */
    static long sampleAt(long index, int fpsNum, int fpsDen) {
        return Math.round((double) index * fpsDen * SAMPLE_RATE / fpsNum);
    }

    /** The frame index written along the top of a (decoded) synthetic frame. */
    static long readIndex(byte[] bgr, int width) {
        int block = Math.max(2, width / (INDEX_BITS * 2));
        long index = 0;
        for (int bit = 0; bit < INDEX_BITS; bit++) {
            int at = ((block / 2) * width + bit * block + block / 2) * 3;
            int green = bgr[at + 1] & 0xff;
            index = (index << 1) | (green > 128 ? 1 : 0);
        }
        return index;
    }

    /** Peak signal-to-noise ratio of two 8-bit images or planes of one size, dB. */
    static double psnr(byte[] a, byte[] b) {
        double squared = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (a[i] & 0xff) - (b[i] & 0xff);
            squared += d * d;
        }
        double mse = squared / a.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /**
     * A segment of the synthetic stream, with the audio around its range that the segment stage
     * gives the encoder (none before the stream's start).
     */
    static SegmentInput segment(
            long segmentIndex,
            long firstFrame,
            int frames,
            int width,
            int height,
            int fpsNum,
            int fpsDen) {
        long audioFrom =
                Math.max(0, sampleAt(firstFrame, fpsNum, fpsDen) - AacTrackEncoder.CONTEXT_BEFORE);
        long audioTo =
                sampleAt(firstFrame + frames, fpsNum, fpsDen) + AacTrackEncoder.CONTEXT_AFTER;
        return new SegmentInput(
                "synthetic",
                segmentIndex,
                firstFrame,
                width,
                height,
                fpsNum,
                fpsDen,
                frames(width, height, firstFrame, frames),
                tones(audioFrom, (int) (audioTo - audioFrom)),
                audioFrom);
    }
}
