package io.lipstream.tools.console;

import io.lipstream.connectors.serde.Bytes;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.ImageDecodeException;
import io.lipstream.job.segments.EncodedBytes;
import io.lipstream.job.segments.EncoderSettings;
import io.lipstream.job.segments.SegmentEncoder;
import io.lipstream.job.segments.SegmentEncodingException;
import io.lipstream.job.segments.SegmentInput;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.VideoFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original input of a stream as live HLS, for the page's player beside the dubbed output: the
 * video topic's frames of a watched stream are encoded, in segments of {@link #SEGMENT}, with the
 * job's own {@link SegmentEncoder} (H.264, silent AAC: the topics carry the dub's audio, not the
 * original's). Any stream of the topics plays this way, whoever put it there.
 *
 * <p>Encoding costs CPU, so it runs only for streams the page watches: a stream is watched from the
 * first request for its playlist until {@link #WATCH_TIMEOUT} after the last one, and its playlist
 * starts at the frames that came in from then on. One background thread encodes.
 */
public final class OriginalInputHls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OriginalInputHls.class);

    /** Segment length, as the job's default segments: a player keeps a few of them. */
    public static final Duration SEGMENT = Duration.ofSeconds(2);

    /** A stream no request asked for this long is no longer encoded. */
    public static final Duration WATCH_TIMEOUT = Duration.ofSeconds(30);

    /** Encoding work queued at most per stream before segments are dropped (a slow machine). */
    private static final int MAX_QUEUED_SEGMENTS = 3;

    /** How long closing waits for a segment being encoded. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /** Frame rate assumed for frames without a nominal one (as the job's segment assembler). */
    private static final int FALLBACK_FPS = 25;

    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private final ExecutorService encoder =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "console-original-encoder");
                        t.setDaemon(true);
                        return t;
                    });
    private final SegmentEncoder segmentEncoder = new SegmentEncoder(EncoderSettings.defaults());

    /** The playlist of {@code streamId}'s original, marking it watched; empty until encoded. */
    public Optional<String> playlist(String streamId, long nowMillis, LongFunction<String> uri) {
        return watch(streamId, nowMillis).window.playlist(uri);
    }

    /** Segment {@code index} of {@code streamId}'s original, while it is in the window. */
    public Optional<HlsWindow.Segment> segment(String streamId, long index, long nowMillis) {
        return watch(streamId, nowMillis).window.segment(index);
    }

    /** A valid frame of the video topic: kept for encoding when its stream is watched. */
    public void onFrame(VideoFrame frame, long nowMillis) {
        Watched w = watched.get(frame.getStreamId().toString());
        if (w == null) {
            return;
        }
        if (nowMillis - w.lastRequestMillis > WATCH_TIMEOUT.toMillis()) {
            watched.remove(frame.getStreamId().toString(), w);
            return;
        }
        List<VideoFrame> ready = w.offer(frame);
        if (ready != null) {
            submit(w, ready);
        }
    }

    private Watched watch(String streamId, long nowMillis) {
        Watched w = watched.computeIfAbsent(streamId, id -> new Watched());
        w.lastRequestMillis = nowMillis;
        return w;
    }

    private void submit(Watched w, List<VideoFrame> frames) {
        synchronized (w) {
            if (w.queued >= MAX_QUEUED_SEGMENTS) {
                LOG.warn("original input: encoding falls behind, a segment dropped");
                return;
            }
            w.queued++;
        }
        try {
            encoder.execute(
                    () -> {
                        try {
                            encode(w, frames);
                        } finally {
                            synchronized (w) {
                                w.queued--;
                            }
                        }
                    });
        } catch (RejectedExecutionException closing) {
            synchronized (w) {
                w.queued--;
            }
        }
    }

    private void encode(Watched w, List<VideoFrame> frames) {
        VideoFrame first = frames.get(0);
        int[] fps = fps(first);
        List<byte[]> pictures = new ArrayList<>();
        for (VideoFrame f : frames) {
            try {
                BgrImage image =
                        FrameImages.decode(
                                f.getCodec(),
                                Bytes.of(f.getImage()),
                                f.getWidth(),
                                f.getHeight(),
                                FrameLimits.defaults());
                pictures.add(image.bgr());
            } catch (ImageDecodeException e) {
                // The job dead-letters or passes such a frame; the original player repeats the
                // previous picture so the segment keeps its length.
                if (!pictures.isEmpty()) {
                    pictures.add(pictures.get(pictures.size() - 1));
                }
            }
        }
        if (pictures.isEmpty()) {
            return;
        }
        long segmentIndex = w.nextIndex++;
        try {
            EncodedBytes bytes =
                    segmentEncoder.encode(
                            new SegmentInput(
                                    first.getStreamId().toString(),
                                    segmentIndex,
                                    first.getFrameIndex(),
                                    first.getWidth(),
                                    first.getHeight(),
                                    fps[0],
                                    fps[1],
                                    pictures,
                                    null));
            w.window.add(
                    segmentIndex,
                    bytes.data(),
                    bytes.durationMicros(),
                    frames.get(frames.size() - 1).getLast());
        } catch (SegmentEncodingException e) {
            LOG.warn("original of {} not encoded: {}", first.getStreamId(), e.getMessage());
        }
    }

    private static int[] fps(VideoFrame frame) {
        FrameRate rate = frame.getFrameRate();
        if (rate == null || rate.getNum() <= 0 || rate.getDen() <= 0) {
            return new int[] {FALLBACK_FPS, 1};
        }
        return new int[] {rate.getNum(), rate.getDen()};
    }

    @Override
    public void close() throws InterruptedException {
        encoder.shutdownNow();
        if (encoder.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            segmentEncoder.close();
        }
    }

    /** A watched stream: its window, the frames of the segment being gathered, its requests. */
    private static final class Watched {
        final HlsWindow window = new HlsWindow();
        final List<VideoFrame> gathering = new ArrayList<>();
        volatile long lastRequestMillis;
        long nextIndex;
        int queued;

        /** Adds a frame; returns a segment's frames once they span {@link #SEGMENT}. */
        synchronized List<VideoFrame> offer(VideoFrame frame) {
            if (!gathering.isEmpty()
                    && frame.getFrameIndex()
                            != gathering.get(gathering.size() - 1).getFrameIndex() + 1) {
                // A restarted or reordered stream: the encoder needs consecutive frames.
                gathering.clear();
            }
            gathering.add(frame);
            int[] fps = fps(gathering.get(0));
            long spanMicros = gathering.size() * 1_000_000L * fps[1] / fps[0];
            if (spanMicros >= SEGMENT.toNanos() / 1000 || frame.getLast()) {
                List<VideoFrame> ready = new ArrayList<>(gathering);
                gathering.clear();
                return ready;
            }
            return null;
        }
    }
}
