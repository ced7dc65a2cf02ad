package io.lipstream.inference;

/**
 * Thrown at start-up when a model does not have Wav2Lip's inputs and outputs, or cannot be loaded
 * at all; the message names what was expected and what the model has.
 */
public final class ModelRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelRejectedException(String message) {
        super(message);
    }

    public ModelRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
