package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.job.audio.StreamingMel;
import io.lipstream.tools.model.OnnxGraphBuilder;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsync dub} with a model whose face cannot be mistaken for the input's: every pixel of
 * the generated face is the grey level {@code (mean of the frame's mel window / 8 + 0.5) * 255},
 * and the dubbing audio is a pattern of loud and silent blocks unlike the clip's own speech. Frame
 * by frame, the middle of the face (where it is, from how the clip was made) must show the grey the
 * frame's own mel window gives, and the rest of the picture the input; the output's audio must
 * follow the dubbing audio, not the clip's track and not silence.
 */
class DubWithAMelDrivenModelTest {
    private static final int FRAMES = 75;
    private static final int FPS = 25;
    private static final int SAMPLE_RATE = 16000;

    /** Wav2Lip's numbers (ARCHITECTURE.md): 80 mel columns per second, windows of 16. */
    private static final double MEL_COLUMNS_PER_SECOND = 80.0;

    private static final int MEL_STEP = 16;
    private static final int MEL_BANDS = 80;
    private static final int FACE_SIZE = 96;

    /** The model maps a mel mean in [-4, 4] to a grey in [0, 1]. */
    private static final float GREY_SCALE = 1 / 8f;

    private static final float GREY_OFFSET = 0.5f;

    /**
     * Grey levels the face's middle may differ from the model's output by: H.264 on a flat area and
     * one level of truncation.
     */
    private static final double GREY_TOLERANCE = 6;

    /** The face's middle is flat: the input's skin has a spread of tens of levels there. */
    private static final double FLAT_SPREAD = 4;

    /** Mean absolute difference from the input outside the face: JPEG, then H.264, no paste. */
    private static final double OUTSIDE_TOLERANCE = 6;

    /** Audio envelopes are compared per video frame. */
    private static final double ENVELOPE_CORRELATION = 0.9;

    /**
     * The dubbing audio, as blocks of {start s, end s, kind, amplitude}: kind 0 silence, 1 white
     * noise, 2 a chord; sharp edges make a one-frame slip of the audio-to-frame wiring show.
     */
    private static final double[][] BLOCKS = {
        {0.0, 0.3, 0, 0},
        {0.3, 0.8, 1, 0.5},
        {0.8, 1.2, 0, 0},
        {1.2, 1.9, 2, 0.3},
        {1.9, 2.2, 0, 0},
        {2.2, 2.7, 1, 0.05},
        {2.7, 3.0, 0, 0}
    };

    @TempDir static Path dir;
    static Path clip;
    static Path wav;
    static float[] samples;
    static Path out;
    static String stderr;
    static int exit;

    @BeforeAll
    static void dubWithTheMelDrivenModel() throws Exception {
        clip = TestClips.firstFrames(dir, FRAMES);
        samples = blocks();
        wav = writeWav(dir.resolve("blocks.wav"), samples);
        Path model = dir.resolve("mel-grey.onnx");
        melGreyModel().write(model, "lipstream test");
        out = dir.resolve("dubbed.mp4");
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        exit =
                cli.execute(
                        "dub",
                        "--video",
                        clip.toString(),
                        "--audio",
                        wav.toString(),
                        "--model",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--dashboard-port",
                        "18091",
                        "-D",
                        "inference.batch-size=16");
        stderr = err.toString();
    }

    @Test
    void shouldPasteTheGeneratedFaceInsideTheFaceAndLeaveTheRestOfEachFrameAlone()
            throws Exception {
        assertEquals(0, exit, stderr);
        assertTrue(stderr.contains("(" + FRAMES + " lip-synced, 0 passed through)"), stderr);
        double[] expected = expectedGreys();
        List<String> problems = new ArrayList<>();
        double[] seen = new double[FRAMES];
        double[] spread = new double[FRAMES];
        double[] outsideDiff = new double[FRAMES];
        int frames =
                FramePairs.forEach(
                        clip,
                        out,
                        (n, input, output, width, height) -> {
                            ClipFace.Box face = ClipFace.inFrame(n);
                            ClipFace.Box middle = face.centre(0.5);
                            double[] stats = meanAndSpread(output, width, middle);
                            seen[n] = stats[0];
                            spread[n] = stats[1];
                            if (Math.abs(stats[0] - expected[n]) > GREY_TOLERANCE) {
                                problems.add(
                                        String.format(
                                                "frame %d: face middle %.1f, the mel window gives"
                                                        + " %.1f",
                                                n, stats[0], expected[n]));
                            }
                            if (stats[1] > FLAT_SPREAD) {
                                problems.add(
                                        String.format(
                                                "frame %d: face middle not the model's flat face"
                                                        + " (spread %.1f levels)",
                                                n, stats[1]));
                            }
                            double outside =
                                    meanAbsDiffOutside(
                                            input, output, width, height, face.grown(0.35));
                            outsideDiff[n] = outside;
                            if (outside > OUTSIDE_TOLERANCE) {
                                problems.add(
                                        String.format(
                                                "frame %d: outside the face differs from the input"
                                                        + " by %.1f levels on average",
                                                n, outside));
                            }
                        });
        double worst = 0;
        for (int n = 0; n < FRAMES; n++) {
            worst = Math.max(worst, Math.abs(seen[n] - expected[n]));
        }
        System.out.printf(
                "mel-driven face: greys %.0f..%.0f; face middle off the model's grey by at most"
                        + " %.1f levels, spread at most %.1f; outside the face at most %.1f levels"
                        + " from the input on average%n",
                min(expected), max(expected), worst, max(spread), max(outsideDiff));
        assertEquals(FRAMES, frames, "frames compared");
        assertEquals(List.of(), problems);
        assertTrue(
                max(expected) - min(expected) > 100,
                "the audio drives the face from dark to light: "
                        + min(expected)
                        + ".."
                        + max(expected));
        assertEquals(
                0,
                bestLag(expected, seen, 5),
                "the face follows the mel windows of its own frame, not a neighbour's");
    }

    @Test
    void shouldCarryTheDubbingAudioNotTheClipsOwnTrackNorSilence() throws Exception {
        assertEquals(0, exit, stderr);
        DecodedMedia output = DecodedMedia.of(out);
        DecodedMedia original = DecodedMedia.of(clip);
        double[] dubbed = envelope(samples, SAMPLE_RATE);
        double[] heard = envelope(output.audio(), output.sampleRate());
        double[] clipTrack = envelope(original.audio(), original.sampleRate());
        double withDubbed = correlation(dubbed, heard, 0);
        double withClip = correlation(clipTrack, heard, 0);
        System.out.printf(
                "output audio envelope vs the dubbing audio: r=%.3f; vs the clip's own track:"
                        + " r=%.3f%n",
                withDubbed, withClip);
        assertTrue(
                withDubbed >= ENVELOPE_CORRELATION,
                "the output's audio follows the dubbing audio: r=" + withDubbed);
        assertTrue(
                withClip < withDubbed - 0.3,
                "the output's audio is not the clip's own track: r=" + withClip);
        assertEquals(0, bestLag(dubbed, heard, 5), "audio in sync with the frames it was cut for");
    }

    /** The grey the model gives frame n: Wav2Lip's window [s, s + 16) of the dubbing audio. */
    private static double[] expectedGreys() {
        float[][] mel = StreamingMel.melspectrogram(samples);
        int columns = mel[0].length;
        double[] greys = new double[FRAMES];
        for (int n = 0; n < FRAMES; n++) {
            int start = (int) (n * (MEL_COLUMNS_PER_SECOND / FPS));
            if (start + MEL_STEP > columns) {
                start = columns - MEL_STEP;
            }
            double sum = 0;
            for (int m = 0; m < MEL_BANDS; m++) {
                for (int t = start; t < start + MEL_STEP; t++) {
                    sum += mel[m][t];
                }
            }
            double mean = sum / (MEL_BANDS * MEL_STEP);
            greys[n] = Math.floor((mean * GREY_SCALE + GREY_OFFSET) * 255);
        }
        return greys;
    }

    /**
     * mel [B,1,80,16], face [B,6,96,96] to generated [B,3,96,96]: every pixel of every channel is
     * mean(mel) / 8 + 0.5. The face input only lends its shape.
     */
    static OnnxGraphBuilder melGreyModel() {
        Dim batch = Dim.symbolic("batch");
        OnnxGraphBuilder g = new OnnxGraphBuilder("mel_grey");
        g.input("mel", batch, Dim.of(1), Dim.of(MEL_BANDS), Dim.of(MEL_STEP))
                .input("face", batch, Dim.of(6), Dim.of(FACE_SIZE), Dim.of(FACE_SIZE))
                .output("generated", batch, Dim.of(3), Dim.of(FACE_SIZE), Dim.of(FACE_SIZE));
        long[] one = {1};
        g.floatInitializer("scale", one, new float[] {GREY_SCALE});
        g.floatInitializer("offset", one, new float[] {GREY_OFFSET});
        g.floatInitializer("zero", one, new float[] {0f});
        g.int64Initializer("starts", one, new long[] {3});
        g.int64Initializer("ends", one, new long[] {6});
        g.int64Initializer("axes", one, new long[] {1});
        g.node(
                "ReduceMean",
                List.of("mel"),
                List.of("mel_mean"),
                OnnxGraphBuilder.intsAttr("axes", 1, 2, 3),
                OnnxGraphBuilder.intAttr("keepdims", 1));
        g.node("Mul", List.of("mel_mean", "scale"), List.of("scaled"));
        g.node("Add", List.of("scaled", "offset"), List.of("grey"));
        g.node("Slice", List.of("face", "starts", "ends", "axes"), List.of("reference"));
        g.node("Mul", List.of("reference", "zero"), List.of("blank"));
        g.node("Add", List.of("blank", "grey"), List.of("generated"));
        return g;
    }

    /** Three seconds of loud and silent blocks (BLOCKS), seeded. */
    private static float[] blocks() {
        float[] x = new float[FRAMES / FPS * SAMPLE_RATE];
        SplittableRandom random = new SplittableRandom(23);
        for (double[] block : BLOCKS) {
            int from = (int) Math.round(block[0] * SAMPLE_RATE);
            int to = Math.min(x.length, (int) Math.round(block[1] * SAMPLE_RATE));
            for (int i = from; i < to; i++) {
                double t = i / (double) SAMPLE_RATE;
                double v =
                        switch ((int) block[2]) {
                            case 1 -> random.nextDouble(-1, 1);
                            case 2 ->
                                    (Math.sin(2 * Math.PI * 220 * t)
                                                    + Math.sin(2 * Math.PI * 660 * t)
                                                    + Math.sin(2 * Math.PI * 1500 * t))
                                            / 3;
                            default -> 0;
                        };
                // As s16 PCM holds it, so the mel here is the mel of the file.
                x[i] = Math.round(v * block[3] * Short.MAX_VALUE) / 32768f;
            }
        }
        return x;
    }

    private static Path writeWav(Path path, float[] x) throws IOException {
        ByteBuffer pcm = ByteBuffer.allocate(x.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            pcm.putShort((short) Math.round(v * 32768f));
        }
        AudioFormat format = new AudioFormat(SAMPLE_RATE, 16, 1, true, false);
        try (AudioInputStream in =
                new AudioInputStream(new ByteArrayInputStream(pcm.array()), format, x.length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, path.toFile());
        }
        return path;
    }

    /** RMS per video frame (40 ms). */
    private static double[] envelope(float[] x, int sampleRate) {
        int window = sampleRate / FPS;
        double[] e = new double[FRAMES];
        for (int f = 0; f < FRAMES; f++) {
            double sum = 0;
            int n = 0;
            for (int i = f * window; i < Math.min(x.length, (f + 1) * window); i++) {
                sum += x[i] * x[i];
                n++;
            }
            e[f] = n == 0 ? 0 : Math.sqrt(sum / n);
        }
        return e;
    }

    /** Pearson correlation of a[i] with b[i + lag] where both exist; 0 for a flat series. */
    private static double correlation(double[] a, double[] b, int lag) {
        int from = Math.max(0, -lag);
        int to = Math.min(a.length, b.length - lag);
        double ma = 0;
        double mb = 0;
        int n = to - from;
        for (int i = from; i < to; i++) {
            ma += a[i] / n;
            mb += b[i + lag] / n;
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = from; i < to; i++) {
            ab += (a[i] - ma) * (b[i + lag] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i + lag] - mb) * (b[i + lag] - mb);
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    /** The lag in [-range, range] at which {@code b} correlates best with {@code a}. */
    private static int bestLag(double[] a, double[] b, int range) {
        int best = 0;
        double bestR = Double.NEGATIVE_INFINITY;
        for (int lag = -range; lag <= range; lag++) {
            double r = correlation(a, b, lag);
            if (r > bestR) {
                bestR = r;
                best = lag;
            }
        }
        return best;
    }

    /** Mean grey level of {@code box} and the spread (standard deviation) of its pixels. */
    private static double[] meanAndSpread(byte[] bgr, int width, ClipFace.Box box) {
        double sum = 0;
        double squares = 0;
        long n = 0;
        for (int y = box.y1(); y < box.y2(); y++) {
            for (int x = box.x1(); x < box.x2(); x++) {
                for (int c = 0; c < 3; c++) {
                    int v = bgr[(y * width + x) * 3 + c] & 0xff;
                    sum += v;
                    squares += (double) v * v;
                    n++;
                }
            }
        }
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(Math.max(0, squares / n - mean * mean))};
    }

    private static double meanAbsDiffOutside(
            byte[] a, byte[] b, int width, int height, ClipFace.Box box) {
        double sum = 0;
        long n = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (box.contains(x, y)) {
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    int i = (y * width + x) * 3 + c;
                    sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
                    n++;
                }
            }
        }
        return sum / n;
    }

    private static double max(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static double min(double[] x) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : x) {
            m = Math.min(m, v);
        }
        return m;
    }
}
