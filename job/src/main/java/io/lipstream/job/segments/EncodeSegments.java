package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.schema.EncodedSegment;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Decodes each assembled segment's frames, pastes every generated face back onto its original
 * frame, and encodes the segment (H.264 + the stream's audio for exactly its time range, starting
 * on a key frame), on {@code segments.encoder-parallelism} threads of its own, so that the segments
 * of all streams (and of one stream, one after another) use the cores the task thread alone would
 * leave idle.
 *
 * <p>Use with {@code AsyncDataStream.orderedWait}: segments leave in the order {@link
 * AssembleSegments} cut them, so each stream's segments stay in order. The async operator
 * checkpoints every segment still encoding and encodes it again on restore, so a restore loses
 * nothing and, with an exactly-once sink, repeats nothing. A frame that does not decode, or not at
 * the size of the segment's first (a resolution change), shows the picture before it and counts as
 * missing; a segment that cannot be encoded at all is skipped and counted, and the stream goes on.
 */
public final class EncodeSegments extends RichAsyncFunction<AssembledSegment, EncodedSegment> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(EncodeSegments.class);
    private static final int HISTOGRAM_WINDOW = 200;

    /** Name prefix of the encoder threads (their CPU shows as this operator's in profiles). */
    static final String THREAD_NAME = "EncodeSegments-";

    /** How long {@link #close} waits for segments still encoding. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final SegmentOptions.Settings settings;
    private final FacesOptions.Settings faces;

    private transient ExecutorService encoders;

    /** One {@link SegmentEncoder} per encoding at once (they are not thread-safe). */
    private transient ConcurrentLinkedQueue<SegmentEncoder> idleEncoders;

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

    /**
     * How many segments the async operator holds at once ({@code segments.encode-queue}): in
     * ordered mode a segment encoded behind an earlier one still encoding keeps its place until
     * that one leaves, so the operator holds more than one per thread, or segments cut at about the
     * same time by several streams leave threads idle.
     */
    public static int capacity(SegmentOptions.Settings settings) {
        return settings.resolvedEncodeQueue();
    }

    @Override
    public void open(OpenContext openContext) {
        NativeLibraries.load();
        int threads = settings.resolvedEncoderParallelism();
        AtomicInteger created = new AtomicInteger();
        encoders =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, THREAD_NAME + created.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        idleEncoders = new ConcurrentLinkedQueue<>();
        limits = new FrameLimits(faces.maxWidth(), faces.maxHeight(), faces.maxBytes());
        // Updated from the encoder threads: counters that add atomically, histograms under lock.
        var group = getRuntimeContext().getMetricGroup().addGroup("lipsync");
        segments = group.counter("segmentsEncoded", new ThreadSafeSimpleCounter());
        framesOut = group.counter("framesOut", new ThreadSafeSimpleCounter());
        framesSynced = group.counter("framesLipSynced", new ThreadSafeSimpleCounter());
        framesPassedThrough = group.counter("framesPassedThrough", new ThreadSafeSimpleCounter());
        framesMissing = group.counter("framesMissing", new ThreadSafeSimpleCounter());
        segmentsFailed = group.counter("segmentsFailed", new ThreadSafeSimpleCounter());
        latencyMs =
                group.histogram(
                        "frameToSegmentLatencyMs",
                        new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        encodeMs =
                group.histogram(
                        "segmentEncodeMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void asyncInvoke(AssembledSegment input, ResultFuture<EncodedSegment> result) {
        try {
            encoders.execute(
                    () -> {
                        try {
                            result.complete(encodeOrSkip(input));
                        } catch (Throwable t) {
                            result.completeExceptionally(t);
                        }
                    });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e); // closing
        }
    }

    @Override
    public void timeout(AssembledSegment input, ResultFuture<EncodedSegment> result) {
        result.completeExceptionally(
                new TimeoutException(
                        "stream "
                                + input.streamId()
                                + " segment "
                                + input.segment().segmentIndex()
                                + ": expected it encoded within "
                                + settings.encodeTimeout()
                                + " ("
                                + SegmentOptions.ENCODE_TIMEOUT.key()
                                + "), still encoding"));
    }

    /** The encoded segment, or none when it cannot be encoded (counted and logged). */
    private Collection<EncodedSegment> encodeOrSkip(AssembledSegment input) {
        SegmentEncoder encoder = idleEncoders.poll();
        if (encoder == null) {
            encoder = new SegmentEncoder(settings.encoder());
        }
        try {
            return List.of(encode(encoder, input.streamId(), input.segment()));
        } catch (SegmentEncodingException e) {
            // One bad segment (say, none of its frames decodes) must not stop the stream.
            segmentsFailed.inc();
            LOG.error(
                    "stream {}: segment {} (frames {}..) could not be encoded and is skipped",
                    input.streamId(),
                    input.segment().segmentIndex(),
                    input.segment().firstFrameIndex(),
                    e);
            return List.of();
        } finally {
            idleEncoders.add(encoder);
        }
    }

    @Override
    public void close() throws Exception {
        if (encoders != null) {
            encoders.shutdownNow();
            encoders.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        if (idleEncoders != null) {
            idleEncoders.forEach(SegmentEncoder::close);
        }
    }

    private EncodedSegment encode(
            SegmentEncoder encoder, String streamId, SegmentAssembler.ReadySegment ready)
            throws SegmentEncodingException {
        long started = System.nanoTime();
        EncodedBytes encoded;
        int frameCount = ready.frames().size();
        try (Pictures pictures = new Pictures(ready.frames())) {
            AVFrame first = pictures.first();
            encoded =
                    encoder.encode(
                            new SegmentInput(
                                    streamId,
                                    ready.segmentIndex(),
                                    ready.firstFrameIndex(),
                                    first.width(),
                                    first.height(),
                                    ready.fpsNum(),
                                    ready.fpsDen(),
                                    null,
                                    ready.audio(),
                                    ready.audioStartSample()),
                            frameCount,
                            pictures);
            framesMissing.inc(pictures.missing);
            framesSynced.inc(pictures.synced);
            framesPassedThrough.inc(frameCount - pictures.synced);
            synchronized (encodeMs) {
                encodeMs.update((System.nanoTime() - started) / 1_000_000);
            }
            if (pictures.oldestCapture != Long.MAX_VALUE) {
                synchronized (latencyMs) {
                    latencyMs.update(System.currentTimeMillis() - pictures.oldestCapture);
                }
            }
            segments.inc();
            framesOut.inc(frameCount);
            return EncodedSegment.newBuilder()
                    .setStreamId(streamId)
                    .setSegmentIndex(ready.segmentIndex())
                    .setFirstFrameIndex(ready.firstFrameIndex())
                    .setFrameCount(frameCount)
                    .setStartPtsMicros(encoded.startPtsMicros())
                    .setDurationMicros(encoded.durationMicros())
                    .setContainer(settings.container())
                    .setCodecs(encoded.codecs())
                    .setData(ByteBuffer.wrap(encoded.data()))
                    .setLipSyncedFrames(pictures.synced)
                    .setPassedThroughFrames(frameCount - pictures.synced)
                    .setLast(ready.last())
                    .build();
        }
    }

    /**
     * A segment's pictures for the encoder, decoded one at a time as it asks for them straight into
     * the encoder's YUV picture ({@link PictureDecoder}), each face pasted there ({@link
     * YuvFacePaster}). A frame that is missing or does not decode repeats the picture before it;
     * frames before the first that decodes take that one.
     */
    private final class Pictures implements SegmentEncoder.SegmentFrames, AutoCloseable {
        private final List<SyncedFace> frames;
        private final PictureDecoder decoder = new PictureDecoder(limits);
        private AVFrame current;
        private int currentIndex = -1;
        private int synced;
        private int missing;
        private long oldestCapture = Long.MAX_VALUE;

        Pictures(List<SyncedFace> frames) {
            this.frames = frames;
        }

        /** The first picture of the segment; its size is the segment's. */
        AVFrame first() throws SegmentEncodingException {
            for (int k = 0; k < frames.size(); k++) {
                SyncedFace face = frames.get(k);
                if (face == null || face.frame.image == null) {
                    missing++;
                    continue;
                }
                current = PictureDecoder.allocate(face.frame.width, face.frame.height);
                if (decode(face)) {
                    currentIndex = k;
                    return current;
                }
                av_frame_free(current);
                current = null;
            }
            throw new SegmentEncodingException(
                    "expected at least one frame of the segment to decode, found none of "
                            + frames.size());
        }

        @Override
        public AVFrame frame(int k) {
            if (k > currentIndex) {
                // A frame that does not decode leaves the picture before it in place.
                decode(frames.get(k));
                currentIndex = k;
            }
            return current; // the leading gap takes the first picture; it is pasted once
        }

        /**
         * Decodes the frame into the picture and pastes its face, counted; false if it has none.
         */
        private boolean decode(SyncedFace face) {
            if (face == null || face.frame.image == null) {
                missing++;
                return false;
            }
            FaceFrame f = face.frame;
            try {
                decoder.decodeInto(f.codec, f.image, f.width, f.height, current);
            } catch (ImageDecodeException e) {
                missing++; // the frame before it is shown again
                return false;
            }
            if (face.outcome == SyncedFace.Outcome.SYNCED) {
                YuvFacePaster.pasteInto(current, f.box, face.generated, f.faceSize, faces.blend());
                synced++;
            }
            oldestCapture = Math.min(oldestCapture, f.capturedAtMillis);
            return true;
        }

        @Override
        public void close() {
            if (current != null) {
                av_frame_free(current);
            }
            decoder.close();
        }
    }
}
