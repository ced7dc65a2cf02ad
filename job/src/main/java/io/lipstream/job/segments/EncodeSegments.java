package io.lipstream.job.segments;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FacePaster;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.schema.EncodedSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Reorders each stream's frames, pastes every generated face back onto its original frame, and
 * encodes segments of {@code segments.duration} (H.264 + the stream's audio for exactly that time
 * range), each starting on a key frame. State is cleared after the stream's last segment.
 */
public final class EncodeSegments
        extends KeyedCoProcessFunction<String, SyncedFace, AudioSpan, EncodedSegment> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(EncodeSegments.class);
    private static final int HISTOGRAM_WINDOW = 200;

    private final SegmentOptions.Settings settings;
    private final FacesOptions.Settings faces;

    private transient ValueState<SegmentAssembler> assembler;
    private transient SegmentEncoder encoder;
    private transient FrameLimits limits;
    private transient Counter segments;
    private transient Counter framesOut;
    private transient Counter framesSynced;
    private transient Counter framesPassedThrough;
    private transient Counter framesMissing;
    private transient Counter segmentsFailed;
    private transient Histogram latencyMs;
    private transient Histogram encodeMs;

    public EncodeSegments(SegmentOptions.Settings settings, FacesOptions.Settings faces) {
        this.settings = settings;
        this.faces = faces;
    }

    @Override
    public void open(OpenContext openContext) {
        NativeLibraries.load();
        assembler =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "segment-assembler", SegmentAssembler.class));
        encoder =
                new SegmentEncoder(
                        new EncoderSettings(
                                settings.container(),
                                settings.encoderThreads(),
                                settings.preset(),
                                settings.videoBitrate(),
                                EncoderSettings.DEFAULT_AUDIO_BITRATE,
                                settings.gpu()));
        limits = new FrameLimits(faces.maxWidth(), faces.maxHeight(), faces.maxBytes());
        var group = getRuntimeContext().getMetricGroup().addGroup("lipsync");
        segments = group.counter("segmentsEncoded");
        framesOut = group.counter("framesOut");
        framesSynced = group.counter("framesLipSynced");
        framesPassedThrough = group.counter("framesPassedThrough");
        framesMissing = group.counter("framesMissing");
        segmentsFailed = group.counter("segmentsFailed");
        latencyMs =
                group.histogram(
                        "frameToSegmentLatencyMs",
                        new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        encodeMs =
                group.histogram(
                        "segmentEncodeMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void processElement1(SyncedFace face, Context ctx, Collector<EncodedSegment> out)
            throws Exception {
        SegmentAssembler state = state();
        state.offerFrame(face);
        drain(state, ctx, out);
    }

    @Override
    public void processElement2(AudioSpan span, Context ctx, Collector<EncodedSegment> out)
            throws Exception {
        SegmentAssembler state = state();
        state.offerAudio(span);
        drain(state, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<EncodedSegment> out)
            throws Exception {
        SegmentAssembler state = assembler.value();
        if (state != null) {
            drain(state, ctx, out);
        }
    }

    private void drain(SegmentAssembler state, Context ctx, Collector<EncodedSegment> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        long maxWait = settings.maxWait().toMillis();
        for (SegmentAssembler.ReadySegment ready :
                state.drain(settings.duration().toNanos() / 1000, now, maxWait)) {
            try {
                out.collect(encode(ctx.getCurrentKey(), ready));
            } catch (SegmentEncodingException e) {
                // One bad segment (say, a resolution change inside it) must not stop the stream.
                segmentsFailed.inc();
                LOG.error(
                        "stream {}: segment {} (frames {}..) could not be encoded and is skipped",
                        ctx.getCurrentKey(),
                        ready.segmentIndex(),
                        ready.firstFrameIndex(),
                        e);
            }
        }
        if (state.done()) {
            assembler.clear();
            return;
        }
        if (state.overdueSince() >= 0) {
            ctx.timerService().registerProcessingTimeTimer(state.overdueSince() + maxWait);
        }
        assembler.update(state);
    }

    private EncodedSegment encode(String streamId, SegmentAssembler.ReadySegment ready)
            throws SegmentEncodingException {
        List<byte[]> bgr = new ArrayList<>(ready.frames().size());
        byte[] previous = null;
        int width = 0;
        int height = 0;
        int synced = 0;
        long oldestCapture = Long.MAX_VALUE;
        for (SyncedFace face : ready.frames()) {
            BgrImage image = face == null ? null : picture(face);
            if (image == null) {
                framesMissing.inc();
                bgr.add(previous);
                continue;
            }
            width = image.width();
            height = image.height();
            if (face.outcome == SyncedFace.Outcome.SYNCED) {
                FaceFrame f = face.frame;
                // The picture was decoded for this segment alone: paste into it, no copy.
                FacePaster.pasteInto(image, f.box, face.generated, f.faceSize, faces.blend());
                synced++;
            }
            oldestCapture = Math.min(oldestCapture, face.frame.capturedAtMillis);
            previous = image.bgr();
            bgr.add(previous);
        }
        fillLeadingGaps(bgr, width, height);
        long started = System.nanoTime();
        EncodedBytes encoded =
                encoder.encode(
                        new SegmentInput(
                                streamId,
                                ready.segmentIndex(),
                                ready.firstFrameIndex(),
                                width,
                                height,
                                ready.fpsNum(),
                                ready.fpsDen(),
                                bgr,
                                ready.audio(),
                                ready.audioStartSample()));
        encodeMs.update((System.nanoTime() - started) / 1_000_000);
        if (oldestCapture != Long.MAX_VALUE) {
            latencyMs.update(System.currentTimeMillis() - oldestCapture);
        }
        segments.inc();
        framesOut.inc(bgr.size());
        framesSynced.inc(synced);
        framesPassedThrough.inc(bgr.size() - synced);
        return EncodedSegment.newBuilder()
                .setStreamId(streamId)
                .setSegmentIndex(ready.segmentIndex())
                .setFirstFrameIndex(ready.firstFrameIndex())
                .setFrameCount(bgr.size())
                .setStartPtsMicros(encoded.startPtsMicros())
                .setDurationMicros(encoded.durationMicros())
                .setContainer(settings.container())
                .setCodecs(encoded.codecs())
                .setData(ByteBuffer.wrap(encoded.data()))
                .setLipSyncedFrames(synced)
                .setPassedThroughFrames(bgr.size() - synced)
                .setLast(ready.last())
                .build();
    }

    /**
     * The original frame as a picture this segment owns (a BGR24 frame, which decodes to its own
     * bytes, is copied: the face is pasted into the picture), or null when it does not decode.
     */
    private BgrImage picture(SyncedFace face) {
        FaceFrame f = face.frame;
        if (f.image == null) {
            return null;
        }
        try {
            BgrImage image = FrameImages.decode(f.codec, f.image, f.width, f.height, limits);
            return image.bgr() == f.image
                    ? new BgrImage(image.width(), image.height(), f.image.clone())
                    : image;
        } catch (ImageDecodeException e) {
            return null; // counted as missing: the frame before it is shown again
        }
    }

    /** A segment whose first frames are missing starts with the first frame it has. */
    private static void fillLeadingGaps(List<byte[]> bgr, int width, int height) {
        byte[] first = bgr.stream().filter(b -> b != null).findFirst().orElse(null);
        if (first == null) {
            first = new byte[width * height * 3];
        }
        for (int i = 0; i < bgr.size() && bgr.get(i) == null; i++) {
            bgr.set(i, first);
        }
    }

    private SegmentAssembler state() throws Exception {
        SegmentAssembler state = assembler.value();
        return state == null ? new SegmentAssembler() : state;
    }

    @Override
    public void close() {
        if (encoder != null) {
            encoder.close();
        }
    }
}
