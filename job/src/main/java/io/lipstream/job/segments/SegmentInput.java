package io.lipstream.job.segments;

import java.util.List;

/**
 * What to encode for one segment of a stream.
 *
 * @param streamId the stream the segment belongs to
 * @param segmentIndex the segment's number within the stream, from 0
 * @param firstFrameIndex stream frame index of the first frame; frames are consecutive from here
 * @param width frame width in pixels (even: H.264 4:2:0)
 * @param height frame height in pixels (even)
 * @param fpsNum nominal frame rate numerator (the stream clock: frame k is at k * fpsDen / fpsNum
 *     seconds)
 * @param fpsDen nominal frame rate denominator
 * @param bgrFrames at least one frame, each BGR24, {@code width * height * 3} bytes, rows top down
 * @param audio16kMono the stream's 16 kHz mono samples from stream sample {@code audioStartSample}:
 *     the segment's time range (its first frame's time to the end of its last frame) and, for
 *     seamless audio between segments, 1024 samples before it and 2048 after it; what they do not
 *     cover is silence
 * @param audioStartSample stream sample (16 kHz, from the stream's origin) of {@code
 *     audio16kMono[0]}
 */
public record SegmentInput(
        String streamId,
        long segmentIndex,
        long firstFrameIndex,
        int width,
        int height,
        int fpsNum,
        int fpsDen,
        List<byte[]> bgrFrames,
        float[] audio16kMono,
        long audioStartSample) {

    /** A segment whose audio starts exactly at its first frame (no audio around it). */
    public SegmentInput(
            String streamId,
            long segmentIndex,
            long firstFrameIndex,
            int width,
            int height,
            int fpsNum,
            int fpsDen,
            List<byte[]> bgrFrames,
            float[] audio16kMono) {
        this(
                streamId,
                segmentIndex,
                firstFrameIndex,
                width,
                height,
                fpsNum,
                fpsDen,
                bgrFrames,
                audio16kMono,
                fpsNum > 0 && fpsDen > 0 && firstFrameIndex >= 0
                        ? new SegmentClock(firstFrameIndex, 1, fpsNum, fpsDen).audioStartSample()
                        : 0);
    }
}
