package io.lipstream.inference;

/**
 * Wav2Lip's tensor geometry, from hparams.py and inference.py of Rudrabha/Wav2Lip: a mel window
 * {@code [B,1,80,16]} and a face {@code [B,6,S,S]} in, a face {@code [B,3,S,S]} out.
 */
public final class Wav2LipShapes {
    /** Mel bands per column: hparams.num_mels. */
    public static final int MEL_BANDS = 80;

    /** Mel columns per window: inference.py mel_step_size. */
    public static final int MEL_STEP = 16;

    /** Channels of the mel input (a single-channel image). */
    public static final int MEL_CHANNELS = 1;

    /** Face input channels: the masked face (lower half zeroed) then the reference face, BGR. */
    public static final int FACE_CHANNELS = 6;

    /** Generated face channels: BGR. */
    public static final int OUTPUT_CHANNELS = 3;

    /** First channel of the reference (unmasked) half of the face input. */
    public static final int REFERENCE_CHANNEL = 3;

    /** Face side in pixels: hparams.img_size. */
    public static final int FACE_SIZE = 96;

    /** Pairs per model call: hparams.wav2lip_batch_size. */
    public static final int BATCH_SIZE = 128;

    private Wav2LipShapes() {}

    /** Floats in one pair's mel window. */
    public static int melValues() {
        return MEL_CHANNELS * MEL_BANDS * MEL_STEP;
    }

    /** Floats in one pair's face input at face side {@code size}. */
    public static int faceValues(int size) {
        return FACE_CHANNELS * size * size;
    }

    /** Floats in one generated face at face side {@code size}. */
    public static int outputValues(int size) {
        return OUTPUT_CHANNELS * size * size;
    }
}
