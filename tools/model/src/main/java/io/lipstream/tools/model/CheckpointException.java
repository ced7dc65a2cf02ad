package io.lipstream.tools.model;

/**
 * A checkpoint cannot be imported: the file is not a readable PyTorch or PaddlePaddle checkpoint,
 * its parameters do not match the Wav2Lip generator (the message lists what is missing, unexpected
 * or mis-shaped, expected against found), or the imported model did not reproduce the reference
 * forward pass. Nothing is left at the output path when this is thrown.
 */
public final class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
