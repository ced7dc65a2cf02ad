package io.lipstream.tools.media;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.SampleFormat;
import io.lipstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Streams a video file's frames and an audio track into lipstream's Kafka topics as one stream:
 * frames as JPEG {@link VideoFrame}s, audio decoded and resampled by FFmpeg to 16 kHz mono S16LE
 * {@link AudioChunk}s, both keyed by the stream id, with timestamps on one stream clock. With
 * {@code realtime} the records are paced like a live source; with {@code loops > 1} the media is
 * repeated seamlessly (frame indices and timestamps go on). Frames are sent at the file's average
 * frame rate, placed by their timestamps ({@link ConstantRate}): a variable-frame-rate recording
 * keeps its timing, with frames repeated over gaps and dropped where they come faster.
 */
public final class MediaIngest implements AutoCloseable {
    /** Audio chunk length: 100 ms at 16 kHz, short enough to keep the audio lookahead small. */
    public static final int CHUNK_SAMPLES = 1600;

    /** Target rate of the audio topic. */
    public static final int SAMPLE_RATE = 16_000;

    /** JPEG quality of ingested frames: high enough that the round trip costs under 1 dB. */
    public static final int JPEG_QUALITY = 95;

    private final KafkaSettings settings;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SingleObjectCodec<VideoFrame> frames = SingleObjectCodec.of(VideoFrame.class);
    private final SingleObjectCodec<AudioChunk> chunks = SingleObjectCodec.of(AudioChunk.class);

    private final AtomicLong framesSent = new AtomicLong();
    private volatile Exception sendFailure;
    private final AtomicLong samplesSent = new AtomicLong();

    public MediaIngest(KafkaSettings settings) {
        this.settings = settings;
        Properties props = new Properties();
        props.put("max.request.size", String.valueOf(Topics.MAX_MESSAGE_BYTES));
        props.put("linger.ms", "5");
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        this.producer =
                new KafkaProducer<>(
                        settings.clientProperties(props),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
    }

    /** What to stream. {@code audio} null means the video's own audio track. */
    public record Request(
            String streamId,
            Path video,
            Path audio,
            boolean realtime,
            int loops,
            boolean forever) {}

    /** Frames sent so far. */
    public long framesSent() {
        return framesSent.get();
    }

    /** Audio samples (16 kHz) sent so far. */
    public long samplesSent() {
        return samplesSent.get();
    }

    /**
     * Streams the request's media and returns the number of frames sent; video and audio go in two
     * threads so neither waits for the other, as in a live source.
     */
    public long ingest(Request request) throws InterruptedException {
        MediaProbe video = MediaProbe.of(request.video());
        if (!video.hasVideo()) {
            throw new MediaException("no video stream in " + request.video());
        }
        Path audioPath = request.audio() == null ? request.video() : request.audio();
        MediaProbe audio = MediaProbe.of(audioPath);
        if (!audio.hasAudio()) {
            throw new MediaException("no audio stream in " + audioPath);
        }
        long start = System.nanoTime();
        long[] loopFrames = new long[1];
        Thread videoThread =
                new Thread(
                        () -> loopFrames[0] = streamFrames(request, video, start),
                        "ingest-video-" + request.streamId());
        Throwable[] failure = new Throwable[1];
        videoThread.setUncaughtExceptionHandler((t, e) -> failure[0] = e);
        videoThread.start();
        try {
            streamAudio(request, audioPath, video, start);
        } finally {
            videoThread.join();
        }
        if (failure[0] != null) {
            throw new MediaException("video ingest failed: " + failure[0].getMessage(), failure[0]);
        }
        producer.flush();
        if (sendFailure != null) {
            throw new MediaException("cannot send to Kafka: " + sendFailure, sendFailure);
        }
        return framesSent.get();
    }

    private long streamFrames(Request request, MediaProbe probe, long startNanos) {
        ConstantRate rate = new ConstantRate(probe.fpsNum(), probe.fpsDen());
        long index = 0;
        int loop = 0;
        // Held back one frame: only the next grab tells whether a frame is the stream's last.
        VideoFrame held = null;
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                IntPointer params =
                        new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)) {
            while (request.forever() || loop < Math.max(1, request.loops())) {
                FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(probe.path().toFile());
                grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
                grabber.start();
                rate.startLoop(index);
                try {
                    Frame frame;
                    while ((frame = grabber.grabImage()) != null) {
                        long slot = rate.slotOf(frame.timestamp, index);
                        if (slot < index) {
                            continue; // more frames than the constant rate has room for here
                        }
                        Mat mat = converter.convert(frame);
                        byte[] jpeg = jpeg(mat, params);
                        // A gap before this frame shows the frame before it, as a player would.
                        while (index < slot && held != null) {
                            pace(request.realtime(), startNanos, ptsOf(index, probe));
                            sendFrame(held);
                            held = atIndex(held, index++, probe);
                        }
                        pace(request.realtime(), startNanos, ptsOf(index, probe));
                        if (held != null) {
                            sendFrame(held);
                        }
                        held =
                                VideoFrame.newBuilder()
                                        .setStreamId(request.streamId())
                                        .setFrameIndex(index)
                                        .setPtsMicros(ptsOf(index, probe))
                                        .setFrameRate(new FrameRate(probe.fpsNum(), probe.fpsDen()))
                                        .setWidth(mat.cols())
                                        .setHeight(mat.rows())
                                        .setCodec(ImageCodec.JPEG)
                                        .setImage(ByteBuffer.wrap(jpeg))
                                        .build();
                        index++;
                    }
                } finally {
                    grabber.release();
                }
                loop++;
            }
            if (held != null) {
                held.setLast(true);
                sendFrame(held);
            }
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("cannot decode " + probe.path() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return index;
    }

    /** {@code mat} as a JPEG of the quality in {@code params}. */
    static byte[] jpeg(Mat mat, IntPointer params) {
        try (BytePointer buf = new BytePointer()) {
            opencv_imgcodecs.imencode(".jpg", mat, buf, params);
            byte[] jpeg = new byte[(int) buf.limit()];
            buf.get(jpeg);
            return jpeg;
        }
    }

    /** Presentation time of constant-rate frame {@code index}, microseconds. */
    private static long ptsOf(long index, MediaProbe probe) {
        return index * 1_000_000L * probe.fpsDen() / probe.fpsNum();
    }

    /** {@code frame} again as frame {@code index} (its picture repeated in a gap). */
    private static VideoFrame atIndex(VideoFrame frame, long index, MediaProbe probe) {
        return VideoFrame.newBuilder(frame)
                .setFrameIndex(index)
                .setPtsMicros(ptsOf(index, probe))
                .build();
    }

    void sendFrame(VideoFrame frame) {
        send(settings.videoTopic(), frame.getStreamId(), frames.encode(frame));
        framesSent.incrementAndGet();
    }

    private void streamAudio(Request request, Path path, MediaProbe video, long startNanos)
            throws InterruptedException {
        // Each loop of audio lasts exactly as long as one loop of video, so loops stay aligned.
        long loopSamples =
                video.frameCountEstimate() * SAMPLE_RATE * video.fpsDen() / video.fpsNum();
        long position = 0;
        long seq = 0;
        int loop = 0;
        short[] chunk = new short[CHUNK_SAMPLES];
        int filled = 0;
        try {
            while (request.forever() || loop < Math.max(1, request.loops())) {
                boolean bounded = request.forever() || request.loops() > 1;
                long loopEnd = position + loopSamples;
                FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(path.toFile());
                grabber.setSampleRate(SAMPLE_RATE);
                grabber.setAudioChannels(1);
                grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
                grabber.start();
                try {
                    Frame frame;
                    while ((frame = grabber.grabSamples()) != null) {
                        ShortBuffer samples = (ShortBuffer) frame.samples[0];
                        while (samples.hasRemaining()) {
                            if (bounded && position + filled >= loopEnd) {
                                break;
                            }
                            chunk[filled++] = samples.get();
                            if (filled == CHUNK_SAMPLES) {
                                pace(
                                        request.realtime(),
                                        startNanos,
                                        position * 1_000_000 / SAMPLE_RATE);
                                sendChunk(
                                        request.streamId(), seq++, position, chunk, filled, false);
                                position += filled;
                                filled = 0;
                            }
                        }
                    }
                } finally {
                    grabber.release();
                }
                if (bounded) {
                    // Pad a short loop with silence so the next loop starts on time.
                    while (position + filled < loopEnd) {
                        chunk[filled++] = 0;
                        if (filled == CHUNK_SAMPLES) {
                            pace(
                                    request.realtime(),
                                    startNanos,
                                    position * 1_000_000 / SAMPLE_RATE);
                            sendChunk(request.streamId(), seq++, position, chunk, filled, false);
                            position += filled;
                            filled = 0;
                        }
                    }
                }
                loop++;
            }
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("cannot decode audio of " + path + ": " + e.getMessage(), e);
        }
        sendChunk(request.streamId(), seq, position, chunk, filled, true);
    }

    void sendChunk(String streamId, long seq, long start, short[] samples, int n, boolean last) {
        ByteBuffer pcm = ByteBuffer.allocate(n * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            pcm.putShort(samples[i]);
        }
        pcm.flip();
        send(
                settings.audioTopic(),
                streamId,
                chunks.encode(
                        AudioChunk.newBuilder()
                                .setStreamId(streamId)
                                .setSeq(seq)
                                .setStartSample(start)
                                .setSampleRate(SAMPLE_RATE)
                                .setChannels(1)
                                .setFormat(SampleFormat.S16LE)
                                .setPcm(pcm)
                                .setLast(last)
                                .build()));
        samplesSent.addAndGet(n);
    }

    private void send(String topic, String key, byte[] value) {
        Exception failed = sendFailure;
        if (failed != null) {
            throw new MediaException("cannot send to " + topic + ": " + failed, failed);
        }
        producer.send(
                new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value),
                (metadata, error) -> {
                    if (error != null) {
                        sendFailure = error;
                    }
                });
    }

    private static void pace(boolean realtime, long startNanos, long ptsMicros)
            throws InterruptedException {
        if (!realtime) {
            return;
        }
        long due = startNanos + ptsMicros * 1000;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
