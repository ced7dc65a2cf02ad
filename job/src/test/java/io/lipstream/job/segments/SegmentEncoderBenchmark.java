package io.lipstream.job.segments;

import io.lipstream.samples.Samples;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long {@link SegmentEncoder} takes for a 2 s, 640x360, 25 fps segment (50 frames + 32000 audio
 * samples, MPEG-TS), per thread setting and content: the bundled talking-head sample's first 50
 * frames, or the synthetic test pattern. Run {@link #main} (prints ms per frame and the real-time
 * factor) or JMH's own runner on this class.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class SegmentEncoderBenchmark {
    static final int WIDTH = 640;
    static final int HEIGHT = 360;
    static final int FPS = 25;
    static final int FRAMES = 50; // 2 s at 25 fps
    static final double SEGMENT_MILLIS = 1_000.0 * FRAMES / FPS;

    @Param({"1", "2"})
    int threads;

    @Param({"sample", "synthetic"})
    String content;

    private SegmentEncoder encoder;
    private SegmentInput input;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        List<byte[]> frames =
                "sample".equals(content)
                        ? sampleFrames()
                        : SyntheticMedia.frames(WIDTH, HEIGHT, 0, FRAMES);
        input =
                new SegmentInput(
                        "bench",
                        0,
                        0,
                        WIDTH,
                        HEIGHT,
                        FPS,
                        1,
                        frames,
                        SyntheticMedia.tonesForFrames(0, FRAMES, FPS, 1));
        encoder = new SegmentEncoder(EncoderSettings.defaults().withThreads(threads));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.close();
    }

    @Benchmark
    public EncodedBytes encodeTwoSecondSegment() throws SegmentEncodingException {
        return encoder.encode(input);
    }

    /** The first 50 frames of the bundled 640x360 talking-head video, as BGR24. */
    private static List<byte[]> sampleFrames() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        try (FFmpegFrameGrabber grabber =
                new FFmpegFrameGrabber(Samples.TALKING_ASTRONAUT_MP4.path().toString())) {
            grabber.start();
            Frame frame;
            while (frames.size() < FRAMES && (frame = grabber.grabImage()) != null) {
                ByteBuffer image = (ByteBuffer) frame.image[0];
                byte[] bgr = new byte[WIDTH * HEIGHT * 3];
                for (int y = 0; y < HEIGHT; y++) {
                    image.position(y * frame.imageStride);
                    image.get(bgr, y * WIDTH * 3, WIDTH * 3);
                }
                frames.add(bgr);
            }
        }
        return frames;
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results =
                new Runner(
                                new OptionsBuilder()
                                        .include(SegmentEncoderBenchmark.class.getSimpleName())
                                        .jvmArgsAppend(
                                                "-Dorg.bytedeco.javacpp.cachedir="
                                                        + System.getProperty(
                                                                "org.bytedeco.javacpp.cachedir",
                                                                "target/javacpp-cache"))
                                        .build())
                        .run();
        System.out.printf(
                "%-10s %-8s %12s %12s %10s%n",
                "content", "threads", "ms/segment", "ms/frame", "x realtime");
        for (RunResult result : results) {
            double millis = result.getPrimaryResult().getScore();
            System.out.printf(
                    "%-10s %-8s %12.1f %12.2f %10.1f%n",
                    result.getParams().getParam("content"),
                    result.getParams().getParam("threads"),
                    millis,
                    millis / FRAMES,
                    SEGMENT_MILLIS / millis);
        }
    }
}
