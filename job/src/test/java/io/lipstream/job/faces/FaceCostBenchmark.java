package io.lipstream.job.faces;

import io.lipstream.schema.ImageCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bytedeco.opencv.global.opencv_core;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Cost of each face step on one 640x360 frame of the bundled clip, single-threaded caller (OpenCV
 * may still use its own threads inside a call). Run from the worktree root:
 *
 * <pre>
 * mvn -o -q -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp job/target/test-classes:job/target/classes:$(cat job/cp.txt) io.lipstream.job.faces.FaceCostBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FaceCostBenchmark {

    /** Quality for the JPEG steps: a typical ingest setting. */
    private static final int JPEG_QUALITY = 90;

    private static final int SIZE = FaceTensors.FACE_SIZE;

    /**
     * OpenCV's worker threads: 1 runs each call on the caller's thread (one detector per Flink
     * slot), -1 is OpenCV's default (all cores).
     */
    @Param({"1", "-1"})
    public int openCvThreads;

    private BgrImage frame;
    private byte[] jpeg;
    private FaceBox raw;
    private FaceBox box;
    private byte[] face;
    private FloatBuffer input;
    private FloatBuffer output;
    private HaarFaceDetector detector;

    @Setup(Level.Trial)
    public void setUp() {
        opencv_core.setNumThreads(openCvThreads);
        frame = FaceGolden.frame();
        jpeg = FrameImages.encodeJpeg(frame, JPEG_QUALITY);
        detector = new HaarFaceDetector();
        raw = detector.detect(frame).orElseThrow();
        box = Wav2LipBoxes.pad(raw, frame.width(), frame.height());
        face = FaceTensors.crop(frame, box, SIZE);
        input = floats(FaceTensors.INPUT_CHANNELS * SIZE * SIZE);
        output = floats(FaceTensors.OUTPUT_CHANNELS * SIZE * SIZE);
        for (int i = 0; i < output.limit(); i++) {
            output.put(i, (i % 251) / 251f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        detector.close();
    }

    @Benchmark
    public BgrImage jpegDecode() {
        return FrameImages.decode(
                ImageCodec.JPEG, jpeg, frame.width(), frame.height(), FrameLimits.defaults());
    }

    @Benchmark
    public Optional<FaceBox> haarDetect() {
        return detector.detect(frame);
    }

    /** What most detections cost while tracking: the scan around the last box. */
    @Benchmark
    public Optional<FaceBox> haarDetectNear() {
        return detector.detectNear(frame, raw);
    }

    @Benchmark
    public FloatBuffer cropAndWriteFaceInput() {
        FaceTensors.writeFaceInput(FaceTensors.crop(frame, box, SIZE), SIZE, input, 0);
        return input;
    }

    @Benchmark
    public BgrImage readOutputAndPasteHard() {
        return FacePaster.paste(
                frame, box, FaceTensors.readFaceOutput(output, SIZE, 0), SIZE, Blend.HARD);
    }

    @Benchmark
    public BgrImage readOutputAndPasteFeather() {
        return FacePaster.paste(
                frame, box, FaceTensors.readFaceOutput(output, SIZE, 0), SIZE, Blend.FEATHER);
    }

    @Benchmark
    public byte[] jpegEncode() {
        return FrameImages.encodeJpeg(frame, JPEG_QUALITY);
    }

    /**
     * Runs this benchmark; JMH command-line options (e.g. {@code -i 10 -wi 5}) override. With
     * {@code --cpu-time} first, measures instead the caller thread's CPU time per call (OpenCV on
     * one thread), which stays meaningful on a machine shared with other loads.
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        if (args.length > 0 && args[0].equals(CPU_TIME_FLAG)) {
            measureCpuTime();
            return;
        }
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir", "target/javacpp-cache");
        Options options =
                new OptionsBuilder()
                        .parent(new CommandLineOptions(args))
                        .include(FaceCostBenchmark.class.getSimpleName())
                        .jvmArgsAppend("-Dorg.bytedeco.javacpp.cachedir=" + cache)
                        .build();
        new Runner(options).run();
    }

    private static final String CPU_TIME_FLAG = "--cpu-time";

    /** Seconds of warm-up, then of measurement, per step for --cpu-time. */
    private static final long CPU_TIME_PHASE_NANOS = TimeUnit.SECONDS.toNanos(3);

    private static void measureCpuTime() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        FaceCostBenchmark b = new FaceCostBenchmark();
        b.openCvThreads = 1;
        b.setUp();
        Map<String, Supplier<Object>> steps = new LinkedHashMap<>();
        steps.put("jpegDecode", b::jpegDecode);
        steps.put("haarDetect", b::haarDetect);
        steps.put("cropAndWriteFaceInput", b::cropAndWriteFaceInput);
        steps.put("readOutputAndPasteHard", b::readOutputAndPasteHard);
        steps.put("readOutputAndPasteFeather", b::readOutputAndPasteFeather);
        steps.put("jpegEncode", b::jpegEncode);
        int sink = 0;
        for (Map.Entry<String, Supplier<Object>> step : steps.entrySet()) {
            long warmUntil = System.nanoTime() + CPU_TIME_PHASE_NANOS;
            while (System.nanoTime() < warmUntil) {
                sink += step.getValue().get().hashCode();
            }
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            long calls = 0;
            while (System.nanoTime() - wall < CPU_TIME_PHASE_NANOS) {
                sink += step.getValue().get().hashCode();
                calls++;
            }
            double cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / calls;
            double wallMs = (System.nanoTime() - wall) / 1e6 / calls;
            System.out.printf(
                    "%-28s cpu %8.3f ms/op   wall %8.3f ms/op   (%d calls)%n",
                    step.getKey(), cpuMs, wallMs, calls);
        }
        b.tearDown();
        System.out.println("(sink " + sink + ")");
    }

    private static FloatBuffer floats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}
