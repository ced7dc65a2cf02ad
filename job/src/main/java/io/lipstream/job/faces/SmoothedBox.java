package io.lipstream.job.faces;

import java.io.Serializable;

/** A frame whose smoothed face box is final; {@code box} is null for a frame without a face. */
public record SmoothedBox(long frameIndex, FaceBox box) implements Serializable {}
