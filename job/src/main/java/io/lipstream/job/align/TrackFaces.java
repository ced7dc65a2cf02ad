package io.lipstream.job.align;

import io.lipstream.connectors.kafka.DecodeRecords;
import io.lipstream.connectors.kafka.RawRecord;
import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.faces.BlazeFaceDetector;
import io.lipstream.job.faces.FaceDetector;
import io.lipstream.job.faces.FaceTrackState;
import io.lipstream.job.faces.FaceTracker;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.HaarFaceDetector;
import io.lipstream.job.faces.OnnxFaceDetector;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Finds, tracks and crops the face of every frame of a stream with a {@link FaceTracker} (frame
 * order, detection schedule, smoothing, cropping), keeping each stream's {@link FaceTrackState} as
 * keyed state. Frames come out in order, cropped when they have a face; frames whose image does not
 * decode go to the dead letters as they were sent and on downstream without an image, so the stream
 * keeps its frame count. State is cleared with the stream's last frame; no timers.
 */
public final class TrackFaces extends KeyedProcessFunction<String, VideoFrame, FaceFrame> {
    private static final long serialVersionUID = 1L;

    /** Name of the keyed state: part of the savepoint contract, keep it when refactoring. */
    static final String STATE_NAME = "face-track";

    private final FacesOptions.Settings settings;
    private final int faceSize;
    private final String sourceTopic;

    private transient FaceTracker tracker;
    private transient SingleObjectCodec<VideoFrame> codec;
    private transient ValueState<FaceTrackState> state;
    private transient Counter facesFound;
    private transient Counter framesWithoutFace;
    private transient Counter undecodable;
    private transient Counter detections;
    private transient Counter framesOutOfOrder;
    private transient Counter faceErrors;
    private transient Counter framesSkipped;
    private transient Counter reselections;

    public TrackFaces(FacesOptions.Settings settings, int faceSize, String sourceTopic) {
        this.settings = settings;
        this.faceSize = faceSize;
        this.sourceTopic = sourceTopic;
    }

    /** The keyed state's descriptor: a POJO type, never Kryo (checked by a test). */
    static ValueStateDescriptor<FaceTrackState> stateDescriptor() {
        return new ValueStateDescriptor<>(STATE_NAME, FaceTrackState.class);
    }

    /** The detector the settings name: an ONNX model file when given, else faces.detector. */
    static FaceDetector detector(FacesOptions.Settings settings) {
        if (settings.detectorModel() != null) {
            return new OnnxFaceDetector(Path.of(settings.detectorModel()));
        }
        return switch (settings.detector()) {
            case BLAZEFACE ->
                    new BlazeFaceDetector(
                            settings.blazeFaceRange(), settings.minScore(), BLAZEFACE_THREADS);
            case HAAR -> new HaarFaceDetector(settings.detectSize());
        };
    }

    /** One ONNX Runtime thread per detector: Flink runs one per task slot. */
    private static final int BLAZEFACE_THREADS = 1;

    @Override
    public void open(OpenContext openContext) {
        NativeLibraries.load();
        FaceDetector detector =
                settings.detectorModel() == null
                        ? new HaarFaceDetector(settings.detectSize())
                        : new OnnxFaceDetector(Path.of(settings.detectorModel()));
        tracker =
                new FaceTracker(
                        detector,
                        new FrameLimits(
                                settings.maxWidth(), settings.maxHeight(), settings.maxBytes()),
                        FaceTracker.Schedule.every(settings.detectEvery(), faceSize));
        codec = SingleObjectCodec.of(VideoFrame.class);
        var rc = getRuntimeContext();
        state = rc.getState(stateDescriptor());
        var group = rc.getMetricGroup().addGroup("lipsync");
        facesFound = group.counter("framesWithFace");
        framesWithoutFace = group.counter("framesWithoutFace");
        undecodable = group.counter("framesUndecodable");
        detections = group.counter("faceDetections");
        framesOutOfOrder = group.counter("framesOutOfOrder");
        faceErrors = group.counter("faceErrors");
        framesSkipped = group.counter("framesSkipped");
        reselections = group.counter("faceReselections");
    }

    @Override
    public void processElement(VideoFrame in, Context ctx, Collector<FaceFrame> out)
            throws Exception {
        FaceTrackState stream = state.value();
        if (stream == null) {
            stream = new FaceTrackState();
        }
        FaceTracker.Result result = tracker.offer(stream, toFaceFrame(in, ctx.timestamp()));
        for (FaceTracker.Rejection rejection : result.rejected()) {
            undecodable.inc();
            ctx.output(DecodeRecords.REJECTED, deadLetter(rejection));
        }
        result.frames().forEach(out::collect);
        facesFound.inc(result.withFace());
        framesWithoutFace.inc(result.withoutFace());
        detections.inc(result.detections());
        framesOutOfOrder.inc(result.outOfOrder());
        framesSkipped.inc(result.skipped());
        faceErrors.inc(result.detectorErrors());
        reselections.inc(result.reselections());
        if (result.ended()) {
            state.clear();
        } else {
            state.update(stream);
        }
    }

    /** The dead letter of a frame whose image did not decode: the record as it was sent. */
    private io.lipstream.schema.RejectedRecord deadLetter(FaceTracker.Rejection rejection) {
        FaceFrame frame = rejection.frame();
        return DecodeRecords.rejection(
                new RawRecord(
                        sourceTopic,
                        -1,
                        -1,
                        frame.capturedAtMillis,
                        frame.streamId.getBytes(StandardCharsets.UTF_8),
                        codec.encode(toVideoFrame(frame))),
                rejection.reason());
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
        if (tracker != null) {
            tracker.close();
        }
    }
}
