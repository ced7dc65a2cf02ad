package io.lipstream.job.faces;

/** The job's face detector ({@code faces.detector}); {@code faces.detector-model} overrides it. */
public enum DetectorKind {
    /** MediaPipe BlazeFace on ONNX Runtime, CPU ({@link BlazeFaceDetector}). */
    BLAZEFACE,
    /** OpenCV's Haar cascade ({@link HaarFaceDetector}). */
    HAAR
}
