package io.lipstream.tools.bench;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.job.segments.EncoderSettings;
import io.lipstream.job.segments.PictureDecoder;
import io.lipstream.job.segments.SegmentEncoder;
import io.lipstream.job.segments.SegmentEncodingException;
import io.lipstream.job.segments.SegmentInput;
import io.lipstream.schema.ImageCodec;
import io.lipstream.tools.media.MediaException;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.media.MediaProbe;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.ffmpeg.avutil.AVFrame;
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
 * The least CPU a frame of the video can cost on this machine, measured alone on one thread (no
 * Kafka, no Flink), against which the pipeline's CPU per frame outside the model is judged:
 *
 * <ul>
 *   <li>the media floor: decoding each frame from its Kafka image format (JPEG, as ingest writes
 *       it) and encoding the frames into segments with the pipeline's own encoder and settings
 *       ({@link SegmentEncoder}, {@code segments.*}: H.264, the segment's AAC track, the muxer);
 *   <li>the ingest side: decoding the source and encoding each frame as JPEG for Kafka, as {@link
 *       MediaIngest} does, which an operator pays too (in the bench it runs in the same process and
 *       shows as {@code bench_client}).
 * </ul>
 *
 * CPU is the measuring thread's own (user + system, native code included): the encoder runs with
 * {@code segments.encoder-threads} threads, 1 by default, so everything it does is on this thread.
 */
final class MediaFloor {
    /** What one frame costs, milliseconds of CPU, means over the video's frames. */
    record Result(
            long frames,
            int width,
            int height,
            String encoder,
            double sourceDecodeMs,
            double jpegEncodeMs,
            double jpegDecodeMs,
            double segmentEncodeMs) {

        /** JPEG decode plus segment encode: the floor of the pipeline's own media work. */
        double floorMs() {
            return jpegDecodeMs + segmentEncodeMs;
        }

        /** Source decode plus JPEG encode: the ingest client's media work. */
        double ingestMs() {
            return sourceDecodeMs + jpegEncodeMs;
        }

        Map<String, Object> floorMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("total_ms", floorMs());
            m.put("jpeg_decode_ms", jpegDecodeMs);
            m.put("segment_encode_ms", segmentEncodeMs);
            m.put("encoder", encoder);
            m.put("frames", frames);
            m.put("size", width + "x" + height);
            m.put(
                    "definition",
                    "CPU of one thread, alone: decoding the frames from JPEG into the"
                            + " encoder's YUV pictures as the pipeline does, and encoding them into"
                            + " segments with the pipeline's encoder and segments.* settings"
                            + " (H.264, AAC, muxer)");
            return m;
        }

        Map<String, Object> ingestMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("total_ms", ingestMs());
            m.put("source_decode_ms", sourceDecodeMs);
            m.put("jpeg_encode_ms", jpegEncodeMs);
            return m;
        }

        /**
         * The pipeline's CPU per frame outside the model against the floor: {@code restMs} is all
         * of it (the bench's client included), {@code clientMs} the bench client's share.
         */
        Map<String, Object> ratios(double restMs, double clientMs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rest_ms", restMs);
            m.put("rest_without_client_ms", restMs - clientMs);
            m.put("rest_over_floor", restMs / floorMs());
            m.put("rest_without_client_over_floor", (restMs - clientMs) / floorMs());
            return m;
        }

        String summary(double restMs, double clientMs) {
            return String.format(
                    Locale.ROOT,
                    "Media floor per %dx%d frame (one thread, alone): JPEG decode %.1f ms + %s"
                            + " segment encode %.1f ms = %.1f ms; the pipeline outside the model"
                            + " took %.1f ms (%.2fx), %.1f ms (%.2fx) without the bench's client;"
                            + " ingest side: source decode %.1f ms + JPEG encode %.1f ms = %.1f"
                            + " ms%n",
                    width,
                    height,
                    jpegDecodeMs,
                    encoder,
                    segmentEncodeMs,
                    floorMs(),
                    restMs,
                    restMs / floorMs(),
                    restMs - clientMs,
                    (restMs - clientMs) / floorMs(),
                    sourceDecodeMs,
                    jpegEncodeMs,
                    ingestMs());
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Limits that let any frame of the video through (the floor is not about validation). */
    private static final FrameLimits NO_LIMITS =
            new FrameLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

    private MediaFloor() {}

    /**
     * Measures one pass over {@code video} on a thread of its own (named as the bench's client, so
     * that it never counts as the pipeline's).
     */
    static Result measure(Path video, SegmentOptions.Settings segments) throws Exception {
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                result.set(measureHere(video, segments));
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        PipelineBench.CLIENT_THREAD + "media-floor");
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "media floor of " + video + ": " + failure.get().getMessage(), failure.get());
        }
        return result.get();
    }

    private static Result measureHere(Path video, SegmentOptions.Settings segments)
            throws FrameGrabber.Exception, SegmentEncodingException {
        MediaProbe probe = MediaProbe.of(video);
        List<byte[]> jpegs = new ArrayList<>();
        long sourceNanos = 0;
        long jpegNanos = 0;
        int width;
        int height;
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                IntPointer params =
                        new IntPointer(
                                opencv_imgcodecs.IMWRITE_JPEG_QUALITY, MediaIngest.JPEG_QUALITY)) {
            // As MediaIngest: FFmpeg decodes to BGR24, OpenCV writes the JPEG.
            FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
            grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            // One decoder thread, so that this thread's CPU time is all the decoding costs.
            grabber.setVideoOption("threads", "1");
            grabber.start();
            try {
                width = grabber.getImageWidth();
                height = grabber.getImageHeight();
                while (true) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    Frame frame = grabber.grabImage();
                    long t1 = THREADS.getCurrentThreadCpuTime();
                    if (frame == null) {
                        break;
                    }
                    Mat mat = converter.convert(frame);
                    try (BytePointer buf = new BytePointer()) {
                        opencv_imgcodecs.imencode(".jpg", mat, buf, params);
                        byte[] jpeg = new byte[(int) buf.limit()];
                        buf.get(jpeg);
                        jpegs.add(jpeg);
                    }
                    sourceNanos += t1 - t0;
                    jpegNanos += THREADS.getCurrentThreadCpuTime() - t1;
                }
            } finally {
                grabber.release();
            }
        }
        if (jpegs.isEmpty()) {
            throw new MediaException("no video frames in " + video);
        }
        int fpsNum = probe.fpsNum() > 0 ? probe.fpsNum() : 25;
        int fpsDen = probe.fpsNum() > 0 ? probe.fpsDen() : 1;
        int perSegment =
                (int)
                        Math.max(
                                1,
                                Math.round(segments.duration().toNanos() / 1e9 * fpsNum / fpsDen));
        EncoderSettings settings =
                new EncoderSettings(
                        segments.container(),
                        segments.encoderThreads(),
                        segments.preset(),
                        segments.videoBitrate(),
                        EncoderSettings.DEFAULT_AUDIO_BITRATE,
                        segments.gpu());
        long[] decodeNanos = {0};
        long encodeNanos = 0;
        String encoder;
        AVFrame picture = PictureDecoder.allocate(width, height);
        try (SegmentEncoder segmentEncoder = new SegmentEncoder(settings);
                PictureDecoder decoder = new PictureDecoder(NO_LIMITS)) {
            encoder = segmentEncoder.videoEncoderName();
            for (int first = 0, index = 0; first < jpegs.size(); first += perSegment, index++) {
                int from = first;
                int count = Math.min(jpegs.size(), first + perSegment) - first;
                long t0 = THREADS.getCurrentThreadCpuTime();
                // As EncodeSegments: each JPEG straight into the encoder's YUV picture.
                segmentEncoder.encode(
                        new SegmentInput(
                                "media-floor",
                                index,
                                first,
                                width,
                                height,
                                fpsNum,
                                fpsDen,
                                null,
                                null),
                        count,
                        k -> {
                            long d0 = THREADS.getCurrentThreadCpuTime();
                            decoder.decodeInto(
                                    ImageCodec.JPEG, jpegs.get(from + k), width, height, picture);
                            decodeNanos[0] += THREADS.getCurrentThreadCpuTime() - d0;
                            return picture;
                        });
                encodeNanos += THREADS.getCurrentThreadCpuTime() - t0;
            }
        } finally {
            av_frame_free(picture);
        }
        encodeNanos -= decodeNanos[0];
        double n = jpegs.size();
        return new Result(
                jpegs.size(),
                width,
                height,
                encoder,
                sourceNanos / 1e6 / n,
                jpegNanos / 1e6 / n,
                decodeNanos[0] / 1e6 / n,
                encodeNanos / 1e6 / n);
    }
}
