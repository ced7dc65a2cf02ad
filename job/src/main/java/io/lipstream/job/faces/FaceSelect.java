package io.lipstream.job.faces;

/** Which face of several is dubbed, when one is (re)chosen; the chosen one is then tracked. */
public enum FaceSelect {
    /** The largest face. */
    LARGEST,
    /** The face nearest the frame's centre. */
    CENTER,
    /** The face nearest the producer's last box (frames may carry one); the largest before one. */
    UPSTREAM
}
