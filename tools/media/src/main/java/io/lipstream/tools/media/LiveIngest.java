package io.lipstream.tools.media;

import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgcodecs;

/**
 * Streams a live source (any URL FFmpeg reads, caller or listener) into lipstream's topics as one
 * stream, optionally with the audio of a second feed (a live URL or a file) in place of the video's
 * own.
 *
 * <p><b>One stream clock for two feeds.</b> Each feed's own timestamps are mapped onto the stream
 * clock through the wall clock: a connection is anchored on its first frame that arrives on time
 * (after the burst FFmpeg decodes from what it buffered while probing), and its frames keep their
 * source spacing from there. The stream clock starts at the video's first frame; audio from a
 * second feed lands where it arrived relative to it, so the two pair on time.
 *
 * <p><b>Drops.</b> A source that ends or stalls past the read timeout is reopened with backoff; the
 * hole in its timeline is counted ({@link LiveStreamMetrics#sourceGap}) and filled: video by
 * repeating the last picture up to the first new frame, audio with silence. Audio that falls more
 * than {@link #AUDIO_LAG_LIMIT} behind the video (a feed that ended or stalls) is filled with
 * silence as the video goes on. Frames keep the stream's first nominal rate: a source whose rate
 * changes is resampled to it (frames repeated or dropped), one whose picture size changes goes on
 * with the new size. A source that never delivers within {@code sourceTimeout} ends the ingest with
 * a {@link MediaException}.
 */
public final class LiveIngest {
    /** Audio further behind the video than this is filled with silence. */
    public static final Duration AUDIO_LAG_LIMIT = Duration.ofSeconds(1);

    /** A single blocked read longer than this means the source dropped. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    /** Frames arriving closer than this are FFmpeg's post-probe burst, not live arrivals. */
    private static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(8);

    /** Most source time held back while waiting for an on-time frame to anchor on. */
    private static final long MAX_PENDING_MICROS = 3_000_000;

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(4);

    /** Largest numerator or denominator of a nominal rate (30000/1001 fits). */
    private static final int MAX_RATE_TERM = 100_000;

    /** Fallback rate when a source announces none (PAL's 25 fps). */
    private static final int DEFAULT_FPS = 25;

    private final MediaIngest sink;
    private final LiveStreamMetrics metrics;
    private final Consumer<String> log;
    private final Object clockLock = new Object();

    /** Wall-clock (nanoTime) of stream time 0; set by the video's first anchor. */
    private long originNanos;

    private boolean originSet;

    private final AudioTrack audioTrack;

    /**
     * What to stream: {@code audio} null means the video's own audio. {@code sourceTimeout} bounds
     * how long a source may take to deliver its first frame.
     */
    public record Request(
            String streamId, LiveSource video, LiveSource audio, Duration sourceTimeout) {}

    public LiveIngest(MediaIngest sink, LiveStreamMetrics metrics, Consumer<String> log) {
        this.sink = sink;
        this.metrics = metrics;
        this.log = log;
        this.audioTrack = new AudioTrack();
    }

    /**
     * Runs until {@code keepRunning} turns false or the thread is interrupted, then ends the stream
     * (its last frame and chunk are marked last).
     *
     * @throws MediaException when a source never delivers within the request's timeout
     */
    public void run(Request request, BooleanSupplier keepRunning) throws InterruptedException {
        audioTrack.streamId = request.streamId();
        Throwable[] failure = new Throwable[1];
        Thread audioThread = null;
        if (request.audio() != null) {
            audioThread =
                    new Thread(
                            () -> {
                                try {
                                    if (request.audio().live()) {
                                        readFeed(request, request.audio(), false, keepRunning);
                                    } else {
                                        readAudioFile(request.audio(), keepRunning);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "live-audio-" + request.streamId());
            audioThread.setDaemon(true);
            audioThread.setUncaughtExceptionHandler((t, e) -> failure[0] = e);
            audioThread.start();
        }
        BooleanSupplier running = () -> keepRunning.getAsBoolean() && failure[0] == null;
        VideoTrack video = new VideoTrack(request.streamId());
        try {
            readFeed(request, request.video(), true, running, video);
        } finally {
            if (audioThread != null) {
                audioThread.interrupt();
                audioThread.join(READ_TIMEOUT.toMillis() * 2);
            }
            video.end();
            audioTrack.end();
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
    }

    private void readFeed(
            Request request, LiveSource source, boolean video, BooleanSupplier keepRunning)
            throws InterruptedException {
        readFeed(request, source, video, keepRunning, null);
    }

    /** The error of a source that delivered nothing within the request's timeout. */
    private static MediaException neverCame(
            Request request, String what, LiveSource source, String lastError) {
        return new MediaException(
                "no "
                        + what
                        + " from "
                        + source.location()
                        + " within "
                        + request.sourceTimeout().toSeconds()
                        + " s: "
                        + lastError);
    }

    /**
     * Reads one feed until stopped, reopening it when it drops. With {@code video} the feed gives
     * the pictures (and its own audio when the request has no separate audio); otherwise only
     * audio.
     */
    private void readFeed(
            Request request,
            LiveSource source,
            boolean video,
            BooleanSupplier keepRunning,
            VideoTrack videoTrack)
            throws InterruptedException {
        boolean withAudio = !video || request.audio() == null;
        long deadline = System.nanoTime() + request.sourceTimeout().toNanos();
        boolean delivered = false;
        Duration backoff = FIRST_BACKOFF;
        String what = video ? "video" : "audio";
        String lastError = null;
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                IntPointer params =
                        new IntPointer(
                                opencv_imgcodecs.IMWRITE_JPEG_QUALITY, MediaIngest.JPEG_QUALITY)) {
            while (keepRunning.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                Duration connectWait =
                        delivered
                                ? request.sourceTimeout()
                                : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                long attemptStart = System.nanoTime();
                AvioInputStream bytes = null;
                FFmpegFrameGrabber grabber;
                if (source.byteStream()) {
                    try {
                        bytes =
                                AvioInputStream.open(
                                        source.openUrl(),
                                        source.protocolOptions(connectWait, READ_TIMEOUT),
                                        () ->
                                                keepRunning.getAsBoolean()
                                                        && !Thread.currentThread().isInterrupted());
                    } catch (java.io.IOException e) {
                        lastError = e.getMessage();
                        if (!keepRunning.getAsBoolean()) {
                            break;
                        }
                        if (!delivered && System.nanoTime() >= deadline) {
                            throw neverCame(request, what, source, lastError);
                        }
                        // A listener that waited its whole turn listens again at once.
                        if (System.nanoTime() - attemptStart < connectWait.toNanos()) {
                            Thread.sleep(backoff.toMillis());
                            backoff = next(backoff);
                        }
                        continue;
                    }
                    grabber = new FFmpegFrameGrabber(bytes, 0);
                    grabber.setOptions(source.demuxOptions());
                } else {
                    grabber = new FFmpegFrameGrabber(source.openUrl());
                    Map<String, String> options =
                            new LinkedHashMap<>(source.protocolOptions(connectWait, READ_TIMEOUT));
                    options.putAll(source.demuxOptions());
                    grabber.setOptions(options);
                }
                if (video) {
                    grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
                }
                if (withAudio) {
                    grabber.setSampleRate(MediaIngest.SAMPLE_RATE);
                    grabber.setAudioChannels(1);
                    grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
                }
                boolean opened = false;
                try {
                    grabber.start();
                    opened = true;
                    if (video && !grabber.hasVideo()) {
                        throw new MediaException("no video stream in " + source.location());
                    }
                    if (withAudio && !grabber.hasAudio()) {
                        throw new MediaException("no audio stream in " + source.location());
                    }
                    if (delivered) {
                        metrics.sourceReconnected();
                        log.accept(what + " source " + source.location() + " is back");
                    }
                    Connection connection =
                            new Connection(video ? videoTrack : null, withAudio, grabber);
                    Frame frame;
                    while (keepRunning.getAsBoolean()
                            && !Thread.currentThread().isInterrupted()
                            && (frame = grab(grabber, video, withAudio)) != null) {
                        if (connection.accept(frame, converter, params)) {
                            delivered = true;
                            backoff = FIRST_BACKOFF;
                        }
                    }
                    lastError = "the source ended";
                } catch (FrameGrabber.Exception e) {
                    lastError = e.getMessage();
                } catch (MediaException e) {
                    if (opened) {
                        throw e; // a source without the stream asked for will not grow one
                    }
                    lastError = e.getMessage();
                } finally {
                    try {
                        grabber.release();
                    } catch (FrameGrabber.Exception e) {
                        // Nothing left to save of a connection that is going away.
                    }
                    if (bytes != null) {
                        bytes.close();
                    }
                }
                if (!keepRunning.getAsBoolean()) {
                    break;
                }
                if (!delivered && System.nanoTime() >= deadline) {
                    throw neverCame(request, what, source, lastError);
                }
                if (delivered) {
                    log.accept(
                            what
                                    + " source "
                                    + source.location()
                                    + " dropped ("
                                    + lastError
                                    + "); reconnecting in "
                                    + backoff.toMillis()
                                    + " ms");
                }
                Thread.sleep(backoff.toMillis());
                backoff = next(backoff);
            }
        }
    }

    /** The next frame this feed is read for; the other kind is not decoded. */
    private static Frame grab(FFmpegFrameGrabber grabber, boolean video, boolean audio)
            throws FrameGrabber.Exception {
        if (video && audio) {
            return grabber.grab();
        }
        return video ? grabber.grabImage() : grabber.grabSamples();
    }

    private static Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    /** Streams an audio file as the dubbed audio, paced on the stream clock from its start. */
    private void readAudioFile(LiveSource file, BooleanSupplier keepRunning)
            throws InterruptedException {
        long origin = awaitOrigin(keepRunning);
        if (origin < 0) {
            return;
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.location());
        grabber.setSampleRate(MediaIngest.SAMPLE_RATE);
        grabber.setAudioChannels(1);
        grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
        try {
            grabber.start();
            if (!grabber.hasAudio()) {
                throw new MediaException("no audio stream in " + file.location());
            }
            boolean first = true;
            Frame frame;
            while (keepRunning.getAsBoolean() && (frame = grabber.grabSamples()) != null) {
                long due = origin + frame.timestamp * 1000;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                audioTrack.append(
                        (ShortBuffer) frame.samples[0], samplesAt(frame.timestamp), first);
                first = false;
            }
            log.accept("audio file " + file.location() + " ended; silence from here on");
        } catch (FrameGrabber.Exception e) {
            throw new MediaException(
                    "cannot decode audio of " + file.location() + ": " + e.getMessage(), e);
        } finally {
            try {
                grabber.release();
            } catch (FrameGrabber.Exception e) {
                // Released once, nothing else to do.
            }
        }
    }

    /** Waits for the video's first anchor; the origin's nanoTime, or -1 when stopped first. */
    private long awaitOrigin(BooleanSupplier keepRunning) throws InterruptedException {
        synchronized (clockLock) {
            while (!originSet) {
                if (!keepRunning.getAsBoolean()) {
                    return -1;
                }
                clockLock.wait(100);
            }
            return originNanos;
        }
    }

    private static long samplesAt(long micros) {
        return Math.floorDiv(micros * MediaIngest.SAMPLE_RATE, 1_000_000L);
    }

    /**
     * One open connection of a feed: holds frames back until one arrives on time, then maps every
     * frame's source time onto the stream clock with the offset that frame gives.
     */
    private final class Connection {
        private final VideoTrack video;
        private final boolean audio;
        private final List<Frame> pending = new ArrayList<>();
        private final List<Long> pendingArrivals = new ArrayList<>();
        private long lastArrival = Long.MIN_VALUE;
        private boolean anchored;

        /** Stream nanoTime of source time 0 in this connection. */
        private long offsetNanos;

        private boolean firstAudio = true;

        Connection(VideoTrack video, boolean audio, FFmpegFrameGrabber grabber) {
            this.video = video;
            this.audio = audio;
            if (video != null) {
                video.rate(grabber.getFrameRate());
            }
        }

        /** Takes one grabbed frame; true when something went to the topics. */
        boolean accept(Frame frame, OpenCVFrameConverter.ToMat converter, IntPointer params)
                throws InterruptedException {
            boolean image = frame.image != null && video != null;
            boolean samples = frame.samples != null && audio;
            if (!image && !samples) {
                return false;
            }
            long arrival = System.nanoTime();
            Frame copy = image ? jpegFrame(frame, converter, params) : samplesCopy(frame);
            boolean onTime = lastArrival != Long.MIN_VALUE && arrival - lastArrival >= BURST_NANOS;
            lastArrival = arrival;
            if (anchored) {
                emit(copy);
                return true;
            }
            pending.add(copy);
            pendingArrivals.add(arrival);
            long span = copy.timestamp - pending.get(0).timestamp;
            if (!onTime && span < MAX_PENDING_MICROS) {
                return false;
            }
            anchor(copy.timestamp, arrival);
            for (Frame held : pending) {
                emit(held);
            }
            pending.clear();
            pendingArrivals.clear();
            return true;
        }

        private void anchor(long sourceMicros, long arrival) throws InterruptedException {
            offsetNanos = arrival - sourceMicros * 1000;
            synchronized (clockLock) {
                if (!originSet && video != null) {
                    // The stream starts at this connection's first held frame.
                    originNanos = offsetNanos + pending.get(0).timestamp * 1000;
                    originSet = true;
                    clockLock.notifyAll();
                }
            }
            if (video == null) {
                awaitOrigin(() -> !Thread.currentThread().isInterrupted());
            }
            anchored = true;
        }

        private void emit(Frame frame) {
            long streamMicros;
            synchronized (clockLock) {
                streamMicros = (offsetNanos + frame.timestamp * 1000 - originNanos) / 1000;
            }
            if (frame.image != null) {
                video.send(frame, streamMicros);
                // A video that goes on while the audio feed stalls gets silence.
                if (!audio) {
                    audioTrack.fillSilenceTo(
                            samplesAt(streamMicros - AUDIO_LAG_LIMIT.toNanos() / 1000));
                }
            } else {
                audioTrack.append(
                        (ShortBuffer) frame.samples[0], samplesAt(streamMicros), firstAudio);
                firstAudio = false;
            }
        }

        private Frame jpegFrame(
                Frame frame, OpenCVFrameConverter.ToMat converter, IntPointer params) {
            var mat = converter.convert(frame);
            Frame copy = new Frame();
            copy.timestamp = frame.timestamp;
            copy.imageWidth = mat.cols();
            copy.imageHeight = mat.rows();
            copy.image = new java.nio.Buffer[] {ByteBuffer.wrap(MediaIngest.jpeg(mat, params))};
            return copy;
        }

        private Frame samplesCopy(Frame frame) {
            ShortBuffer in = (ShortBuffer) frame.samples[0];
            ShortBuffer out = ShortBuffer.allocate(in.remaining());
            out.put(in.duplicate()).flip();
            Frame copy = new Frame();
            copy.timestamp = frame.timestamp;
            copy.samples = new java.nio.Buffer[] {out};
            return copy;
        }
    }

    /** The stream's pictures on the constant-rate grid of its nominal frame rate. */
    private final class VideoTrack {
        private final String streamId;
        private int fpsNum;
        private int fpsDen;
        private long nextIndex;
        private VideoFrame held;

        VideoTrack(String streamId) {
            this.streamId = streamId;
        }

        /** The rate of the first connection stays the stream's rate. */
        void rate(double fps) {
            if (fpsNum != 0) {
                return;
            }
            AVRational rate = avutil.av_d2q(fps > 0 ? fps : DEFAULT_FPS, MAX_RATE_TERM);
            fpsNum = rate.num();
            fpsDen = rate.den();
        }

        long ptsOf(long index) {
            return index * 1_000_000L * fpsDen / fpsNum;
        }

        void send(Frame jpeg, long streamMicros) {
            // Nearest slot of the grid.
            long slot =
                    Math.floorDiv(streamMicros * fpsNum + 500_000L * fpsDen, 1_000_000L * fpsDen);
            if (slot < nextIndex) {
                return; // faster than the nominal rate here, or behind what was filled
            }
            VideoFrame current =
                    VideoFrame.newBuilder()
                            .setStreamId(streamId)
                            .setFrameIndex(slot)
                            .setPtsMicros(ptsOf(slot))
                            .setFrameRate(new FrameRate(fpsNum, fpsDen))
                            .setWidth(jpeg.imageWidth)
                            .setHeight(jpeg.imageHeight)
                            .setCodec(ImageCodec.JPEG)
                            .setImage((ByteBuffer) jpeg.image[0])
                            .build();
            if (held != null && slot > nextIndex + 1) {
                metrics.sourceGap(ptsOf(slot) - ptsOf(nextIndex));
            }
            // Over a hole the last picture stays; before the first, the first picture shows.
            VideoFrame fill = held != null ? held : current;
            while (nextIndex < slot) {
                sendAt(fill, nextIndex++);
            }
            held = current;
            sendAt(held, nextIndex++);
        }

        private void sendAt(VideoFrame frame, long index) {
            VideoFrame at =
                    frame.getFrameIndex() == index
                            ? frame
                            : VideoFrame.newBuilder(frame)
                                    .setFrameIndex(index)
                                    .setPtsMicros(ptsOf(index))
                                    .build();
            sink.sendFrame(at);
            metrics.frameIn();
        }

        /** Ends the stream: the last picture once more, marked last. */
        void end() {
            if (held != null) {
                sink.sendFrame(
                        VideoFrame.newBuilder(held)
                                .setFrameIndex(nextIndex)
                                .setPtsMicros(ptsOf(nextIndex))
                                .setLast(true)
                                .build());
                metrics.frameIn();
            }
        }
    }

    /** The stream's audio as contiguous 16 kHz chunks on the stream clock. */
    private final class AudioTrack {
        private final short[] chunk = new short[MediaIngest.CHUNK_SAMPLES];
        private String streamId;
        private int filled;
        private long position;
        private long seq;

        /** Tolerated misfit of a new connection's first samples before it counts as a hole. */
        private static final long TOLERANCE_SAMPLES = MediaIngest.SAMPLE_RATE / 20;

        /**
         * Appends samples that start at {@code startSample} on the stream clock. A connection's
         * first block ({@code reconcile}) is placed by its time: silence over a hole, overlap
         * dropped; later ones follow on.
         */
        synchronized void append(ShortBuffer samples, long startSample, boolean reconcile) {
            ShortBuffer in = samples.duplicate();
            if (reconcile) {
                long at = position + filled;
                if (startSample > at + TOLERANCE_SAMPLES) {
                    if (at > 0) {
                        metrics.sourceGap(
                                (startSample - at) * 1_000_000L / MediaIngest.SAMPLE_RATE);
                    }
                    silence(startSample - at);
                } else if (startSample < at - TOLERANCE_SAMPLES) {
                    long skip = Math.min(in.remaining(), at - startSample);
                    in.position(in.position() + (int) skip);
                }
            }
            while (in.hasRemaining()) {
                put(in.get());
            }
        }

        /** Silence up to {@code sample} when the audio is behind it. */
        synchronized void fillSilenceTo(long sample) {
            long at = position + filled;
            if (sample > at) {
                metrics.silenceFilled(sample - at);
                silence(sample - at);
            }
        }

        private void silence(long samples) {
            for (long i = 0; i < samples; i++) {
                put((short) 0);
            }
        }

        private void put(short sample) {
            chunk[filled++] = sample;
            if (filled == chunk.length) {
                sink.sendChunk(streamId, seq++, position, chunk, filled, false);
                position += filled;
                filled = 0;
            }
        }

        synchronized void end() {
            sink.sendChunk(streamId, seq++, position, chunk, filled, true);
            position += filled;
            filled = 0;
        }
    }
}
