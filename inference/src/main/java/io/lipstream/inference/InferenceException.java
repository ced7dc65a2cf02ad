package io.lipstream.inference;

/** A model call failed at run time (ONNX Runtime error); the batch's frames can pass through. */
public final class InferenceException extends Exception {
    private static final long serialVersionUID = 1L;

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
