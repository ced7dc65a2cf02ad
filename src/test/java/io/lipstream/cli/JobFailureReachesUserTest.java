package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.samples.Samples;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that fails on the cluster ends {@code lipsync dub} at once: exit code 2 and the root cause
 * in one last line, instead of waiting on a stream that will never come. The failure is a real
 * misconfiguration met before: a segment sink transaction timeout (1 h) above the broker's {@code
 * transaction.max.timeout.ms} (15 min), which fails every start of the sink until the restart
 * strategy gives up.
 */
class JobFailureReachesUserTest {
    @TempDir Path dir;

    @Test
    void shouldEndDubWithTheRootCauseWhenTheJobFails() {
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        Path out = dir.resolve("o.mp4");

        int exit =
                cli.execute(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        out.toString(),
                        "--dashboard-port",
                        "18481",
                        "-D",
                        "kafka.transaction-timeout-ms=3600000",
                        "-D",
                        "restart-strategy.fixed-delay.attempts=1");

        List<String> lines = err.toString().strip().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertEquals(UserErrorHandler.USER_ERROR_EXIT, exit, err.toString());
        assertTrue(last.startsWith("lipsync: "), last);
        assertTrue(last.contains("failed"), last);
        assertTrue(last.toLowerCase().contains("transaction timeout"), last);
        assertFalse(
                err.toString().contains("\tat "), "no stack trace on stderr: " + err.toString());
        assertFalse(Files.exists(out), "no output written for a failed job");
    }
}
