package io.lipstream.job.faces;

import java.util.List;
import java.util.Optional;

/**
 * Finds the face to lip-sync in a frame. Implementations hold native resources and are not
 * thread-safe: one per operator instance, closed with it.
 */
public interface FaceDetector extends AutoCloseable {

    /** Largest face, unpadded, in frame pixels; empty if none. */
    Optional<FaceBox> detect(BgrImage frame);

    /**
     * Every face, unpadded, in frame pixels; by default the one {@link #detect} finds. Detectors
     * that see several faces return them all, so that the tracker can keep the chosen one.
     */
    default List<FaceBox> detectAll(BgrImage frame) {
        return detect(frame).map(List::of).orElse(List.of());
    }

    /**
     * The face in a frame whose previous detection was {@code previous}: detectors that can look
     * around the previous box alone do, at a fraction of {@link #detect}'s cost, and fall back to
     * it when the face has gone. By default, {@link #detect}.
     */
    default Optional<FaceBox> detectNear(BgrImage frame, FaceBox previous) {
        return detect(frame);
    }

    @Override
    void close();
}
