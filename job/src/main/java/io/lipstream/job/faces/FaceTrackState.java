package io.lipstream.job.faces;

import io.lipstream.job.stream.FaceFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream's face-tracking state, changed only by {@link FaceTracker}. A Flink POJO (public
 * no-arg constructor, bean accessors, fields of POJO, record, primitive or {@code List} types) so
 * that keyed state is written by Flink's {@code PojoSerializer}, which restores a savepoint taken
 * before a field was added or after one was removed; Kryo would not.
 */
public class FaceTrackState {
    /** The next frame index in stream order; null before the stream's first frame. */
    private Long nextFrameIndex;

    /** Frames that arrived ahead of a missing one, by increasing frame index. */
    private List<FaceFrame> earlyFrames = new ArrayList<>();

    /** Tracked frames waiting for their smoothed box (Wav2Lip's 4-frame lookahead), in order. */
    private List<FaceFrame> awaitingSmoothing = new ArrayList<>();

    private BoxSmoother smoother = new BoxSmoother(Wav2LipBoxes.SMOOTHING_FRAMES);

    /**
     * The chosen face's last detected box: carried to the frames between detections, and what the
     * next detection is matched against; null before a face is chosen.
     */
    private FaceBox lastDetected;

    /** Frames since the last detection; null before the first one (detect at once). */
    private Long framesSinceDetection;

    /** Detections around the last box since the last whole-frame scan; null: scan next. */
    private Long nearDetections;

    /**
     * Frames since the chosen face was last seen, while it is lost (frames then have no face); null
     * while it is tracked or before one is chosen.
     */
    private Long framesLost;

    /** The producer's last box, for {@link FaceSelect#UPSTREAM}; null before one came. */
    private FaceBox upstreamHint;

    public FaceTrackState() {}

    public Long getFramesLost() {
        return framesLost;
    }

    public void setFramesLost(Long framesLost) {
        this.framesLost = framesLost;
    }

    public FaceBox getUpstreamHint() {
        return upstreamHint;
    }

    public void setUpstreamHint(FaceBox upstreamHint) {
        this.upstreamHint = upstreamHint;
    }

    public Long getNextFrameIndex() {
        return nextFrameIndex;
    }

    public void setNextFrameIndex(Long nextFrameIndex) {
        this.nextFrameIndex = nextFrameIndex;
    }

    public List<FaceFrame> getEarlyFrames() {
        return earlyFrames;
    }

    public void setEarlyFrames(List<FaceFrame> earlyFrames) {
        this.earlyFrames = earlyFrames == null ? new ArrayList<>() : earlyFrames;
    }

    public List<FaceFrame> getAwaitingSmoothing() {
        return awaitingSmoothing;
    }

    public void setAwaitingSmoothing(List<FaceFrame> awaitingSmoothing) {
        this.awaitingSmoothing = awaitingSmoothing == null ? new ArrayList<>() : awaitingSmoothing;
    }

    public BoxSmoother getSmoother() {
        return smoother;
    }

    public void setSmoother(BoxSmoother smoother) {
        this.smoother =
                smoother == null ? new BoxSmoother(Wav2LipBoxes.SMOOTHING_FRAMES) : smoother;
    }

    public FaceBox getLastDetected() {
        return lastDetected;
    }

    public void setLastDetected(FaceBox lastDetected) {
        this.lastDetected = lastDetected;
    }

    public Long getFramesSinceDetection() {
        return framesSinceDetection;
    }

    public void setFramesSinceDetection(Long framesSinceDetection) {
        this.framesSinceDetection = framesSinceDetection;
    }

    public Long getNearDetections() {
        return nearDetections;
    }

    public void setNearDetections(Long nearDetections) {
        this.nearDetections = nearDetections;
    }
}
