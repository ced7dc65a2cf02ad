package io.lipstream.tools.console;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.SampleFormat;
import io.lipstream.schema.VideoFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The operator console: a web page on {@code 127.0.0.1} that shows every stream of the topics, live
 * or ended (frames in, lip-synced, passed through, dead-lettered, output latency, A/V offset, last
 * segment), the dubbed output playing beside the original input, the dead letters of the last hour
 * and the job's state, and says plainly when an output stalls, the job is not running or Kafka
 * cannot be reached.
 *
 * <p>It reads the input, segment and dead-letter topics itself (from {@link
 * ConsoleSettings#lookback()} ago) and asks Flink's REST API about the job, so it serves any run:
 * {@code lipsync demo}, a live run, or {@code lipsync console} against someone else's Kafka and
 * Flink. Start it with {@link #start}; closing stops the server and every reader.
 */
public final class OperatorConsole implements AutoCloseable {
    /** How often Kafka's reachability and the job's state are checked. */
    private static final Duration CHECK_EVERY = Duration.ofSeconds(2);

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(5);

    private final ConsoleSettings settings;
    private final StreamBoard board = new StreamBoard();
    private final Map<String, HlsWindow> dubbed = new ConcurrentHashMap<>();
    private final OriginalInputHls originals = new OriginalInputHls();
    private final List<TopicWatcher> watchers = new ArrayList<>();
    private final ScheduledExecutorService checks =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "console-checks");
                        t.setDaemon(true);
                        return t;
                    });
    private final FlinkJobStatus flink;
    private final Admin admin;
    private volatile String kafkaProblem = "not checked yet";
    private volatile FlinkJobStatus.View job;
    private ConsoleServer server;

    private OperatorConsole(ConsoleSettings settings) {
        this.settings = settings;
        this.flink = settings.flinkUrl() == null ? null : new FlinkJobStatus(settings.flinkUrl());
        Properties props = new Properties();
        props.put("request.timeout.ms", String.valueOf(KAFKA_TIMEOUT.toMillis()));
        props.put("default.api.timeout.ms", String.valueOf(KAFKA_TIMEOUT.toMillis()));
        props.put("client.id", "lipsync-console-admin");
        this.admin = Admin.create(settings.kafka().clientProperties(props));
    }

    /** Starts the readers and the web server; the page is at {@link #url()} once this returns. */
    public static OperatorConsole start(ConsoleSettings settings) throws IOException {
        OperatorConsole console = new OperatorConsole(settings);
        try {
            console.startReaders();
            console.server = ConsoleServer.start(console, settings.host(), settings.port());
            return console;
        } catch (IOException | RuntimeException e) {
            console.close();
            throw e;
        }
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8090/}. */
    public String url() {
        return "http://" + settings.host() + ":" + server.port() + "/";
    }

    ConsoleSettings settings() {
        return settings;
    }

    StreamBoard board() {
        return board;
    }

    Optional<HlsWindow> dubbed(String streamId) {
        return Optional.ofNullable(dubbed.get(streamId));
    }

    OriginalInputHls originals() {
        return originals;
    }

    /** Why Kafka cannot be read (unreachable, a topic missing), or null when all is well. */
    String kafkaProblem() {
        if (kafkaProblem != null) {
            return kafkaProblem;
        }
        for (TopicWatcher w : watchers) {
            if (w.problem() != null) {
                return w.problem();
            }
        }
        return null;
    }

    /** The job's state as last read, or null when no Flink was given. */
    FlinkJobStatus.View job() {
        return job;
    }

    private void startReaders() {
        KafkaSettings kafka = settings.kafka();
        SingleObjectCodec<VideoFrame> frames = SingleObjectCodec.of(VideoFrame.class);
        SingleObjectCodec<AudioChunk> audio = SingleObjectCodec.of(AudioChunk.class);
        SingleObjectCodec<EncodedSegment> segments = SingleObjectCodec.of(EncodedSegment.class);
        SingleObjectCodec<RejectedRecord> rejected = SingleObjectCodec.of(RejectedRecord.class);
        watch(kafka.videoTopic(), (record, catchingUp) -> onFrame(frames, record));
        watch(kafka.audioTopic(), (record, catchingUp) -> onAudio(audio, record));
        watch(
                kafka.segmentTopic(),
                (record, catchingUp) -> onSegment(segments, record, catchingUp));
        watch(kafka.deadLetterTopic(), (record, catchingUp) -> onDeadLetter(rejected, record));
        watchers.forEach(TopicWatcher::start);
        checks.scheduleWithFixedDelay(
                this::check, 0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void watch(String topic, TopicWatcher.Handler handler) {
        watchers.add(
                new TopicWatcher(
                        settings.kafka(),
                        topic,
                        TopicReaders.READ_COMMITTED,
                        settings.lookback(),
                        handler));
    }

    private void onFrame(SingleObjectCodec<VideoFrame> codec, ConsumerRecord<byte[], byte[]> r) {
        VideoFrame frame;
        try {
            frame = codec.decode(r.value());
        } catch (MalformedRecordException e) {
            return; // the job dead-letters it; the dead-letter topic shows it
        }
        long now = System.currentTimeMillis();
        board.onFrame(
                frame.getStreamId().toString(),
                frame.getFrameIndex(),
                frame.getPtsMicros(),
                frame.getLast(),
                r.timestamp(),
                now);
        originals.onFrame(frame, now);
    }

    private void onAudio(SingleObjectCodec<AudioChunk> codec, ConsumerRecord<byte[], byte[]> r) {
        AudioChunk chunk;
        try {
            chunk = codec.decode(r.value());
        } catch (MalformedRecordException e) {
            return;
        }
        int sampleBytes = chunk.getFormat() == SampleFormat.F32LE ? Float.BYTES : Short.BYTES;
        if (chunk.getSampleRate() <= 0 || chunk.getChannels() <= 0) {
            return; // dead-lettered by the job
        }
        long samples = chunk.getPcm().remaining() / ((long) sampleBytes * chunk.getChannels());
        long endMicros = (chunk.getStartSample() + samples) * 1_000_000L / chunk.getSampleRate();
        board.onAudio(chunk.getStreamId().toString(), endMicros);
    }

    private void onSegment(
            SingleObjectCodec<EncodedSegment> codec,
            ConsumerRecord<byte[], byte[]> r,
            boolean catchingUp) {
        EncodedSegment s;
        try {
            s = codec.decode(r.value());
        } catch (MalformedRecordException e) {
            return; // not ours to judge: the topic may be shared
        }
        String streamId = s.getStreamId().toString();
        board.onSegment(
                new StreamBoard.SegmentSeen(
                        streamId,
                        s.getSegmentIndex(),
                        s.getFirstFrameIndex(),
                        s.getFrameCount(),
                        s.getLipSyncedFrames(),
                        s.getPassedThroughFrames(),
                        s.getLast(),
                        r.timestamp()),
                !catchingUp,
                System.currentTimeMillis());
        dubbed.computeIfAbsent(streamId, id -> new HlsWindow())
                .add(
                        s.getSegmentIndex(),
                        Bytes.of(s.getData()),
                        s.getDurationMicros(),
                        s.getLast());
    }

    private void onDeadLetter(
            SingleObjectCodec<RejectedRecord> codec, ConsumerRecord<byte[], byte[]> r) {
        RejectedRecord letter;
        try {
            letter = codec.decode(r.value());
        } catch (MalformedRecordException e) {
            return;
        }
        String streamId =
                letter.getKey() != null
                        ? new String(Bytes.of(letter.getKey()), StandardCharsets.UTF_8)
                        : r.key() != null
                                ? new String(r.key(), StandardCharsets.UTF_8)
                                : "(no key)";
        board.onDeadLetter(
                new StreamBoard.DeadLetter(
                        letter.getRejectedAtMillis() > 0
                                ? letter.getRejectedAtMillis()
                                : r.timestamp(),
                        streamId,
                        letter.getSourceTopic().toString(),
                        letter.getPartition(),
                        letter.getOffset(),
                        letter.getReason().toString()));
    }

    /** Is Kafka there, how is the job: asked in the background so the page never waits. */
    private void check() {
        try {
            admin.describeCluster(
                            new DescribeClusterOptions().timeoutMs((int) KAFKA_TIMEOUT.toMillis()))
                    .clusterId()
                    .get(KAFKA_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            kafkaProblem = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            kafkaProblem =
                    "Kafka at "
                            + settings.kafka().bootstrapServers()
                            + " cannot be reached: "
                            + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        if (flink != null) {
            job = flink.read();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        checks.shutdownNow();
        for (TopicWatcher w : watchers) {
            try {
                w.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        admin.close(KAFKA_TIMEOUT);
        try {
            originals.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
