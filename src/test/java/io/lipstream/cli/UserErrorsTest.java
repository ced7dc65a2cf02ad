package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.samples.Samples;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's mistake ends with one line on stderr and exit code 2, never a stack trace. */
class UserErrorsTest {
    @TempDir Path dir;

    @Test
    void shouldRefuseAMissingVideoInOneLine() {
        Result r =
                run(
                        "dub",
                        "--video",
                        dir.resolve("nope.mp4").toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        dir.resolve("o.mp4").toString());
        r.assertOneLineError("no such file");
    }

    @Test
    void shouldRefuseAnUnreadableAudioInOneLine() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.wav"), new byte[] {1, 2, 3, 4, 5});
        Result r =
                run(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        garbage.toString(),
                        "--out",
                        dir.resolve("o.mp4").toString());
        r.assertOneLineError("garbage.wav");
    }

    @Test
    void shouldRefuseAnAudioFileWithoutSound() {
        Result r =
                run(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        Samples.FACE_PNG.path().toString(),
                        "--out",
                        dir.resolve("o.mp4").toString());
        r.assertOneLineError("no audio stream");
    }

    @Test
    void shouldRefuseAConsolePortOutOfRangeInOneLine() {
        Result r = run("console", "--bootstrap-servers", "127.0.0.1:1", "--console-port", "70000");
        r.assertOneLineError("port: expected 0 to 65535, got 70000");
    }

    @Test
    void shouldRefuseAMissingModelInOneLine() {
        Result r =
                run(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--model",
                        dir.resolve("missing.onnx").toString(),
                        "--out",
                        dir.resolve("o.mp4").toString());
        r.assertOneLineError("no such model file");
    }

    @Test
    void shouldRefuseAnUnreadableModelInOneLine() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.onnx"), new byte[] {9, 9, 9});
        Result r =
                run(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--model",
                        garbage.toString(),
                        "--out",
                        dir.resolve("o.mp4").toString());
        r.assertOneLineError("garbage.onnx");
    }

    private record Result(int exit, String err) {
        void assertOneLineError(String mentions) {
            assertEquals(2, exit, err);
            assertEquals(1, err.strip().lines().count(), err);
            assertTrue(err.startsWith("lipsync: "), err);
            assertTrue(err.contains(mentions), err);
            assertFalse(err.contains("Exception"), err);
        }
    }

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, err.toString());
    }
}
