package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FaceChoiceTest {
    private static final FaceBox BIG_LEFT = FaceBox.ofSize(40, 100, 150, 170);
    private static final FaceBox SMALL_CENTRE = FaceBox.ofSize(290, 150, 60, 70);
    private static final FaceBox RIGHT = FaceBox.ofSize(500, 80, 100, 120);
    private static final List<FaceBox> FACES = List.of(SMALL_CENTRE, BIG_LEFT, RIGHT);

    @Test
    void shouldChooseTheLargestFace() {
        assertEquals(Optional.of(BIG_LEFT), choose(FaceSelect.LARGEST, null));
    }

    @Test
    void shouldChooseTheFaceNearestTheCentre() {
        assertEquals(Optional.of(SMALL_CENTRE), choose(FaceSelect.CENTER, null));
    }

    @Test
    void shouldChooseTheFaceNearestTheProducersBoxOrTheLargestBeforeOneCame() {
        assertEquals(
                Optional.of(RIGHT), choose(FaceSelect.UPSTREAM, FaceBox.ofSize(520, 90, 90, 90)));
        assertEquals(Optional.of(BIG_LEFT), choose(FaceSelect.UPSTREAM, null));
    }

    @Test
    void shouldChooseNothingAmongNoFaces() {
        assertTrue(FaceChoice.choose(List.of(), FaceSelect.LARGEST, 640, 360, null).isEmpty());
    }

    @Test
    void shouldKeepTrackingTheOverlappingFaceEvenWhenALargerOneIsThere() {
        FaceBox moved = FaceBox.ofSize(510, 85, 100, 120);
        assertEquals(
                Optional.of(moved),
                FaceChoice.track(List.of(BIG_LEFT, moved, SMALL_CENTRE), RIGHT));
    }

    @Test
    void shouldFollowAFaceThatMovedFastButNotJumpToAnother() {
        // 50 px right in one step: little overlap left with a 60 px wide box, but near.
        FaceBox small = FaceBox.ofSize(100, 100, 60, 60);
        FaceBox moved = FaceBox.ofSize(150, 100, 60, 60);
        assertTrue(small.iou(moved) < FaceChoice.MIN_TRACK_IOU);
        assertEquals(Optional.of(moved), FaceChoice.track(List.of(moved, RIGHT), small));
        assertTrue(FaceChoice.track(List.of(RIGHT, SMALL_CENTRE), small).isEmpty());
    }

    private static Optional<FaceBox> choose(FaceSelect select, FaceBox upstream) {
        return FaceChoice.choose(FACES, select, 640, 360, upstream);
    }
}
