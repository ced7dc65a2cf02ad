package io.lipstream.job.stream;

/** One frame with the 80x16 Wav2Lip mel window of its audio: one model input. */
public class MelFacePair {
    public FaceFrame frame;

    /** The 80x16 window, row-major (mel band, then column), exactly Wav2Lip's mel[:, s:s+16]. */
    public float[] mel;

    public MelFacePair() {}

    public MelFacePair(FaceFrame frame, float[] mel) {
        this.frame = frame;
        this.mel = mel;
    }
}
