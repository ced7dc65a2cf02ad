package io.lipstream.job.segments;

/**
 * Where a segment lies on its stream clock: frame {@code k} is at {@code k * fpsDen / fpsNum}
 * seconds, audio sample {@code s} at {@code s / 16000} seconds, both from the same origin. Instants
 * are rounded to the nearest microsecond or sample, so consecutive segments share their boundary
 * exactly.
 */
final class SegmentClock {
    /** Audio sample rate on the stream clock (Wav2Lip's 16 kHz, docs/architecture.md). */
    static final int AUDIO_SAMPLE_RATE = 16_000;

    private static final long MICROS_PER_SECOND = 1_000_000L;

    private final long firstFrameIndex;
    private final int frameCount;
    private final int fpsNum;
    private final int fpsDen;

    SegmentClock(long firstFrameIndex, int frameCount, int fpsNum, int fpsDen) {
        if (fpsNum <= 0 || fpsDen <= 0) {
            throw new IllegalArgumentException(
                    "frame rate: expected a positive fraction, got " + fpsNum + "/" + fpsDen);
        }
        if (firstFrameIndex < 0 || frameCount < 1) {
            throw new IllegalArgumentException(
                    "frames: expected firstFrameIndex >= 0 and at least one frame, got "
                            + firstFrameIndex
                            + " and "
                            + frameCount);
        }
        this.firstFrameIndex = firstFrameIndex;
        this.frameCount = frameCount;
        this.fpsNum = fpsNum;
        this.fpsDen = fpsDen;
    }

    /** The first frame's time, microseconds. */
    long startMicros() {
        return frameTime(firstFrameIndex, MICROS_PER_SECOND);
    }

    /** From the first frame's time to the end of the last frame, microseconds. */
    long durationMicros() {
        return frameTime(firstFrameIndex + frameCount, MICROS_PER_SECOND) - startMicros();
    }

    /** The audio sample at the first frame's time. */
    long audioStartSample() {
        return frameTime(firstFrameIndex, AUDIO_SAMPLE_RATE);
    }

    /** Audio samples in the segment's time range. */
    int audioSampleCount() {
        return Math.toIntExact(
                frameTime(firstFrameIndex + frameCount, AUDIO_SAMPLE_RATE) - audioStartSample());
    }

    /** {@code round(frameIndex * fpsDen / fpsNum * unitsPerSecond)}, exactly in integers. */
    private long frameTime(long frameIndex, long unitsPerSecond) {
        long numerator = Math.multiplyExact(Math.multiplyExact(frameIndex, fpsDen), unitsPerSecond);
        return (numerator + fpsNum / 2) / fpsNum;
    }
}
