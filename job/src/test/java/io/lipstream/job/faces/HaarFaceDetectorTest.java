package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.samples.Samples;
import io.lipstream.schema.ImageCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The detector on the bundled clip, checked against how the clip was made (samples/README.md):
 * frame n shows the 640x360 window at (80 + 60 sin(0.9 t), 70 + 25 cos(0.7 t)), t = n/25, of the
 * portrait scaled from 512 to 800 pixels. The face's box in the portrait, shifted by that window,
 * is where the face must be in each frame.
 */
class HaarFaceDetectorTest {

    /** Largest distance allowed between the tracked and the expected box centres. */
    private static final double TOLERANCE_PX = 6;

    private static final int DETECT_EVERY = 5;

    /** The window the reference detection looks through: the centre of the clip's drift. */
    private static final int REFERENCE_WINDOW_X = 80, REFERENCE_WINDOW_Y = 70;

    private static HaarFaceDetector detector;
    private static List<BgrImage> frames;
    private static List<Optional<FaceBox>> detections;
    private static FaceBox portraitFace;

    @BeforeAll
    static void detectEveryFrame() throws IOException {
        detector = new HaarFaceDetector();
        frames = ClipFrames.all();
        portraitFace = detectInPortrait();
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
     * The face's box in the 800 px portrait, found once. The cascade runs on a 640x360 window of
     * the portrait, as on the frames: same scan scale and the same kind of global histogram (the
     * detector equalises the whole image), so that only the window offset differs.
     */
    private static FaceBox detectInPortrait() throws IOException {
        BgrImage portrait = portrait();
        int w = ClipFrames.WIDTH, h = ClipFrames.HEIGHT;
        int left = REFERENCE_WINDOW_X, top = REFERENCE_WINDOW_Y;
        byte[] window = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(
                    portrait.bgr(),
                    ((y + top) * portrait.width() + left) * 3,
                    window,
                    y * w * 3,
                    w * 3);
        }
        FaceBox inWindow = detector.detect(new BgrImage(w, h, window)).orElseThrow();
        return new FaceBox(
                inWindow.x1() + left,
                inWindow.y1() + top,
                inWindow.x2() + left,
                inWindow.y2() + top);
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

    /** Tracked centres against the expected ones, averaged over the same 5-frame windows. */
    private static void assertFollows(List<FaceBox> tracked, List<FaceBox> expected, String how) {
        int n = expected.size();
        int window = Wav2LipBoxes.SMOOTHING_FRAMES;
        double worst = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            int from = Math.min(i, n - window);
            double ex = 0, ey = 0;
            for (int j = from; j < from + window; j++) {
                ex += centreX(expected.get(j)) / window;
                ey += centreY(expected.get(j)) / window;
            }
            double d = Math.hypot(centreX(tracked.get(i)) - ex, centreY(tracked.get(i)) - ey);
            assertTrue(
                    d <= TOLERANCE_PX,
                    how + ": frame " + i + " centre is " + d + " px off: " + tracked.get(i));
            worst = Math.max(worst, d);
            squares += d * d;
        }
        System.out.printf(
                "Haar, detecting %s: smoothed padded centre vs expected over %d frames: max %.2f px, rms %.2f px%n",
                how, n, worst, Math.sqrt(squares / n));
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

    /** The 512 px portrait scaled to 800 px (bicubic, like ffmpeg's scale filter). */
    private static BgrImage portrait() throws IOException {
        byte[] png = Files.readAllBytes(Samples.FACE_PNG.path());
        BgrImage small = FrameImages.decode(ImageCodec.PNG, png, 512, 512, FrameLimits.defaults());
        int side = ClipFrames.PORTRAIT_SIZE;
        try (Mat in = Mats.of(small);
                Mat out = new Mat();
                Size size = new Size(side, side)) {
            resize(in, out, size, 0, 0, INTER_CUBIC);
            return new BgrImage(side, side, Mats.bytes(out));
        }
    }
}
