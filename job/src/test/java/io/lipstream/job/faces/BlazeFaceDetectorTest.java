package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real BlazeFace models from the job jar, run by ONNX Runtime on the CPU. */
class BlazeFaceDetectorTest {
    private static BlazeFaceDetector full;
    private static BlazeFaceDetector shortRange;

    @BeforeAll
    static void open() {
        full = new BlazeFaceDetector();
        shortRange =
                new BlazeFaceDetector(
                        BlazeFaceDetector.Range.SHORT, BlazeFaceDetector.DEFAULT_MIN_SCORE, 1);
    }

    @AfterAll
    static void close() {
        full.close();
        shortRange.close();
    }

    @Test
    void shouldMapThePortraitsFaceToTheExtentWav2LipsBoxesHave() {
        for (BlazeFaceDetector detector : List.of(full, shortRange)) {
            List<FaceBox> faces = detector.detectAll(Portraits.portrait());
            assertEquals(1, faces.size(), detector.range() + ": " + faces);
            double iou = faces.get(0).iou(Portraits.FACE);
            assertTrue(iou > 0.8, detector.range() + ": " + faces.get(0) + " IoU " + iou);
        }
    }

    @Test
    void shouldPlaceTheKeypointsOnTheFace() {
        var face = full.faces(Portraits.portrait()).get(0);
        float eyeY =
                (face.keypointY(BlazeFaceDecoder.RIGHT_EYE)
                                + face.keypointY(BlazeFaceDecoder.LEFT_EYE))
                        / 2;
        assertTrue(eyeY < face.keypointY(BlazeFaceDecoder.NOSE), "eyes above the nose");
        assertTrue(
                face.keypointY(BlazeFaceDecoder.NOSE) < face.keypointY(BlazeFaceDecoder.MOUTH),
                "nose above the mouth");
        for (int k = 0; k < BlazeFaceDecoder.KEYPOINTS; k++) {
            assertTrue(
                    face.keypointX(k) > Portraits.FACE.x1() - 10
                            && face.keypointX(k) < Portraits.FACE.x2() + 10,
                    "keypoint " + k + " within the face's width");
        }
    }

    @Test
    void shouldFindBothPeopleInAFrameAndKnowWhichIsLarger() {
        var left = new Portraits.Placed(0, 0, 0.7);
        var right = new Portraits.Placed(380, 60, 0.5);
        List<FaceBox> faces = full.detectAll(Portraits.frame(left, right));

        assertEquals(2, faces.size(), faces.toString());
        FaceBox largest = faces.stream().max(Comparator.comparingLong(FaceBox::area)).get();
        assertTrue(largest.iou(left.face()) > 0.6, largest + " vs " + left.face());
        assertTrue(faces.stream().anyMatch(f -> f.iou(right.face()) > 0.6), faces.toString());
    }

    @Test
    void shouldFindNoFaceInAnEmptyFrame() {
        assertTrue(full.detectAll(Portraits.frame()).isEmpty());
        assertTrue(full.detect(Portraits.frame()).isEmpty());
    }
}
