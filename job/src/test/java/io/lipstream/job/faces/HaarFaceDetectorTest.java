package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The detector on the bundled clip, checked against how the clip was made (samples/README.md):
 * frame n shows the 640x360 window at (80 + 60 sin(0.9 t), 70 + 25 cos(0.7 t)), t = n/25, of the
 * portrait scaled from 512 to 800 pixels. The face's box labelled by hand in the portrait, scaled
 * and shifted by that window, is where the face must be in each frame.
 */
class HaarFaceDetectorTest {

    /** Largest distance allowed between the tracked and the expected box centres. */
    private static final double TOLERANCE_PX = 6;

    /** Least overlap (intersection over union) of a tracked box with the labelled face. */
    private static final double MIN_OVERLAP = 0.5;

    private static final int DETECT_EVERY = 5;

    /** Side of face_astronaut.png, which the clip scales to {@link ClipFrames#PORTRAIT_SIZE}. */
    private static final int PORTRAIT_SOURCE_SIZE = 512;

    /**
     * The face in face_astronaut.png (512x512), labelled by hand on a 3x zoom of the picture: from
     * the left cheek (x 181) to the right one (x 268), from the hairline just above the brows (y
     * 86) to just under the chin (y 180). The same label as the end-to-end tests' ClipFace.
     */
    private static final FaceBox LABELLED_FACE = new FaceBox(181, 86, 268, 180);

    private static HaarFaceDetector detector;
    private static List<BgrImage> frames;
    private static List<Optional<FaceBox>> detections;
    private static FaceBox portraitFace;

    @BeforeAll
    static void detectEveryFrame() throws IOException {
        detector = new HaarFaceDetector();
        frames = ClipFrames.all();
        portraitFace = labelledInPortrait();
        detections = new ArrayList<>();
        for (BgrImage frame : frames) {
            detections.add(detector.detect(frame));
        }
    }

    @AfterAll
    static void close() {
        detector.close();
    }

    @Test
    void shouldFindTheFaceInEveryFrame() {
        assertTrue(frames.size() >= 290, "the clip has " + frames.size() + " frames");
        for (int n = 0; n < frames.size(); n++) {
            assertTrue(detections.get(n).isPresent(), "no face in frame " + n);
        }
    }

    @Test
    void shouldFollowTheFaceWhenDetectingEveryFrame() {
        List<FaceBox> padded = new ArrayList<>();
        List<FaceBox> expected = new ArrayList<>();
        for (int n = 0; n < frames.size(); n++) {
            padded.add(pad(detections.get(n).orElseThrow()));
            expected.add(pad(expectedFace(n)));
        }
        assertFollows(smooth(padded), expected, "every frame");
    }

    @Test
    void shouldFollowTheFaceWhenDetectingEveryFifthFrameAndCarryingTheBox() {
        List<FaceBox> padded = new ArrayList<>();
        List<FaceBox> expected = new ArrayList<>();
        for (int n = 0; n < frames.size(); n++) {
            int detectedAt = n - n % DETECT_EVERY;
            padded.add(pad(detections.get(detectedAt).orElseThrow()));
            expected.add(pad(expectedFace(detectedAt)));
        }
        assertFollows(smooth(padded), expected, "every " + DETECT_EVERY + "th frame");
    }

    @Test
    void shouldFollowTheFaceWhenLookingOnlyAroundTheLastBox() {
        List<FaceBox> padded = new ArrayList<>();
        List<FaceBox> expected = new ArrayList<>();
        FaceBox last = null;
        for (int n = 0; n < frames.size(); n++) {
            int detectedAt = n - n % DETECT_EVERY;
            if (n == detectedAt) {
                last =
                        last == null
                                ? detections.get(n).orElseThrow()
                                : detector.detectNear(frames.get(n), last).orElseThrow();
            }
            padded.add(pad(last));
            expected.add(pad(expectedFace(detectedAt)));
        }
        assertFollows(
                smooth(padded), expected, "around the last box every " + DETECT_EVERY + "th frame");
    }

    @Test
    void shouldScanTheWholeFrameWhenTheFaceLeftTheLastBox() {
        FaceBox face = detections.get(0).orElseThrow();
        FaceBox elsewhere =
                FaceBox.ofSize(
                        face.x2() < ClipFrames.WIDTH / 2 ? ClipFrames.WIDTH - 100 : 0, 0, 100, 100);

        FaceBox found = detector.detectNear(frames.get(0), elsewhere).orElseThrow();

        assertTrue(centreDistance(found, face) <= TOLERANCE_PX, found + " vs " + face);
    }

    @Test
    void shouldFindNoFaceInAFrameWithoutOne() {
        byte[] grey = new byte[ClipFrames.WIDTH * ClipFrames.HEIGHT * 3];
        Arrays.fill(grey, (byte) 128);
        assertEquals(
                Optional.empty(),
                detector.detect(new BgrImage(ClipFrames.WIDTH, ClipFrames.HEIGHT, grey)));
    }

    @Test
    void shouldReportTheSameFaceWhateverTheScanScale() {
        BgrImage frame = frames.get(0);
        FaceBox halved = detections.get(0).orElseThrow();
        try (HaarFaceDetector fullSize = new HaarFaceDetector(ClipFrames.WIDTH)) {
            FaceBox full = fullSize.detect(frame).orElseThrow();
            assertTrue(centreDistance(halved, full) <= TOLERANCE_PX, halved + " vs " + full);
        }
    }

    @Test
    void shouldIgnoreFacesNarrowerThanTheMinimum() {
        FaceBox face = detections.get(0).orElseThrow(); // about 150 px wide in a 640 px frame
        double tooLarge = 1.5 * face.width() / ClipFrames.WIDTH;
        try (HaarFaceDetector bigFacesOnly =
                new HaarFaceDetector(HaarFaceDetector.DEFAULT_DOWNSCALE_TO, tooLarge)) {
            assertEquals(Optional.empty(), bigFacesOnly.detect(frames.get(0)));
        }
    }

    /**
     * The face's box in the 800 px portrait, from the hand-labelled box in the 512 px one: not from
     * the detector under test.
     */
    private static FaceBox labelledInPortrait() {
        double scale = ClipFrames.PORTRAIT_SIZE / (double) PORTRAIT_SOURCE_SIZE;
        return new FaceBox(
                (int) Math.round(LABELLED_FACE.x1() * scale),
                (int) Math.round(LABELLED_FACE.y1() * scale),
                (int) Math.round(LABELLED_FACE.x2() * scale),
                (int) Math.round(LABELLED_FACE.y2() * scale));
    }

    /** The portrait's face box shifted by frame n's window. */
    private static FaceBox expectedFace(int n) {
        int dx = windowOffset(ClipFrames.windowX(n));
        int dy = windowOffset(ClipFrames.windowY(n));
        return new FaceBox(
                portraitFace.x1() - dx,
                portraitFace.y1() - dy,
                portraitFace.x2() - dx,
                portraitFace.y2() - dy);
    }

    /** ffmpeg's crop filter truncates the offset and, on yuv420p, rounds it down to even. */
    private static int windowOffset(double offset) {
        return ((int) offset) & ~1;
    }

    private static FaceBox pad(FaceBox raw) {
        return Wav2LipBoxes.pad(raw, ClipFrames.WIDTH, ClipFrames.HEIGHT);
    }

    private static List<FaceBox> smooth(List<FaceBox> padded) {
        BoxSmoother smoother = new BoxSmoother();
        List<SmoothedBox> out = new ArrayList<>();
        for (int n = 0; n < padded.size(); n++) {
            out.addAll(smoother.offer(n, padded.get(n)));
        }
        out.addAll(smoother.flush());
        assertEquals(padded.size(), out.size());
        return out.stream().map(SmoothedBox::box).toList();
    }

    /**
     * Tracked boxes against the hand-labelled ones (centres averaged over the same 5-frame
     * windows). A detector draws its box by its own convention (Haar's sits higher than the
     * labelled cheek-to-chin box, taking in the forehead), so the test asks two things: every
     * tracked box covers the labelled face (overlap ratio at least {@link #MIN_OVERLAP}), and the
     * tracked centre moves with the labelled one, staying within {@link #TOLERANCE_PX} of it once
     * the detector's constant offset (the mean over the clip) is taken off.
     */
    private static void assertFollows(List<FaceBox> tracked, List<FaceBox> expected, String how) {
        int n = expected.size();
        int window = Wav2LipBoxes.SMOOTHING_FRAMES;
        double[] dx = new double[n];
        double[] dy = new double[n];
        double biasX = 0, biasY = 0;
        for (int i = 0; i < n; i++) {
            int from = Math.min(i, n - window);
            double ex = 0, ey = 0;
            for (int j = from; j < from + window; j++) {
                ex += centreX(expected.get(j)) / window;
                ey += centreY(expected.get(j)) / window;
            }
            dx[i] = centreX(tracked.get(i)) - ex;
            dy[i] = centreY(tracked.get(i)) - ey;
            biasX += dx[i] / n;
            biasY += dy[i] / n;
            double overlap = overlap(tracked.get(i), expected.get(i));
            assertTrue(
                    overlap >= MIN_OVERLAP,
                    how
                            + ": frame "
                            + i
                            + " box "
                            + tracked.get(i)
                            + " covers the labelled face "
                            + expected.get(i)
                            + " by "
                            + overlap);
        }
        double worst = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double d = Math.hypot(dx[i] - biasX, dy[i] - biasY);
            assertTrue(
                    d <= TOLERANCE_PX,
                    how
                            + ": frame "
                            + i
                            + " centre is "
                            + d
                            + " px off the labelled face's path: "
                            + tracked.get(i));
            worst = Math.max(worst, d);
            squares += d * d;
        }
        System.out.printf(
                "Haar, detecting %s: smoothed padded centre vs the hand-labelled face over %d"
                        + " frames: offset (%.1f, %.1f) px, then max %.2f px, rms %.2f px%n",
                how, n, biasX, biasY, worst, Math.sqrt(squares / n));
    }

    /** Intersection over union of two boxes. */
    private static double overlap(FaceBox a, FaceBox b) {
        double w = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
        double h = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
        double both = w * h;
        double area = (double) a.width() * a.height() + (double) b.width() * b.height();
        return both / (area - both);
    }

    private static double centreDistance(FaceBox a, FaceBox b) {
        return Math.hypot(centreX(a) - centreX(b), centreY(a) - centreY(b));
    }

    private static double centreX(FaceBox b) {
        return (b.x1() + b.x2()) / 2.0;
    }

    private static double centreY(FaceBox b) {
        return (b.y1() + b.y2()) / 2.0;
    }
}
