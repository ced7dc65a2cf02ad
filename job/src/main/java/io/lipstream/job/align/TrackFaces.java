package io.lipstream.job.align;

import io.lipstream.connectors.kafka.DecodeRecords;
import io.lipstream.connectors.kafka.RawRecord;
import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.BoxSmoother;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FaceDetector;
import io.lipstream.job.faces.FaceTensors;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.HaarFaceDetector;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.job.faces.OnnxFaceDetector;
import io.lipstream.job.faces.SmoothedBox;
import io.lipstream.job.faces.Wav2LipBoxes;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Finds and tracks the face of every frame of a stream: the upstream detector's box when the frame
 * carries one, else the job's detector every {@code faces.detect-every} frames with the box carried
 * in between (the detector looks around the last box, and over the whole frame every {@link
 * #FULL_SCAN_EVERY} detections); pads and smooths boxes over Wav2Lip's 5-frame lookahead, then
 * crops each frame's face to the model's size. Frames without a face go on without a box (they pass
 * through unchanged). Undecodable frames go to the dead letters and on downstream without an image,
 * so the stream keeps its frame count.
 */
public final class TrackFaces extends KeyedProcessFunction<String, VideoFrame, FaceFrame> {
    private static final long serialVersionUID = 1L;

    /** Frames held behind a missing one before the gap is given up on: one second at 25 fps. */
    static final int REORDER_WINDOW = 25;

    /**
     * Detections between two scans of the whole frame; the ones in between look only around the
     * last box ({@link FaceDetector#detectNear}). With the default {@code faces.detect-every} of 5,
     * a whole-frame scan every 2 s at 25 fps finds a larger face that came in.
     */
    static final int FULL_SCAN_EVERY = 10;

    /** A frame that arrived ahead of its turn, kept as its contract bytes. */
    public static final class EarlyFrame {
        public byte[] record;
        public Long timestamp;
        public boolean last;

        public EarlyFrame() {}

        EarlyFrame(byte[] record, Long timestamp, boolean last) {
            this.record = record;
            this.timestamp = timestamp;
            this.last = last;
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackFaces.class);

    private final FacesOptions.Settings settings;
    private final int faceSize;
    private final String sourceTopic;

    private transient FaceDetector detector;
    private transient FrameLimits limits;
    private transient SingleObjectCodec<VideoFrame> codec;
    private transient ValueState<BoxSmoother> smoother;
    private transient ValueState<TreeMap<Long, FaceFrame>> waiting;
    private transient ValueState<FaceBox> lastDetected;
    private transient ValueState<Long> framesSinceDetection;
    private transient ValueState<Long> nearDetections;
    private transient Counter facesFound;
    private transient Counter framesWithoutFace;
    private transient Counter undecodable;
    private transient Counter detections;
    private transient Counter framesOutOfOrder;
    private transient Counter faceErrors;
    private transient ValueState<Long> nextFrameIndex;
    private transient ValueState<TreeMap<Long, EarlyFrame>> earlyFrames;
    private transient Counter framesSkipped;

    /** Set while handling the stream's last frame, so its state is not written back. */
    private transient boolean streamEnded;

    public TrackFaces(FacesOptions.Settings settings, int faceSize, String sourceTopic) {
        this.settings = settings;
        this.faceSize = faceSize;
        this.sourceTopic = sourceTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        NativeLibraries.load();
        detector =
                settings.detectorModel() == null
                        ? new HaarFaceDetector(settings.detectSize())
                        : new OnnxFaceDetector(Path.of(settings.detectorModel()));
        limits = new FrameLimits(settings.maxWidth(), settings.maxHeight(), settings.maxBytes());
        codec = SingleObjectCodec.of(VideoFrame.class);
        var rc = getRuntimeContext();
        smoother = rc.getState(new ValueStateDescriptor<>("box-smoother", BoxSmoother.class));
        waiting =
                rc.getState(
                        new ValueStateDescriptor<>(
                                "frames-awaiting-smoothing",
                                org.apache.flink.api.common.typeinfo.TypeInformation.of(
                                        new org.apache.flink.api.common.typeinfo.TypeHint<
                                                TreeMap<Long, FaceFrame>>() {})));
        lastDetected = rc.getState(new ValueStateDescriptor<>("last-detected", FaceBox.class));
        framesSinceDetection =
                rc.getState(new ValueStateDescriptor<>("frames-since-detection", Long.class));
        nearDetections = rc.getState(new ValueStateDescriptor<>("near-detections", Long.class));
        var group = rc.getMetricGroup().addGroup("lipsync");
        facesFound = group.counter("framesWithFace");
        framesWithoutFace = group.counter("framesWithoutFace");
        undecodable = group.counter("framesUndecodable");
        detections = group.counter("faceDetections");
        framesOutOfOrder = group.counter("framesOutOfOrder");
        faceErrors = group.counter("faceErrors");
        framesSkipped = group.counter("framesSkipped");
        nextFrameIndex = rc.getState(new ValueStateDescriptor<>("next-frame-index", Long.class));
        earlyFrames =
                rc.getState(
                        new ValueStateDescriptor<>(
                                "early-frames",
                                org.apache.flink.api.common.typeinfo.TypeInformation.of(
                                        new org.apache.flink.api.common.typeinfo.TypeHint<
                                                TreeMap<Long, EarlyFrame>>() {})));
    }

    @Override
    public void processElement(VideoFrame in, Context ctx, Collector<FaceFrame> out)
            throws Exception {
        long index = in.getFrameIndex();
        Long expected = nextFrameIndex.value();
        long next = expected == null ? index : expected;
        if (index < next) {
            // A repeat, or a frame given up on: the segment stage has closed that gap.
            framesOutOfOrder.inc();
            return;
        }
        TreeMap<Long, EarlyFrame> early = earlyFrames.value();
        if (index == next && (early == null || early.isEmpty())) {
            track(in, ctx.timestamp(), ctx, out);
            next++;
        } else {
            // Smoothing needs frame order: hold frames that arrive ahead of a missing one.
            if (early == null) {
                early = new TreeMap<>();
            }
            EarlyFrame held = new EarlyFrame(codec.encode(in), ctx.timestamp(), in.getLast());
            if (early.putIfAbsent(index, held) != null) {
                framesOutOfOrder.inc();
            }
            next = drainInOrder(early, next, ctx, out);
        }
        if (streamEnded) {
            streamEnded = false; // the stream's state was cleared with its last frame
        } else {
            nextFrameIndex.update(next);
        }
    }

    /**
     * Tracks the held frames that are next in order. A gap is given up on when more than {@link
     * #REORDER_WINDOW} frames wait behind it or when the stream's last frame is among them.
     */
    private long drainInOrder(
            TreeMap<Long, EarlyFrame> early, long next, Context ctx, Collector<FaceFrame> out)
            throws Exception {
        while (!early.isEmpty()) {
            EarlyFrame held = early.remove(next);
            if (held != null) {
                track(codec.decode(held.record), held.timestamp, ctx, out);
                next++;
                if (streamEnded) {
                    early.clear();
                    break;
                }
                continue;
            }
            boolean endWaits = early.values().stream().anyMatch(e -> e.last);
            if (early.size() <= REORDER_WINDOW && !endWaits) {
                break;
            }
            framesSkipped.inc(early.firstKey() - next);
            next = early.firstKey();
        }
        if (streamEnded || early.isEmpty()) {
            earlyFrames.clear();
        } else {
            earlyFrames.update(early);
        }
        return next;
    }

    private void track(VideoFrame in, Long timestamp, Context ctx, Collector<FaceFrame> out)
            throws Exception {
        FaceFrame frame = toFaceFrame(in, timestamp);
        FaceBox padded = null;
        try {
            Optional<FaceBox> raw = rawBox(frame, ctx);
            if (raw.isPresent()
                    && Wav2LipBoxes.overlapsFrame(raw.get(), frame.width, frame.height)) {
                padded = Wav2LipBoxes.pad(raw.get(), frame.width, frame.height);
            }
        } catch (RuntimeException e) {
            // A detector failure costs this frame its face, not the stream.
            faceErrors.inc();
            LOG.warn(
                    "stream {} frame {}: face detection failed",
                    frame.streamId,
                    frame.frameIndex,
                    e);
        }

        BoxSmoother boxes = smoother.value();
        if (boxes == null) {
            boxes = new BoxSmoother(Wav2LipBoxes.SMOOTHING_FRAMES);
        }
        TreeMap<Long, FaceFrame> pending = waiting.value();
        if (pending == null) {
            pending = new TreeMap<>();
        }
        pending.put(frame.frameIndex, frame);
        emit(boxes.offer(frame.frameIndex, padded), pending, ctx, out);
        if (frame.last) {
            emit(boxes.flush(), pending, ctx, out);
            // Anything left (should be nothing) goes on without a face rather than being lost.
            for (FaceFrame rest : pending.values()) {
                framesWithoutFace.inc();
                out.collect(rest);
            }
            smoother.clear();
            waiting.clear();
            nextFrameIndex.clear();
            earlyFrames.clear();
            streamEnded = true;
            lastDetected.clear();
            framesSinceDetection.clear();
            nearDetections.clear();
            return;
        }
        smoother.update(boxes);
        waiting.update(pending);
    }

    /**
     * The frame's face before smoothing: the upstream detector's box, the carried box between
     * detections, or a new detection. Only a detection decodes the image; a frame that does not
     * decode then is rejected ({@link #decodeOrReject}) and the next frame detects instead.
     */
    private Optional<FaceBox> rawBox(FaceFrame frame, Context ctx) throws Exception {
        if (frame.upstreamFace != null) {
            var f = frame.upstreamFace;
            return Optional.of(FaceBox.ofSize(f.getX(), f.getY(), f.getWidth(), f.getHeight()));
        }
        Long since = framesSinceDetection.value();
        FaceBox carried = lastDetected.value();
        if (since != null && since + 1 < settings.detectEvery()) {
            framesSinceDetection.update(since + 1);
            return Optional.ofNullable(carried);
        }
        BgrImage image = decodeOrReject(frame, ctx);
        if (image == null) {
            return Optional.empty();
        }
        detections.inc();
        Long near = nearDetections.value();
        Optional<FaceBox> found;
        if (carried != null && near != null && near + 1 < FULL_SCAN_EVERY) {
            found = detector.detectNear(image, carried);
            nearDetections.update(near + 1);
        } else {
            found = detector.detect(image);
            nearDetections.update(0L);
        }
        framesSinceDetection.update(0L);
        if (found.isPresent()) {
            lastDetected.update(found.get());
        } else {
            lastDetected.clear();
        }
        return found;
    }

    /**
     * Sends the frames whose smoothed box is final, each with its face cropped. Every frame is
     * decoded here, with a box or without, so that an undecodable one is rejected whether or not it
     * had a face; detection frames were decoded once before, the others only here.
     */
    private void emit(
            Iterable<SmoothedBox> smoothed,
            TreeMap<Long, FaceFrame> pending,
            Context ctx,
            Collector<FaceFrame> out) {
        for (SmoothedBox s : smoothed) {
            FaceFrame frame = pending.remove(s.frameIndex());
            if (frame == null) {
                continue;
            }
            // The crop needs no more pixels than the model's face size across the box: decode at
            // the scale that still gives that (a frame without a face only needs to decode).
            int factor = s.box() == null ? FrameImages.MAX_REDUCTION : reduction(s.box());
            FrameImages.Reduced picture =
                    frame.image == null ? null : decodeOrReject(frame, ctx, factor);
            if (s.box() != null && picture != null) {
                frame.box = s.box();
                frame.crop = FaceTensors.crop(picture.image(), picture.scale(s.box()), faceSize);
                frame.faceSize = faceSize;
                facesFound.inc();
            } else {
                framesWithoutFace.inc();
            }
            out.collect(frame);
        }
    }

    /**
     * The largest reduction (1, 2, 4, 8) at which the box still spans at least the model's face
     * size, so that the crop is only ever scaled down.
     */
    private int reduction(FaceBox box) {
        int factor = 1;
        while (factor < FrameImages.MAX_REDUCTION
                && Math.min(box.width(), box.height()) >= 2 * factor * faceSize) {
            factor *= 2;
        }
        return factor;
    }

    /**
     * Decodes the frame's image; when it does not decode, sends the frame to the dead letters,
     * drops its image (it goes on without one, keeping its place in the stream) and returns null.
     */
    private BgrImage decodeOrReject(FaceFrame frame, Context ctx) {
        FrameImages.Reduced picture = decodeOrReject(frame, ctx, 1);
        return picture == null ? null : picture.image();
    }

    /** As {@link #decodeOrReject(FaceFrame, Context)}, at {@code 1/factor} of the size. */
    private FrameImages.Reduced decodeOrReject(FaceFrame frame, Context ctx, int factor) {
        try {
            return FrameImages.decodeReduced(
                    frame.codec, frame.image, frame.width, frame.height, limits, factor);
        } catch (ImageDecodeException e) {
            undecodable.inc();
            ctx.output(
                    DecodeRecords.REJECTED,
                    DecodeRecords.rejection(
                            new RawRecord(
                                    sourceTopic,
                                    -1,
                                    -1,
                                    frame.capturedAtMillis,
                                    frame.streamId.getBytes(StandardCharsets.UTF_8),
                                    codec.encode(toVideoFrame(frame))),
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

    private static FaceFrame toFaceFrame(VideoFrame in, Long timestamp) {
        FaceFrame frame = new FaceFrame();
        frame.streamId = in.getStreamId();
        frame.frameIndex = in.getFrameIndex();
        frame.ptsMicros = in.getPtsMicros();
        if (in.getFrameRate() != null) {
            frame.fpsNum = in.getFrameRate().getNum();
            frame.fpsDen = in.getFrameRate().getDen();
        }
        frame.width = in.getWidth();
        frame.height = in.getHeight();
        frame.codec = in.getCodec();
        frame.image = Bytes.of(in.getImage());
        frame.upstreamFace = in.getFace();
        frame.last = in.getLast();
        frame.capturedAtMillis = timestamp == null ? System.currentTimeMillis() : timestamp;
        return frame;
    }

    /** The record a frame came from, for the dead letters: every field of the contract. */
    private static VideoFrame toVideoFrame(FaceFrame frame) {
        return VideoFrame.newBuilder()
                .setStreamId(frame.streamId)
                .setFrameIndex(frame.frameIndex)
                .setPtsMicros(frame.ptsMicros)
                .setFrameRate(
                        frame.fpsNum > 0 && frame.fpsDen > 0
                                ? new FrameRate(frame.fpsNum, frame.fpsDen)
                                : null)
                .setWidth(frame.width)
                .setHeight(frame.height)
                .setCodec(frame.codec)
                .setImage(ByteBuffer.wrap(frame.image))
                .setFace(frame.upstreamFace)
                .setLast(frame.last)
                .build();
    }

    @Override
    public void close() throws Exception {
        if (detector != null) {
            detector.close();
        }
    }
}
