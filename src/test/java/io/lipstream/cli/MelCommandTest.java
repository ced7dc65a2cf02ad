package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.audio.MelGolden;
import io.lipstream.samples.Samples;
import io.lipstream.tools.model.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lipsync mel} writes what Wav2Lip computes, and says clearly what is wrong otherwise. */
class MelCommandTest {
    /** The parity bound against Wav2Lip's float32 mel. */
    private static final double TOLERANCE = 1e-4;

    @TempDir Path dir;

    @Test
    void shouldWriteWav2LipsMelAndInferenceWindowsForTheBundledSpeech() {
        String speech = Samples.SPEECH_WAV.path().toString();
        for (MelGolden.WindowRate rate : MelGolden.WINDOW_RATES) {
            String fps = rate.argument();
            Path mel = dir.resolve("mel-" + rate.tag() + ".npy");
            Path chunks = dir.resolve("chunks-" + rate.tag() + ".npy");

            int exit =
                    Lipsync.run(
                            "mel",
                            "--wav",
                            speech,
                            "--out",
                            mel.toString(),
                            "--fps",
                            fps,
                            "--chunks",
                            chunks.toString());

            assertEquals(0, exit);
            assertClose(MelGolden.read("speech.mel.npy"), Npy.read(mel));
            assertClose(MelGolden.speechWindows(rate.tag()), Npy.read(chunks));
        }
    }

    @Test
    void shouldWriteOnlyTheMelWithoutFps() {
        Path mel = dir.resolve("mel.npy");

        int exit =
                Lipsync.run(
                        "mel",
                        "--wav",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        mel.toString());

        assertEquals(0, exit);
        assertClose(MelGolden.read("speech.mel.npy"), Npy.read(mel));
    }

    @Test
    void shouldReportAMissingFileOnOneLine() {
        Path missing = dir.resolve("nope.wav");

        Result r =
                runCapturing(
                        "mel",
                        "--wav",
                        missing.toString(),
                        "--out",
                        dir.resolve("m.npy").toString());

        assertEquals(2, r.exit);
        assertEquals("lipsync: no such file: " + missing, r.err.strip());
    }

    @Test
    void shouldReportABadFrameRateOnOneLine() {
        String speech = Samples.SPEECH_WAV.path().toString();
        for (String bad : new String[] {"abc", "0", "25/0", "-25", "30000/1001/2"}) {
            Result r =
                    runCapturing(
                            "mel",
                            "--wav",
                            speech,
                            "--out",
                            dir.resolve("m.npy").toString(),
                            "--fps",
                            bad,
                            "--chunks",
                            dir.resolve("c.npy").toString());

            assertEquals(2, r.exit, bad);
            assertTrue(r.err.startsWith("lipsync: bad --fps '" + bad + "'"), r.err);
            assertEquals(1, r.err.strip().lines().count(), r.err);
        }
    }

    @Test
    void shouldReportAFileWithoutAudio() {
        Path image = Samples.FACE_PNG.path();

        Result r =
                runCapturing(
                        "mel", "--wav", image.toString(), "--out", dir.resolve("m.npy").toString());

        assertEquals(2, r.exit);
        assertTrue(r.err.contains(image.toString()) && r.err.contains("no audio"), r.err);
    }

    @Test
    void shouldRequireFpsAndChunksTogether() {
        Result r =
                runCapturing(
                        "mel",
                        "--wav",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        dir.resolve("m.npy").toString(),
                        "--fps",
                        "25");

        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--fps and --chunks go together"), r.err);
    }

    private static void assertClose(Npy.Array expected, Npy.Array actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        double max = 0;
        for (int i = 0; i < expected.data().length; i++) {
            max = Math.max(max, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        assertTrue(max <= TOLERANCE, "max abs diff " + max);
    }

    private record Result(int exit, String err) {}

    private static Result runCapturing(String... args) {
        CommandLine cli = Lipsync.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cli.execute(args);
        return new Result(exit, err.toString());
    }
}
