package io.lipstream.job.faces;

/**
 * A face detector could not be set up or run: a cascade or model that does not load, or a model
 * whose inputs or outputs break the detector's contract. The message says what was expected and
 * what was found.
 */
public final class FaceDetectionException extends RuntimeException {

    public FaceDetectionException(String message) {
        super(message);
    }

    public FaceDetectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
