package io.lipstream.job.faces;

import io.lipstream.job.stream.FaceFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds and tracks the face of one stream's frames (Flink-free; the operator {@code TrackFaces}
 * owns one per subtask and keeps a {@link FaceTrackState} per stream as keyed state).
 *
 * <p>Frames are put back in order first (smoothing needs it): frames ahead of a missing one wait,
 * and the gap is given up on when more than {@code reorderWindow} frames wait behind it or when the
 * stream's last frame is among them. Each frame in order then gets a raw box: the upstream
 * detector's box when the frame carries one, else a detection every {@code detectEvery} frames with
 * the box carried in between (the detector looks around the last box, and over the whole frame
 * every {@code fullScanEvery} detections or when the look around finds someone else). Of several
 * faces one is chosen ({@link FaceSelect}) and then tracked ({@link FaceChoice#track}): while it is
 * lost, frames have no face, and after {@code reselectAfter} frames one is chosen again. Boxes are
 * padded and smoothed over Wav2Lip's 5-frame lookahead, then each frame's face is cropped to the
 * model's size. Frames without a face go on without a box; frames whose image does not decode are
 * reported in {@link Result#rejected()} and go on without an image, so the stream keeps its frame
 * count.
 */
public final class FaceTracker implements AutoCloseable {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(FaceTracker.class);

    /** Frames held behind a missing one before the gap is given up on: one second at 25 fps. */
    public static final int REORDER_WINDOW = 25;

    /**
     * Detections between two scans of the whole frame; the ones in between look only around the
     * last box ({@link FaceDetector#detectNear}). With the default {@code faces.detect-every} of 5,
     * a whole-frame scan every 2 s at 25 fps finds a larger face that came in.
     */
    public static final int FULL_SCAN_EVERY = 10;

    /**
     * Fewest pixels on the long side of the picture a detection runs on: a frame larger than twice
     * this decodes at a reduced scale for detection ({@link #detectionReduction}).
     */
    static final int DETECTION_LONG_SIDE = 480;

    /** Detection pictures kept for the crop at most: a few per stream of a busy subtask. */
    private static final int KEPT_DETECTION_PICTURES = 64;

    /**
     * How the tracker schedules detections, chooses among several faces ({@code select}; a face
     * lost for more than {@code reselectAfter} frames is chosen again) and crops faces.
     */
    public record Schedule(
            int detectEvery,
            int fullScanEvery,
            int reorderWindow,
            int faceSize,
            FaceSelect select,
            int reselectAfter) {
        public Schedule {
            if (detectEvery < 1
                    || fullScanEvery < 1
                    || reorderWindow < 0
                    || faceSize < 1
                    || reselectAfter < 0) {
                throw new IllegalArgumentException(
                        "expected detectEvery >= 1, fullScanEvery >= 1, reorderWindow >= 0,"
                                + " faceSize >= 1 and reselectAfter >= 0, found "
                                + this);
            }
        }

        /** Schedule of the four counts, the largest face chosen, re-chosen after a second. */
        public Schedule(int detectEvery, int fullScanEvery, int reorderWindow, int faceSize) {
            this(
                    detectEvery,
                    fullScanEvery,
                    reorderWindow,
                    faceSize,
                    FaceSelect.LARGEST,
                    DEFAULT_RESELECT_AFTER);
        }

        /** Wav2Lip's face size and this class's defaults, detecting every {@code detectEvery}. */
        public static Schedule every(int detectEvery, int faceSize) {
            return new Schedule(detectEvery, FULL_SCAN_EVERY, REORDER_WINDOW, faceSize);
        }
    }

    /** Frames a chosen face may be lost before another is chosen: one second at 25 fps. */
    public static final int DEFAULT_RESELECT_AFTER = 25;

    /** A frame whose image did not decode, as it was offered (image included), and why. */
    public record Rejection(FaceFrame frame, String reason) {}

    /**
     * What one offered frame released: frames in order (cropped when they have a face), the
     * rejected ones, counts for metrics, and whether the stream ended (its state is then empty and
     * should be dropped).
     */
    public static final class Result {
        private final List<FaceFrame> frames = new ArrayList<>();
        private final List<Rejection> rejected = new ArrayList<>();
        private long withFace;
        private long withoutFace;
        private long detections;
        private long outOfOrder;
        private long skipped;
        private long detectorErrors;
        private long reselections;
        private boolean ended;

        public List<FaceFrame> frames() {
            return frames;
        }

        public List<Rejection> rejected() {
            return rejected;
        }

        public long withFace() {
            return withFace;
        }

        public long withoutFace() {
            return withoutFace;
        }

        public long detections() {
            return detections;
        }

        /** Repeated frames, and frames older than a gap given up on: dropped. */
        public long outOfOrder() {
            return outOfOrder;
        }

        /** Frames of gaps given up on (never arrived in time). */
        public long skipped() {
            return skipped;
        }

        public long detectorErrors() {
            return detectorErrors;
        }

        /** Faces chosen again after the chosen one was lost for longer than the grace period. */
        public long reselections() {
            return reselections;
        }

        public boolean ended() {
            return ended;
        }
    }

    private final FaceDetector detector;
    private final FrameLimits limits;
    private final Schedule schedule;

    /**
     * Detection frames' pictures, kept for their crop a few frames later (not state: after a
     * restore the crop decodes again). Bounded, so a frame that never leaves (its stream ended, or
     * it was dropped) is forgotten.
     */
    private final Map<String, FrameImages.Reduced> detectionPictures =
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, FrameImages.Reduced> e) {
                    return size() > KEPT_DETECTION_PICTURES;
                }
            };

    public FaceTracker(FaceDetector detector, FrameLimits limits, Schedule schedule) {
        this.detector = Objects.requireNonNull(detector, "detector");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * Offers the stream's next frame as it arrived. The state is updated in place; once {@link
     * Result#ended()} it holds nothing and the caller drops it.
     */
    public Result offer(FaceTrackState state, FaceFrame frame) {
        Result result = new Result();
        long index = frame.frameIndex;
        long next = state.getNextFrameIndex() == null ? index : state.getNextFrameIndex();
        if (index < next) {
            // A repeat, or a frame given up on: the segment stage has closed that gap.
            result.outOfOrder++;
            return result;
        }
        List<FaceFrame> early = state.getEarlyFrames();
        if (index == next && early.isEmpty()) {
            track(state, frame, result);
            next++;
        } else {
            if (!hold(early, frame)) {
                result.outOfOrder++;
            }
            next = drainInOrder(state, next, result);
        }
        if (!result.ended) {
            state.setNextFrameIndex(next);
        }
        return result;
    }

    /** Inserts the frame in index order; false if a frame with its index already waits. */
    private static boolean hold(List<FaceFrame> early, FaceFrame frame) {
        int at = 0;
        while (at < early.size() && early.get(at).frameIndex < frame.frameIndex) {
            at++;
        }
        if (at < early.size() && early.get(at).frameIndex == frame.frameIndex) {
            return false;
        }
        early.add(at, frame);
        return true;
    }

    private long drainInOrder(FaceTrackState state, long next, Result result) {
        List<FaceFrame> early = state.getEarlyFrames();
        while (!early.isEmpty() && !result.ended) {
            FaceFrame first = early.get(0);
            if (first.frameIndex == next) {
                early.remove(0);
                track(state, first, result);
                next++;
                continue;
            }
            boolean endWaits = early.stream().anyMatch(f -> f.last);
            if (early.size() <= schedule.reorderWindow() && !endWaits) {
                break;
            }
            result.skipped += first.frameIndex - next;
            next = first.frameIndex;
        }
        return next;
    }

    private void track(FaceTrackState state, FaceFrame frame, Result result) {
        FaceBox padded = null;
        try {
            Optional<FaceBox> raw = rawBox(state, frame, result);
            if (raw.isPresent()
                    && Wav2LipBoxes.overlapsFrame(raw.get(), frame.width, frame.height)) {
                padded = Wav2LipBoxes.pad(raw.get(), frame.width, frame.height);
            }
        } catch (RuntimeException e) {
            // A detector failure costs this frame its face, not the stream.
            result.detectorErrors++;
            LOG.warn(
                    "stream {} frame {}: face detection failed",
                    frame.streamId,
                    frame.frameIndex,
                    e);
        }
        state.getAwaitingSmoothing().add(frame);
        emit(state, state.getSmoother().offer(frame.frameIndex, padded), result);
        if (frame.last) {
            emit(state, state.getSmoother().flush(), result);
            // Anything left (should be nothing) goes on without a face rather than being lost.
            for (FaceFrame rest : state.getAwaitingSmoothing()) {
                result.withoutFace++;
                result.frames.add(rest);
            }
            clear(state);
            result.ended = true;
        }
    }

    private static void clear(FaceTrackState state) {
        state.setNextFrameIndex(null);
        state.getEarlyFrames().clear();
        state.getAwaitingSmoothing().clear();
        state.setSmoother(null);
        state.setLastDetected(null);
        state.setFramesSinceDetection(null);
        state.setNearDetections(null);
        state.setFramesLost(null);
        state.setUpstreamHint(null);
    }

    /**
     * The frame's face before smoothing: the upstream detector's box, the carried box between
     * detections, or a new detection: of all faces detected, the chosen one tracked from the last
     * detection, or one chosen by {@link Schedule#select()}. While the chosen face is lost, frames
     * have none; after {@link Schedule#reselectAfter()} frames a face is chosen again. Only a
     * detection decodes the image; a frame that does not decode then is rejected and the next frame
     * detects instead.
     */
    private Optional<FaceBox> rawBox(FaceTrackState state, FaceFrame frame, Result result) {
        if (frame.upstreamFace != null) {
            var f = frame.upstreamFace;
            FaceBox box = FaceBox.ofSize(f.getX(), f.getY(), f.getWidth(), f.getHeight());
            state.setUpstreamHint(box);
            return Optional.of(box);
        }
        Long since = state.getFramesSinceDetection();
        FaceBox chosen = state.getLastDetected();
        boolean lost = state.getFramesLost() != null;
        if (since != null && since + 1 < schedule.detectEvery()) {
            state.setFramesSinceDetection(since + 1);
            return lost ? Optional.empty() : Optional.ofNullable(chosen);
        }
        FrameImages.Reduced picture =
                decodeOrReject(frame, result, detectionReduction(frame.width, frame.height));
        if (picture == null) {
            return Optional.empty();
        }
        BgrImage image = picture.image();
        detectionPictures.put(pictureKey(frame), picture);
        result.detections++;
        long elapsed = since == null ? 1 : since + 1;
        state.setFramesSinceDetection(0L);
        Long near = state.getNearDetections();
        List<FaceBox> faces = null;
        if (chosen != null && !lost && near != null && near + 1 < schedule.fullScanEvery()) {
            List<FaceBox> around =
                    detector.detectNear(image, picture.scale(chosen))
                            .map(box -> List.of(picture.toFrame(box)))
                            .orElse(List.of());
            if (FaceChoice.track(around, chosen).isPresent()) {
                faces = around;
                state.setNearDetections(near + 1);
            }
            // Else the look around found someone else or no one: scan the whole frame.
        }
        if (faces == null) {
            faces = detector.detectAll(image).stream().map(picture::toFrame).toList();
            state.setNearDetections(0L);
        }
        boolean again = false;
        if (chosen != null) {
            Optional<FaceBox> tracked = FaceChoice.track(faces, chosen);
            if (tracked.isPresent()) {
                state.setLastDetected(tracked.get());
                state.setFramesLost(null);
                return tracked;
            }
            long lostFor = (lost ? state.getFramesLost() : 0) + elapsed;
            if (lostFor <= schedule.reselectAfter()) {
                state.setFramesLost(lostFor);
                return Optional.empty();
            }
            // Lost for longer than the grace period: whoever is there now may be chosen.
            again = true;
            state.setLastDetected(null);
            state.setFramesLost(null);
        }
        Optional<FaceBox> picked =
                FaceChoice.choose(
                        faces,
                        schedule.select(),
                        frame.width,
                        frame.height,
                        state.getUpstreamHint());
        if (picked.isPresent()) {
            state.setLastDetected(picked.get());
            if (again) {
                result.reselections++;
            }
        }
        return picked;
    }

    /**
     * Releases the frames whose smoothed box is final, each with its face cropped. Every frame is
     * decoded, with a box or without, so that an undecodable one is rejected whether or not it had
     * a face: a detection frame for its detection (its picture serves the crop too when it has
     * pixels enough), the others only here.
     */
    private void emit(FaceTrackState state, List<SmoothedBox> smoothed, Result result) {
        List<FaceFrame> waiting = state.getAwaitingSmoothing();
        for (SmoothedBox s : smoothed) {
            FaceFrame frame = removeFrame(waiting, s.frameIndex());
            if (frame == null) {
                continue;
            }
            // The crop needs no more pixels than the model's face size across the box: decode at
            // the scale that still gives that (a frame without a face only needs to decode).
            int factor = s.box() == null ? FrameImages.MAX_REDUCTION : cropReduction(s.box());
            FrameImages.Reduced detected = detectionPictures.remove(pictureKey(frame));
            FrameImages.Reduced picture =
                    frame.image == null
                            ? null
                            : detected != null && detected.factor() <= factor
                                    ? detected // decoded for its detection, with pixels enough
                                    : decodeOrReject(frame, result, factor);
            if (s.box() != null && picture != null) {
                frame.box = s.box();
                frame.crop =
                        FaceTensors.crop(
                                picture.image(), picture.scale(s.box()), schedule.faceSize());
                frame.faceSize = schedule.faceSize();
                result.withFace++;
            } else {
                result.withoutFace++;
            }
            result.frames.add(frame);
        }
    }

    private static String pictureKey(FaceFrame frame) {
        return frame.streamId + "#" + frame.frameIndex;
    }

    private static FaceFrame removeFrame(List<FaceFrame> frames, long frameIndex) {
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).frameIndex == frameIndex) {
                return frames.remove(i);
            }
        }
        return null;
    }

    /**
     * The largest reduction (1, 2, 4, 8) at which the box still spans at least the model's face
     * size, so that the crop is only ever scaled down.
     */
    private int cropReduction(FaceBox box) {
        int factor = 1;
        while (factor < FrameImages.MAX_REDUCTION
                && Math.min(box.width(), box.height()) >= 2 * factor * schedule.faceSize()) {
            factor *= 2;
        }
        return factor;
    }

    /**
     * The largest reduction (1, 2, 4, 8) that leaves a detection frame {@link #DETECTION_LONG_SIDE}
     * pixels or more on its long side: the detectors look at less (BlazeFace at 128 or 256, Haar at
     * {@code faces.detect-size}, 320 by default), so a 1080p frame decodes at 1/4 for detection and
     * loses them nothing.
     */
    private static int detectionReduction(int width, int height) {
        int factor = 1;
        while (factor < FrameImages.MAX_REDUCTION
                && Math.max(width, height) / (2 * factor) >= DETECTION_LONG_SIDE) {
            factor *= 2;
        }
        return factor;
    }

    /**
     * Decodes the frame's image at {@code 1/factor} of its size; when it does not decode, reports
     * the frame as it was offered, drops its image (it goes on without one, keeping its place in
     * the stream) and returns null.
     */
    private FrameImages.Reduced decodeOrReject(FaceFrame frame, Result result, int factor) {
        try {
            return FrameImages.decodeReduced(
                    frame.codec, frame.image, frame.width, frame.height, limits, factor);
        } catch (ImageDecodeException e) {
            result.rejected.add(
                    new Rejection(
                            frame.withoutCrop(),
                            "stream "
                                    + frame.streamId
                                    + " frame "
                                    + frame.frameIndex
                                    + ": "
                                    + e.getMessage()));
            frame.image = null;
            return null;
        }
    }

    @Override
    public void close() {
        detector.close();
    }
}
