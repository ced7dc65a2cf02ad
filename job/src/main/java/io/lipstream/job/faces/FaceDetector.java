package io.lipstream.job.faces;

import java.util.Optional;

/**
 * Finds the face to lip-sync in a frame. Implementations hold native resources and are not
 * thread-safe: one per operator instance, closed with it.
 */
public interface FaceDetector extends AutoCloseable {

    /** Largest face, unpadded, in frame pixels; empty if none. */
    Optional<FaceBox> detect(BgrImage frame);

    @Override
    void close();
}
