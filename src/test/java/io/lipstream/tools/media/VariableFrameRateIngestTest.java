package io.lipstream.tools.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.samples.Samples;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.embedded.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A variable-frame-rate file (as phones record) ingested through the real broker: its frames land
 * on the constant-rate grid of its average rate by their timestamps, so each frame is shown at its
 * own time rather than drifting as frame counting would make it.
 */
class VariableFrameRateIngestTest {
    private static final int FAST = 30; // frames at 30 fps for the first second
    private static final int SLOW = 15; // then frames at 15 fps for one more second
    private static final int WIDTH = 64;
    private static final int HEIGHT = 48;
    private static final int DIGITS = 8; // source index i drawn as two base-8 digits...
    private static final int LEVEL_STEP = 32; // ...of grey levels 32 apart

    private static EmbeddedKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void shouldShowEachFrameAtItsOwnTimeOnTheAverageRateGrid() throws Exception {
        Path vfr = writeVariableRateClip(dir.resolve("vfr.mp4"));
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        KafkaSettings settings = KafkaSettings.from(config);
        Topics.ensure(settings, 1, (short) 1);

        try (MediaIngest ingest = new MediaIngest(settings)) {
            ingest.ingest(
                    new MediaIngest.Request(
                            "vfr", vfr, Samples.TALKING_ASTRONAUT_MP4.path(), false, 1, false));
        }
        List<VideoFrame> frames = readFrames(settings);

        // The container's average rate: 45 frames over the file's length (about 22.9 fps).
        double fps =
                (double) frames.get(0).getFrameRate().getNum()
                        / frames.get(0).getFrameRate().getDen();
        assertEquals(FAST + SLOW, frames.size(), 1, "as many frames as the file has");
        double slot = 1 / fps;
        for (int k = 0; k < frames.size(); k++) {
            VideoFrame f = frames.get(k);
            assertEquals(k, f.getFrameIndex());
            int source = readIndex(f);
            double shownAt = k * slot;
            // A source frame that is on screen at some moment of the slot (half a slot around
            // its time): it starts before the slot ends and the next one after the slot starts.
            assertTrue(
                    sourceTime(source) <= shownAt + slot / 2
                            && (source + 1 == FAST + SLOW
                                    || sourceTime(source + 1) > shownAt - slot / 2),
                    "frame "
                            + k
                            + " at "
                            + shownAt
                            + " s shows source frame "
                            + source
                            + " of "
                            + sourceTime(source)
                            + " s");
        }
        assertTrue(frames.get(frames.size() - 1).getLast());
    }

    /** When source frame {@code i} is shown: 30 fps for a second, then 15 fps. */
    private static double sourceTime(int i) {
        return i < FAST ? (double) i / FAST : 1 + (double) (i - FAST) / SLOW;
    }

    private static Path writeVariableRateClip(Path file) throws Exception {
        try (FFmpegFrameRecorder recorder =
                        new FFmpegFrameRecorder(file.toFile(), WIDTH, HEIGHT, 0);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            recorder.setVideoQuality(1); // near-lossless: the grey levels must survive
            recorder.setFrameRate(FAST); // time base 1/30 s: 15 fps frames are 2 ticks apart
            recorder.start();
            for (int i = 0; i < FAST + SLOW; i++) {
                try (Mat picture = indexPicture(i)) {
                    // In ticks of the 1/30 s time base, rounded up: the recorder truncates.
                    long tick = i < FAST ? i : FAST + 2L * (i - FAST);
                    recorder.setTimestamp((tick * 1_000_000L + FAST - 1) / FAST);
                    recorder.record(converter.convert(picture));
                }
            }
            recorder.stop();
        }
        return file;
    }

    private static List<VideoFrame> readFrames(KafkaSettings settings) {
        SingleObjectCodec<VideoFrame> codec = SingleObjectCodec.of(VideoFrame.class);
        List<VideoFrame> frames = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                TopicReaders.fromStart(
                        settings, settings.videoTopic(), TopicReaders.READ_UNCOMMITTED)) {
            while ((frames.isEmpty() || !frames.get(frames.size() - 1).getLast())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    frames.add(codec.decode(r.value()));
                }
            }
        }
        return frames;
    }

    /** Source frame {@code i}: grey level (i / 8) * 32 on the top half, (i % 8) * 32 below. */
    private static Mat indexPicture(int i) {
        Mat picture = new Mat(HEIGHT, WIDTH, opencv_core.CV_8UC3, grey(i / DIGITS * LEVEL_STEP));
        try (Mat bottom = picture.rowRange(HEIGHT / 2, HEIGHT)) {
            bottom.put(grey(i % DIGITS * LEVEL_STEP));
        }
        return picture;
    }

    private static Scalar grey(int level) {
        return new Scalar(level, level, level, 0);
    }

    /** The source index a frame shows, read from the middle of each half. */
    private static int readIndex(VideoFrame frame) {
        byte[] jpeg = new byte[frame.getImage().remaining()];
        frame.getImage().duplicate().get(jpeg);
        try (BytePointer data = new BytePointer(jpeg);
                Mat encoded = new Mat(1, jpeg.length, opencv_core.CV_8UC1, data);
                Mat decoded =
                        opencv_imgcodecs.imdecode(encoded, opencv_imgcodecs.IMREAD_GRAYSCALE);
                Mat top = decoded.rowRange(HEIGHT / 8, HEIGHT * 3 / 8);
                Mat bottom = decoded.rowRange(HEIGHT * 5 / 8, HEIGHT * 7 / 8)) {
            long high = Math.round(opencv_core.mean(top).get(0) / LEVEL_STEP);
            long low = Math.round(opencv_core.mean(bottom).get(0) / LEVEL_STEP);
            return (int) (high * DIGITS + low);
        }
    }
}
