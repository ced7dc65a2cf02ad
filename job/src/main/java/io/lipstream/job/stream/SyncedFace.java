package io.lipstream.job.stream;

/**
 * A frame back from inference: the generated face to paste, or the reason it passes through
 * unchanged.
 */
public class SyncedFace {
    /** What became of a frame at inference. */
    public enum Outcome {
        /** The model drew the mouth; {@code generated} holds the face. */
        SYNCED,
        /** No face was found in the frame. */
        NO_FACE,
        /** The batch failed twice; the frame passes through. */
        MODEL_ERROR,
        /** The batch did not complete in time; the frame passes through. */
        TIMEOUT
    }

    public FaceFrame frame;

    /** faceSize x faceSize BGR; null unless SYNCED. */
    public byte[] generated;

    public Outcome outcome;

    public SyncedFace() {}

    /** The result for {@code frame}, which is kept without its crop (the model input). */
    public SyncedFace(FaceFrame frame, byte[] generated, Outcome outcome) {
        this.frame = frame.withoutCrop();
        this.generated = generated;
        this.outcome = outcome;
    }

    public static SyncedFace passThrough(FaceFrame frame, Outcome outcome) {
        return new SyncedFace(frame, null, outcome);
    }
}
