package io.lipstream.tools.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open2;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.media.FfmpegStatus;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.VideoFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Pushes one stream's committed segments, as they are committed, to a live receiver as one
 * continuous stream: packets are copied without re-encoding into MPEG-TS ({@code srt://}, {@code
 * udp://}, ...) or FLV ({@code rtmp(s)://}), paced at real time.
 *
 * <p>Output timestamps start at 0 and never go back: a segment that starts before the end of what
 * was pushed (the stream restarted: a new ingest, a job without its state) is moved to follow it; a
 * hole in the stream clock stays a hole. It starts at the live edge (the next segment committed),
 * or with {@code fromStart} at the topic's first segment of the stream. Packets go at real time,
 * except while more segments are waiting than the one being pushed: then the push is behind the
 * live edge (a slow start of the job, a slow spell) and catches up without waiting. When the
 * receiver goes away or refuses, it reopens the push with backoff and resumes at the live edge
 * (segments queued in between are skipped); when segments stop coming it says so once and waits.
 *
 * <p>Glass-to-glass latency is measured per pushed frame against the Kafka timestamp of the frame's
 * record in the video topic (its capture time at ingest), read alongside the segments.
 */
public final class LivePublisher {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CAPTURE_POLL = Duration.ofMillis(20);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

    /** A single write that blocks longer than this means the receiver is gone. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);

    /** How long closing an SRT push waits for what is still unsent. */
    private static final Duration LINGER = Duration.ofSeconds(5);

    /** How far back the capture times of frames are read when starting at the live edge. */
    private static final Duration CAPTURE_LOOKBACK = Duration.ofMinutes(2);

    /** Capture times kept behind the last pushed frame (a minute at 25 fps). */
    private static final long CAPTURE_TIMES_KEPT = 1500;

    private static final AVRational MICROSECONDS = av_make_q(1, AV_TIME_BASE);

    private final KafkaSettings settings;
    private final LiveStreamMetrics metrics;
    private final Consumer<String> log;
    private final SingleObjectCodec<EncodedSegment> segmentCodec =
            SingleObjectCodec.of(EncodedSegment.class);
    private final SingleObjectCodec<VideoFrame> frameCodec = SingleObjectCodec.of(VideoFrame.class);
    private final BlockingDeque<EncodedSegment> queue = new LinkedBlockingDeque<>();
    private final TreeMap<Long, Long> captureMillis = new TreeMap<>();
    private volatile boolean endPushed;

    /** What to push where. {@code stallNotice}: how long without a new segment before saying so. */
    public record Request(
            String streamId, LiveSource to, boolean fromStart, Duration stallNotice) {}

    public LivePublisher(KafkaSettings settings, LiveStreamMetrics metrics, Consumer<String> log) {
        this.settings = settings;
        this.metrics = metrics;
        this.log = log;
    }

    /** The container for a receiver: FLV for RTMP, MPEG-TS for the rest, a file's by its name. */
    public static String containerFor(LiveSource to) {
        if (!to.live()) {
            return null;
        }
        return to.scheme().startsWith("rtmp") ? "flv" : "mpegts";
    }

    /** Whether the stream's last segment (the end of its ingest) has been pushed. */
    public boolean endPushed() {
        return endPushed;
    }

    /** Pushes until {@code keepRunning} turns false or the thread is interrupted. */
    public void run(Request request, BooleanSupplier keepRunning)
            throws InterruptedException, IOException {
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader =
                new Thread(
                        () ->
                                readTopics(
                                        request, () -> reading.get() && keepRunning.getAsBoolean()),
                        "publish-read-" + request.streamId());
        reader.setDaemon(true);
        Throwable[] readFailure = new Throwable[1];
        reader.setUncaughtExceptionHandler((t, e) -> readFailure[0] = e);
        reader.start();
        Path scratch = Files.createTempDirectory("lipstream-publish");
        Output output = null;
        Duration backoff = FIRST_BACKOFF;
        long lastSegmentNanos = System.nanoTime();
        boolean stallReported = false;
        boolean everSegment = false;
        boolean everOpened = false;
        Timeline timeline = new Timeline();
        try {
            while (keepRunning.getAsBoolean()) {
                if (readFailure[0] != null) {
                    throw new IOException(
                            "cannot read the topics: " + readFailure[0].getMessage(),
                            readFailure[0]);
                }
                EncodedSegment segment = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (segment == null) {
                    long quiet = System.nanoTime() - lastSegmentNanos;
                    if (!stallReported && quiet > request.stallNotice().toNanos()) {
                        log.accept(
                                (everSegment ? "no new segment" : "no segment yet")
                                        + " of stream "
                                        + request.streamId()
                                        + " for "
                                        + TimeUnit.NANOSECONDS.toSeconds(quiet)
                                        + " s; waiting");
                        stallReported = true;
                    }
                    continue;
                }
                if (stallReported && everSegment) {
                    log.accept("segments of stream " + request.streamId() + " are coming again");
                }
                stallReported = false;
                everSegment = true;
                lastSegmentNanos = System.nanoTime();
                Segment demuxed;
                try {
                    demuxed = Segment.read(segment, scratch);
                } catch (IOException e) {
                    log.accept(
                            "segment "
                                    + segment.getSegmentIndex()
                                    + " of stream "
                                    + request.streamId()
                                    + " cannot be read, skipped: "
                                    + e.getMessage());
                    continue;
                }
                try {
                    if (output == null) {
                        try {
                            output = Output.open(request.to(), demuxed);
                        } catch (IOException e) {
                            log.accept(
                                    "cannot push to "
                                            + request.to().location()
                                            + ": "
                                            + e.getMessage()
                                            + "; retrying in "
                                            + backoff.toMillis()
                                            + " ms");
                            metrics.pushReconnected();
                            Thread.sleep(backoff.toMillis());
                            backoff = next(backoff);
                            queue.clear(); // resume at the live edge
                            continue;
                        }
                        if (everOpened) {
                            log.accept("pushing to " + request.to().location() + " again");
                        }
                        everOpened = true;
                        backoff = FIRST_BACKOFF;
                        timeline.restartPacing();
                    }
                    try {
                        push(demuxed, output, timeline, keepRunning);
                        metrics.segmentPushed(
                                segment.getLipSyncedFrames(), segment.getPassedThroughFrames());
                        if (segment.getLast()) {
                            endPushed = true;
                            log.accept("stream " + request.streamId() + " ended; waiting");
                        }
                    } catch (IOException e) {
                        log.accept(
                                "push to "
                                        + request.to().location()
                                        + " lost ("
                                        + e.getMessage()
                                        + "); reconnecting");
                        output.close(false);
                        output = null;
                        metrics.pushReconnected();
                        queue.clear();
                    }
                } finally {
                    demuxed.close();
                }
            }
        } finally {
            if (output != null) {
                output.close(true);
            }
            reading.set(false); // not an interrupt: Kafka's consumer would take it for a failure
            reader.join(TimeUnit.SECONDS.toMillis(5));
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(scratch);
        }
    }

    private static Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    /** Writes one segment's packets, moved onto the output timeline and paced at real time. */
    private void push(
            Segment segment, Output output, Timeline timeline, BooleanSupplier keepRunning)
            throws IOException, InterruptedException {
        long shift = timeline.shiftFor(segment.firstVideoMicros());
        if (segment.firstAudioMicros() != AV_NOPTS_VALUE) {
            metrics.avOffset(segment.firstAudioMicros() - segment.firstVideoMicros());
        }
        // Another segment already waiting: this one is behind the live edge and goes at once.
        boolean catchUp = !queue.isEmpty();
        long frameIndex = segment.record().getFirstFrameIndex();
        for (AVPacket packet : segment.packets()) {
            if (!keepRunning.getAsBoolean()) {
                throw new InterruptedException("stopped");
            }
            int in = packet.stream_index();
            int out = segment.outputIndex()[in];
            if (out < 0 || out >= output.context().nb_streams()) {
                continue; // left out, or audio that the first segment did not have
            }
            AVRational inBase = segment.input().streams(in).time_base();
            AVStream outStream = output.context().streams(out);
            AVRational outBase = outStream.time_base();
            long dtsMicros =
                    segment.micros(
                                    packet.dts() != AV_NOPTS_VALUE ? packet.dts() : packet.pts(),
                                    inBase)
                            + shift;
            long ptsMicros =
                    packet.pts() == AV_NOPTS_VALUE
                            ? dtsMicros
                            : segment.micros(packet.pts(), inBase) + shift;
            long dts = av_rescale_q(dtsMicros, MICROSECONDS, outBase);
            long pts = av_rescale_q(ptsMicros, MICROSECONDS, outBase);
            // Never back, never equal: muxers refuse both.
            dts = Math.max(dts, output.lastDts[out] + 1);
            pts = Math.max(pts, dts);
            output.lastDts[out] = dts;
            boolean video = outStream.codecpar().codec_type() == AVMEDIA_TYPE_VIDEO;
            timeline.pace(av_rescale_q(dts, outBase, MICROSECONDS), catchUp);
            AVPacket copy = av_packet_clone(packet);
            int size = copy.size();
            int ret;
            try {
                copy.stream_index(out);
                copy.dts(dts);
                copy.pts(pts);
                copy.duration(av_rescale_q(packet.duration(), inBase, outBase));
                copy.pos(-1);
                ret = av_interleaved_write_frame(output.context(), copy);
            } finally {
                av_packet_free(copy);
            }
            if (ret < 0) {
                throw new IOException("av_interleaved_write_frame: " + FfmpegStatus.text(ret));
            }
            long now = System.currentTimeMillis();
            metrics.packetPushed(size, video, now);
            if (video) {
                Long captured = captureOf(frameIndex++);
                if (captured != null) {
                    metrics.latency((now - captured) * 1000, now);
                }
                timeline.videoPushed(
                        dtsMicros, av_rescale_q(packet.duration(), inBase, MICROSECONDS));
            }
        }
    }

    private Long captureOf(long frameIndex) {
        synchronized (captureMillis) {
            Long at = captureMillis.get(frameIndex);
            captureMillis.headMap(frameIndex - CAPTURE_TIMES_KEPT).clear();
            return at;
        }
    }

    /**
     * Follows the segment topic ({@code read_committed}) into the queue and the video topic's
     * capture times of the stream, from the live edge or the beginning.
     */
    private void readTopics(Request request, BooleanSupplier keepRunning) {
        try (KafkaConsumer<byte[], byte[]> segments =
                        TopicReaders.fromStart(
                                settings, settings.segmentTopic(), TopicReaders.READ_COMMITTED);
                KafkaConsumer<byte[], byte[]> frames =
                        TopicReaders.fromStart(
                                settings, settings.videoTopic(), TopicReaders.READ_UNCOMMITTED)) {
            if (!request.fromStart()) {
                segments.seekToEnd(segments.assignment());
                segments.assignment().forEach(segments::position); // the live edge now, not later
                // Frames captured a while ago may still be in segments to come (a job running
                // behind): their capture times are read from a little before now.
                long since = System.currentTimeMillis() - CAPTURE_LOOKBACK.toMillis();
                Map<TopicPartition, Long> at = new HashMap<>();
                frames.assignment().forEach(p -> at.put(p, since));
                frames.seekToEnd(frames.assignment());
                frames.offsetsForTimes(at)
                        .forEach(
                                (partition, offset) -> {
                                    if (offset != null) {
                                        frames.seek(partition, offset.offset());
                                    }
                                });
            }
            while (keepRunning.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> record : frames.poll(CAPTURE_POLL)) {
                    noteCapture(request.streamId(), record);
                }
                for (ConsumerRecord<byte[], byte[]> record : segments.poll(POLL)) {
                    try {
                        EncodedSegment segment = segmentCodec.decode(record.value());
                        if (segment.getStreamId().equals(request.streamId())) {
                            queue.add(segment);
                        }
                    } catch (MalformedRecordException e) {
                        // Not ours to judge: the topic is shared.
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void noteCapture(String streamId, ConsumerRecord<byte[], byte[]> record) {
        try {
            VideoFrame frame = frameCodec.decode(record.value());
            if (!frame.getStreamId().equals(streamId)) {
                return;
            }
            synchronized (captureMillis) {
                if (!captureMillis.isEmpty()
                        && frame.getFrameIndex() < captureMillis.lastKey() - CAPTURE_TIMES_KEPT) {
                    captureMillis.clear(); // the stream started over
                }
                captureMillis.put(frame.getFrameIndex(), record.timestamp());
            }
        } catch (MalformedRecordException e) {
            // Bad frames are the job's dead letters, not the publisher's business.
        }
    }

    /** The output clock: the shift of each segment and the pacing against the wall clock. */
    static final class Timeline {
        private boolean started;
        private long shiftMicros;
        private long videoEndMicros;
        private long anchorNanos;
        private boolean paced;

        /**
         * The shift that puts a segment whose video starts at {@code firstVideoMicros} on the
         * output timeline: unchanged while the stream goes forward, moved to follow what was pushed
         * when it would go back.
         */
        long shiftFor(long firstVideoMicros) {
            if (!started) {
                started = true;
                shiftMicros = -firstVideoMicros;
            } else if (firstVideoMicros + shiftMicros < videoEndMicros) {
                shiftMicros = videoEndMicros - firstVideoMicros;
            }
            return shiftMicros;
        }

        void videoPushed(long outDtsMicros, long durationMicros) {
            videoEndMicros = Math.max(videoEndMicros, outDtsMicros + Math.max(0, durationMicros));
        }

        /** A new connection: pacing starts again from its first packet. */
        void restartPacing() {
            paced = false;
        }

        /**
         * Waits until output time {@code micros} is due; late packets go at once. With {@code
         * catchUp} (the push is behind the live edge) nothing waits and the schedule moves up with
         * it, so a start-up delay or a slow spell of the job is not kept as latency once the job
         * has caught up.
         */
        void pace(long micros, boolean catchUp) throws InterruptedException {
            long now = System.nanoTime();
            if (!paced) {
                paced = true;
                anchorNanos = now - micros * 1000;
                return;
            }
            if (catchUp) {
                anchorNanos = Math.min(anchorNanos, now - micros * 1000);
                return;
            }
            long wait = anchorNanos + micros * 1000 - now;
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    /** One segment demuxed: its packets in file order and where each of its streams goes. */
    private record Segment(
            EncodedSegment record,
            AVFormatContext input,
            List<AVPacket> packets,
            int[] outputIndex,
            int videoIn,
            int audioIn,
            long firstVideoMicros,
            long firstAudioMicros)
            implements AutoCloseable {

        static Segment read(EncodedSegment record, Path scratch) throws IOException {
            Path file = scratch.resolve("segment.ts");
            Files.write(file, Bytes.of(record.getData()));
            AVFormatContext input = new AVFormatContext(null);
            List<AVPacket> packets = new ArrayList<>();
            try {
                FfmpegStatus.check(
                        avformat_open_input(input, file.toString(), null, null),
                        "avformat_open_input(segment)");
                FfmpegStatus.check(
                        avformat_find_stream_info(input, (AVDictionary) null),
                        "avformat_find_stream_info(segment)");
                int[] outputIndex = new int[input.nb_streams()];
                int video = -1;
                int audio = -1;
                for (int i = 0; i < input.nb_streams(); i++) {
                    int type = input.streams(i).codecpar().codec_type();
                    outputIndex[i] = -1;
                    if (type == AVMEDIA_TYPE_VIDEO && video < 0) {
                        video = i;
                    } else if (type == AVMEDIA_TYPE_AUDIO && audio < 0) {
                        audio = i;
                    }
                }
                if (video < 0) {
                    throw new IOException("segment: expected a video stream, found none");
                }
                outputIndex[video] = 0;
                if (audio >= 0) {
                    outputIndex[audio] = 1;
                }
                long firstVideo = AV_NOPTS_VALUE;
                long firstAudio = AV_NOPTS_VALUE;
                AVPacket packet = av_packet_alloc();
                try {
                    while (true) {
                        int ret = av_read_frame(input, packet);
                        if (ret == AVERROR_EOF) {
                            break;
                        }
                        FfmpegStatus.check(ret, "av_read_frame(segment)");
                        int in = packet.stream_index();
                        if (outputIndex[in] >= 0) {
                            long ts = packet.dts() != AV_NOPTS_VALUE ? packet.dts() : packet.pts();
                            long micros =
                                    av_rescale_q(ts, input.streams(in).time_base(), MICROSECONDS);
                            if (in == video && firstVideo == AV_NOPTS_VALUE) {
                                firstVideo = micros;
                            } else if (in == audio && firstAudio == AV_NOPTS_VALUE) {
                                firstAudio = micros;
                            }
                            packets.add(av_packet_clone(packet));
                        }
                        av_packet_unref(packet);
                    }
                } finally {
                    av_packet_free(packet);
                }
                if (firstVideo == AV_NOPTS_VALUE) {
                    throw new IOException("segment: expected video packets, found none");
                }
                return new Segment(
                        record, input, packets, outputIndex, video, audio, firstVideo, firstAudio);
            } catch (IOException | RuntimeException e) {
                packets.forEach(p -> av_packet_free(p));
                avformat_close_input(input);
                throw e;
            }
        }

        long micros(long ts, AVRational base) {
            return av_rescale_q(ts, base, MICROSECONDS);
        }

        @Override
        public void close() {
            packets.forEach(p -> av_packet_free(p));
            avformat_close_input(input);
        }
    }

    /** The open push: the muxer and its connection. */
    private static final class Output {
        private final AVFormatContext context;
        final long[] lastDts;

        private Output(AVFormatContext context) {
            this.context = context;
            this.lastDts = new long[context.nb_streams()];
            java.util.Arrays.fill(lastDts, Long.MIN_VALUE / 2);
        }

        AVFormatContext context() {
            return context;
        }

        /** Connects to the receiver and writes the header, streams as in {@code first}. */
        static Output open(LiveSource to, Segment first) throws IOException {
            AVFormatContext out = new AVFormatContext(null);
            FfmpegStatus.check(
                    avformat_alloc_output_context2(out, null, containerFor(to), to.location()),
                    "avformat_alloc_output_context2(" + containerFor(to) + ")");
            AVDictionary ioOptions = new AVDictionary(null);
            AVDictionary muxOptions = new AVDictionary(null);
            boolean opened = false;
            try {
                addStream(out, first.input().streams(first.videoIn()));
                if (first.audioIn() >= 0) {
                    addStream(out, first.input().streams(first.audioIn()));
                }
                av_dict_set(
                        ioOptions, "rw_timeout", Long.toString(WRITE_TIMEOUT.toNanos() / 1000), 0);
                if ("srt".equals(to.scheme())) {
                    // SRT's live mode drops what is still unsent at close: the end of the stream.
                    av_dict_set(ioOptions, "linger", Long.toString(LINGER.toSeconds()), 0);
                }
                AVIOContext io = new AVIOContext(null);
                FfmpegStatus.check(
                        avio_open2(io, to.location(), AVIO_FLAG_WRITE, null, ioOptions),
                        "connect to " + to.location());
                out.pb(io);
                opened = true;
                // Each packet leaves as it is written: a live receiver should not wait on a buffer.
                av_dict_set(muxOptions, "flush_packets", "1", 0);
                FfmpegStatus.check(
                        avformat_write_header(out, muxOptions),
                        "avformat_write_header(" + containerFor(to) + ")");
                return new Output(out);
            } catch (IOException | RuntimeException e) {
                if (opened) {
                    avio_closep(out.pb());
                }
                avformat_free_context(out);
                throw e;
            } finally {
                av_dict_free(ioOptions);
                av_dict_free(muxOptions);
            }
        }

        private static void addStream(AVFormatContext out, AVStream in) throws IOException {
            AVStream stream = avformat_new_stream(out, null);
            if (stream == null || stream.isNull()) {
                throw new IOException("avformat_new_stream: expected a stream, got none");
            }
            FfmpegStatus.check(
                    avcodec_parameters_copy(stream.codecpar(), in.codecpar()),
                    "avcodec_parameters_copy");
            stream.codecpar().codec_tag(0);
            stream.time_base(in.time_base());
            stream.avg_frame_rate(in.avg_frame_rate());
            stream.r_frame_rate(in.r_frame_rate());
        }

        /** Ends the push; {@code trailer} when the receiver is still there to take it. */
        void close(boolean trailer) {
            if (trailer) {
                av_write_trailer(context);
            }
            if (context.pb() != null && !context.pb().isNull()) {
                avio_closep(context.pb());
            }
            avformat_free_context(context);
        }
    }
}
