package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.samples.Samples;
import io.lipstream.schema.ImageCodec;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The face tracker without Flink: order, detection schedule, smoothing, cropping, rejection. */
class FaceTrackerTest {
    private static final int FACE = 96;
    private static final int SIZE = 512;
    private static byte[] portrait;

    private CountingDetector detector;

    /** The real Haar detector, counting how often each kind of detection runs. */
    private static final class CountingDetector implements FaceDetector {
        final HaarFaceDetector haar = new HaarFaceDetector(320);
        int full;
        int near;

        @Override
        public Optional<FaceBox> detect(BgrImage frame) {
            full++;
            return haar.detect(frame);
        }

        @Override
        public Optional<FaceBox> detectNear(BgrImage frame, FaceBox previous) {
            near++;
            return haar.detectNear(frame, previous);
        }

        @Override
        public void close() {
            haar.close();
        }
    }

    @BeforeAll
    static void load() throws Exception {
        NativeLibraries.load();
        portrait = Files.readAllBytes(Samples.FACE_PNG.path());
    }

    @BeforeEach
    void open() {
        detector = new CountingDetector();
    }

    @AfterEach
    void close() {
        detector.close();
    }

    private FaceTracker tracker(int detectEvery, int fullScanEvery, int reorderWindow) {
        return new FaceTracker(
                detector,
                FrameLimits.defaults(),
                new FaceTracker.Schedule(detectEvery, fullScanEvery, reorderWindow, FACE));
    }

    @Test
    void shouldDetectEveryNthFrameAndCarryTheBoxInBetween() {
        FaceTracker tracker = tracker(5, 10, 25);
        List<FaceFrame> out = run(tracker, new FaceTrackState(), 0, 12);

        assertEquals(12, out.size());
        assertEquals(1, detector.full, "the first detection scans the whole frame");
        assertEquals(2, detector.near, "frames 5 and 10 look around the carried box");
        assertTrue(out.stream().allMatch(FaceFrame::hasFace));
    }

    @Test
    void shouldScanTheWholeFrameAgainEveryFullScanEveryDetections() {
        FaceTracker tracker = tracker(1, 3, 25);
        run(tracker, new FaceTrackState(), 0, 7);

        assertEquals(3, detector.full, "frames 0, 3 and 6");
        assertEquals(4, detector.near);
    }

    @Test
    void shouldReleaseAFrameOnlyOnceItsFourFrameLookaheadIsThere() {
        FaceTracker tracker = tracker(5, 10, 25);
        FaceTrackState state = new FaceTrackState();
        for (int i = 0; i < 4; i++) {
            FaceTracker.Result r = tracker.offer(state, frame(i, portrait, false, null));
            assertTrue(r.frames().isEmpty(), "frame " + i + " releases nothing yet");
        }
        FaceTracker.Result fifth = tracker.offer(state, frame(4, portrait, false, null));
        assertEquals(List.of(0L), indices(fifth.frames()));
    }

    @Test
    void shouldSmoothUpstreamBoxesAsWav2LipDoes() {
        FaceTracker tracker = tracker(5, 10, 25);
        FaceTrackState state = new FaceTrackState();
        List<FaceFrame> out = new ArrayList<>();
        int[] xs = {100, 110, 120, 130, 140, 150};
        for (int i = 0; i < xs.length; i++) {
            var box = new io.lipstream.schema.FaceBox(xs[i], 100, 200, 200);
            out.addAll(tracker.offer(state, frame(i, portrait, i == xs.length - 1, box)).frames());
        }
        // Frame 0 averages frames 0..4: x1 = 120; bottom padded by 10.
        assertEquals(new FaceBox(120, 100, 320, 310), out.get(0).box);
        // Frame 1 averages frames 1..5: x1 = 130.
        assertEquals(new FaceBox(130, 100, 330, 310), out.get(1).box);
        assertEquals(xs.length, out.size());
    }

    @Test
    void shouldCropTheSmoothedBoxToTheModelSize() {
        FaceTracker tracker = tracker(5, 10, 25);
        var box = new io.lipstream.schema.FaceBox(100, 120, 200, 220);
        List<FaceFrame> out = new ArrayList<>();
        FaceTrackState state = new FaceTrackState();
        for (int i = 0; i < 5; i++) {
            out.addAll(tracker.offer(state, frame(i, portrait, i == 4, box)).frames());
        }
        BgrImage image =
                FrameImages.decode(ImageCodec.PNG, portrait, SIZE, SIZE, FrameLimits.defaults());
        byte[] expected = FaceTensors.crop(image, new FaceBox(100, 120, 300, 350), FACE);
        assertArrayEquals(expected, out.get(2).crop);
        assertEquals(FACE, out.get(2).faceSize);
    }

    @Test
    void shouldPutFramesBackInOrderAndGiveUpOnAGapAfterTheReorderWindow() {
        FaceTracker tracker = tracker(5, 10, 3);
        FaceTrackState state = new FaceTrackState();
        List<FaceFrame> out = new ArrayList<>();
        long skipped = 0;
        for (long i : new long[] {0, 2, 3, 4, 5, 6, 7, 8, 9}) {
            FaceTracker.Result r = tracker.offer(state, frame(i, portrait, i == 9, null));
            out.addAll(r.frames());
            skipped += r.skipped();
        }
        assertEquals(1, skipped, "frame 1 never came; four frames waited behind it");
        assertEquals(List.of(0L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), indices(out));
        FaceTracker.Result late =
                tracker.offer(new FaceTrackState(), frame(0, portrait, false, null));
        assertEquals(0, late.outOfOrder(), "a fresh stream starts anywhere");
    }

    @Test
    void shouldDropARepeatedFrameAndCountIt() {
        FaceTracker tracker = tracker(5, 10, 25);
        FaceTrackState state = new FaceTrackState();
        tracker.offer(state, frame(0, portrait, false, null));
        assertEquals(1, tracker.offer(state, frame(0, portrait, false, null)).outOfOrder());
        tracker.offer(state, frame(2, portrait, false, null));
        assertEquals(
                1,
                tracker.offer(state, frame(2, portrait, false, null)).outOfOrder(),
                "a repeat of a held frame");
    }

    @Test
    void shouldRejectAnUndecodableFrameAndKeepItsPlaceWithoutAnImage() {
        FaceTracker tracker = tracker(5, 10, 25);
        FaceTrackState state = new FaceTrackState();
        List<FaceFrame> out = new ArrayList<>();
        List<FaceTracker.Rejection> rejected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] image = i == 1 ? new byte[] {1, 2, 3} : portrait;
            FaceTracker.Result r = tracker.offer(state, frame(i, image, i == 5, null));
            out.addAll(r.frames());
            rejected.addAll(r.rejected());
        }
        assertEquals(6, out.size());
        assertNull(out.get(1).image);
        assertEquals(1, rejected.size());
        assertArrayEquals(new byte[] {1, 2, 3}, rejected.get(0).frame().image, "as sent");
        assertTrue(rejected.get(0).reason().contains("frame 1"), rejected.get(0).reason());
    }

    @Test
    void shouldLeaveNothingInTheStateWhenTheStreamEnds() {
        FaceTracker tracker = tracker(5, 10, 25);
        FaceTrackState state = new FaceTrackState();
        FaceTracker.Result end = null;
        for (long i : new long[] {0, 3, 2, 1, 4}) {
            end = tracker.offer(state, frame(i, portrait, i == 4, null));
        }
        assertTrue(end.ended());
        assertNull(state.getNextFrameIndex());
        assertTrue(state.getEarlyFrames().isEmpty());
        assertTrue(state.getAwaitingSmoothing().isEmpty());
        assertEquals(0, state.getSmoother().pending());
        assertNull(state.getLastDetected());
    }

    @Test
    void shouldKeepTheChosenFaceWhenALargerOneComesIn() {
        var right = new Portraits.Placed(380, 60, 0.5);
        var left = new Portraits.Placed(0, 0, 0.7);
        byte[] alone = Portraits.frame(right).bgr();
        byte[] both = Portraits.frame(left, right).bgr();
        List<FaceFrame> out = new ArrayList<>();
        try (FaceTracker tracker = blazeFace(5, FaceSelect.LARGEST, 25)) {
            FaceTrackState state = new FaceTrackState();
            for (int i = 0; i < 30; i++) {
                out.addAll(tracker.offer(state, wide(i, i < 10 ? alone : both, i == 29)).frames());
            }
        }
        assertEquals(30, out.size());
        for (FaceFrame f : out) {
            assertTrue(f.hasFace(), "frame " + f.frameIndex);
            assertTrue(
                    f.box.iou(right.face()) > 0.5,
                    "frame " + f.frameIndex + ": " + f.box + " stays on " + right.face());
        }
    }

    @Test
    void shouldPassFramesThroughWhileTheChosenFaceIsLostThenChooseAgainAndCountIt() {
        var left = new Portraits.Placed(0, 0, 0.7);
        var right = new Portraits.Placed(380, 60, 0.5);
        byte[] both = Portraits.frame(left, right).bgr();
        byte[] rightOnly = Portraits.frame(right).bgr();
        List<FaceFrame> out = new ArrayList<>();
        long reselections = 0;
        try (FaceTracker tracker = blazeFace(1, FaceSelect.LARGEST, 10)) {
            FaceTrackState state = new FaceTrackState();
            for (int i = 0; i < 25; i++) {
                FaceTracker.Result r =
                        tracker.offer(state, wide(i, i < 5 ? both : rightOnly, i == 24));
                out.addAll(r.frames());
                reselections += r.reselections();
            }
        }
        assertEquals(25, out.size());
        for (FaceFrame f : out) {
            long i = f.frameIndex;
            if (i < 5) {
                assertTrue(f.box.iou(left.face()) > 0.5, "frame " + i + ": the larger face");
            } else if (i < 15) {
                assertNull(f.box, "frame " + i + ": the chosen face is lost, no other is taken");
            } else {
                assertTrue(f.box.iou(right.face()) > 0.5, "frame " + i + ": chosen again");
            }
        }
        assertEquals(1, reselections);
    }

    @Test
    void shouldChooseTheFaceNearestTheCentreWhenAskedTo() {
        var left = new Portraits.Placed(0, 0, 0.7);
        var right = new Portraits.Placed(300, 60, 0.5);
        byte[] both = Portraits.frame(left, right).bgr();
        List<FaceFrame> out = new ArrayList<>();
        try (FaceTracker tracker = blazeFace(5, FaceSelect.CENTER, 25)) {
            FaceTrackState state = new FaceTrackState();
            for (int i = 0; i < 6; i++) {
                out.addAll(tracker.offer(state, wide(i, both, i == 5)).frames());
            }
        }
        assertTrue(out.stream().allMatch(f -> f.box.iou(right.face()) > 0.5), out.get(0).box + "");
    }

    @Test
    void shouldDetectOnAnHdFrameDecodedAtAReducedScaleAndFindTheSameFace() {
        BgrImage small = Portraits.frame(new Portraits.Placed(200, 40, 0.5));
        BgrImage hd;
        try (var mat = Mats.of(small);
                var big = new org.bytedeco.opencv.opencv_core.Mat();
                var size = new org.bytedeco.opencv.opencv_core.Size(1920, 1080)) {
            org.bytedeco.opencv.global.opencv_imgproc.resize(
                    mat, big, size, 0, 0, org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC);
            hd = new BgrImage(1920, 1080, Mats.bytes(big));
        }
        List<Integer> seen = new ArrayList<>();
        FaceBox smallBox = track(small, seen).box;
        FaceBox hdBox = track(hd, seen).box;

        assertEquals(List.of(640, 480), seen, "detection picture widths: 360p whole, 1080p at 1/4");
        // Wav2Lip pads the box by whole pixels (10 below), whatever the frame's size.
        int pad = Wav2LipBoxes.PAD_BOTTOM;
        FaceBox scaled =
                new FaceBox(
                        smallBox.x1() * 3,
                        smallBox.y1() * 3,
                        smallBox.x2() * 3,
                        (smallBox.y2() - pad) * 3 + pad);
        assertTrue(hdBox.iou(scaled) > 0.9, hdBox + " against 3 x " + smallBox);
    }

    /** The box BlazeFace tracking gives the first of six JPEG frames of {@code image}. */
    private static FaceFrame track(BgrImage image, List<Integer> detectionWidths) {
        byte[] jpeg = FrameImages.encodeJpeg(image, 95);
        FaceDetector blaze = new BlazeFaceDetector();
        FaceDetector recording =
                new FaceDetector() {
                    @Override
                    public Optional<FaceBox> detect(BgrImage frame) {
                        detectionWidths.add(frame.width());
                        return blaze.detect(frame);
                    }

                    @Override
                    public List<FaceBox> detectAll(BgrImage frame) {
                        detectionWidths.add(frame.width());
                        return blaze.detectAll(frame);
                    }

                    @Override
                    public void close() {
                        blaze.close();
                    }
                };
        List<FaceFrame> out = new ArrayList<>();
        try (FaceTracker tracker =
                new FaceTracker(
                        recording,
                        FrameLimits.defaults(),
                        new FaceTracker.Schedule(
                                25,
                                FaceTracker.FULL_SCAN_EVERY,
                                25,
                                FACE,
                                FaceSelect.LARGEST,
                                25))) {
            FaceTrackState state = new FaceTrackState();
            for (int i = 0; i < 6; i++) {
                FaceFrame f = frame(i, jpeg, i == 5, null);
                f.width = image.width();
                f.height = image.height();
                f.codec = ImageCodec.JPEG;
                out.addAll(tracker.offer(state, f).frames());
            }
        }
        return out.get(0);
    }

    private static FaceTracker blazeFace(int detectEvery, FaceSelect select, int reselectAfter) {
        return new FaceTracker(
                new BlazeFaceDetector(),
                FrameLimits.defaults(),
                new FaceTracker.Schedule(
                        detectEvery, FaceTracker.FULL_SCAN_EVERY, 25, FACE, select, reselectAfter));
    }

    private static FaceFrame wide(long i, byte[] bgr, boolean last) {
        FaceFrame f = frame(i, bgr, last, null);
        f.width = Portraits.WIDTH;
        f.height = Portraits.HEIGHT;
        f.codec = ImageCodec.BGR24;
        return f;
    }

    private static List<FaceFrame> run(
            FaceTracker tracker, FaceTrackState state, int from, int to) {
        List<FaceFrame> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.addAll(tracker.offer(state, frame(i, portrait, i == to - 1, null)).frames());
        }
        return out;
    }

    private static List<Long> indices(List<FaceFrame> frames) {
        return frames.stream().map(f -> f.frameIndex).toList();
    }

    static FaceFrame frame(long i, byte[] image, boolean last, io.lipstream.schema.FaceBox face) {
        FaceFrame f = new FaceFrame();
        f.streamId = "s";
        f.frameIndex = i;
        f.ptsMicros = i * 40_000;
        f.fpsNum = 25;
        f.fpsDen = 1;
        f.width = SIZE;
        f.height = SIZE;
        f.codec = ImageCodec.PNG;
        f.image = image;
        f.upstreamFace = face;
        f.last = last;
        f.capturedAtMillis = i;
        return f;
    }
}
