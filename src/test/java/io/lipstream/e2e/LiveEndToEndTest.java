package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.deploy.MonitoringQueries;
import io.lipstream.deploy.PrometheusScrape;
import io.lipstream.deploy.Repository;
import io.lipstream.samples.Samples;
import io.lipstream.tools.embedded.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsync live} between two peers no one here wrote: Debian's {@code ffmpeg} pushes the
 * bundled sample live (video over SRT or RTMP, the dubbed speech as a second SRT feed), lipsync
 * ingests, lip-syncs and pushes the result, and another {@code ffmpeg} records what it receives.
 * The recording is checked as a user would: it plays (ffprobe), H.264 + AAC at the input's frame
 * rate, timestamps increasing, at least 95% of the sent frames; the source's disconnect and
 * reconnect in the middle is survived and counted; the live metrics the Grafana dashboard queries
 * are served.
 */
class LiveEndToEndTest {
    /** The bundled sample: 291 frames at 25 fps. */
    private static final int SAMPLE_FRAMES = 291;

    private static final Pattern LIVE_METRICS =
            Pattern.compile("Live metrics \\(Prometheus\\): (\\S+)");
    private static final Pattern SOURCE_RECONNECTS = Pattern.compile("reconnects source (\\d+)");
    private static final Pattern GAPS = Pattern.compile("gaps (\\d+)");

    /** Start-up, two passes of the sample with a pause between, and slack on a busy machine. */
    private static final int LIVE_SECONDS = 50;

    @TempDir Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopPeers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void shouldPushALipSyncedStreamOverSrtThroughASourceDisconnect() throws Exception {
        assumeTrue(ffmpegInstalled(), "ffmpeg not installed (CI installs Debian's ffmpeg)");
        int videoPort = freeUdpPort();
        int audioPort = freeUdpPort();
        int outPort = freeUdpPort();
        Path received = dir.resolve("received.ts");
        Process receiver =
                start(
                        "ffmpeg",
                        "-nostdin",
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        "srt://127.0.0.1:" + outPort + "?mode=listener",
                        "-c",
                        "copy",
                        "-f",
                        "mpegts",
                        received.toString());
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> live =
                live(
                        err,
                        "--video",
                        "srt://127.0.0.1:" + videoPort + "?mode=listener",
                        "--audio",
                        "srt://127.0.0.1:" + audioPort + "?mode=listener",
                        "--to",
                        "srt://127.0.0.1:" + outPort);
        awaitLine(err, "Live stream", live);

        Process audio =
                sendUntilConnected(
                        List.of(
                                "ffmpeg",
                                "-nostdin",
                                "-v",
                                "error",
                                "-re",
                                "-stream_loop",
                                "-1",
                                "-i",
                                Samples.SPEECH_WAV.path().toString(),
                                "-c:a",
                                "aac",
                                "-f",
                                "mpegts",
                                "srt://127.0.0.1:" + audioPort));
        String videoUrl = "srt://127.0.0.1:" + videoPort;
        Process first = sendUntilConnected(videoSender("mpegts", videoUrl));
        assertEquals(0, first.waitFor(), "the first pass was sent");
        awaitLine(err, "video source " + "srt://127.0.0.1:" + videoPort, live);
        Process second = sendUntilConnected(videoSender("mpegts", videoUrl));
        assertEquals(0, second.waitFor(), "the second pass was sent");
        Optional<PrometheusScrape> scrape = scrapeLiveMetrics(err);
        audio.destroy();

        assertEquals(0, live.get(LIVE_SECONDS + 180, TimeUnit.SECONDS), err.toString());
        assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "the receiver saw the push end");
        String status = lastStatus(err.toString());
        assertTrue(count(SOURCE_RECONNECTS, status) >= 1, "source reconnect counted: " + status);
        assertTrue(count(GAPS, status) >= 1, "gap counted: " + status);
        checkRecording(received, 2 * SAMPLE_FRAMES, err.toString());
        checkDashboardQueriesServed(scrape);
    }

    @Test
    void shouldPushOverRtmpToFfmpegsOwnListenerWithTheVideosOwnAudio() throws Exception {
        assumeTrue(ffmpegInstalled(), "ffmpeg not installed (CI installs Debian's ffmpeg)");
        int videoPort = freeTcpPort();
        int outPort = freeTcpPort();
        Path received = dir.resolve("received-rtmp.ts");
        String out = "rtmp://127.0.0.1:" + outPort + "/live/out";
        Process receiver =
                start(
                        "ffmpeg",
                        "-nostdin",
                        "-v",
                        "error",
                        "-y",
                        "-listen",
                        "1",
                        "-i",
                        out,
                        "-c",
                        "copy",
                        "-f",
                        "mpegts",
                        received.toString());
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> live =
                live(
                        err,
                        "--video",
                        "rtmp://127.0.0.1:" + videoPort + "/live/in?listen=1",
                        "--to",
                        out,
                        "--seconds",
                        "30");
        awaitLine(err, "Live stream", live);
        List<String> sender =
                new ArrayList<>(
                        List.of(
                                "ffmpeg",
                                "-nostdin",
                                "-v",
                                "error",
                                "-re",
                                "-i",
                                Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                                "-c:v",
                                "libx264",
                                "-preset",
                                "veryfast",
                                "-tune",
                                "zerolatency",
                                "-g",
                                "25",
                                "-c:a",
                                "aac",
                                "-f",
                                "flv",
                                "rtmp://127.0.0.1:" + videoPort + "/live/in"));
        assertEquals(0, sendUntilConnected(sender).waitFor(), "the sample was sent");

        assertEquals(0, live.get(210, TimeUnit.SECONDS), err.toString());
        assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "the receiver saw the push end");
        checkRecording(received, SAMPLE_FRAMES, err.toString());
    }

    @Test
    void shouldEndWithOneLineAndExitCode2ForAnUnknownScheme() {
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit =
                cli.execute(
                        "live", "--video", "foo://127.0.0.1:9000", "--to", "srt://127.0.0.1:9001");
        assertEquals(2, exit, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("unsupported URL scheme 'foo'"), err.toString());
    }

    @Test
    void shouldEndWithAClearLastLineAndExitCode2WhenTheSourceRefuses() throws Exception {
        int closed = freeTcpPort();
        StringWriter err = new StringWriter();
        int exit;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            var cli = Lipsync.commandLine();
            cli.setErr(new PrintWriter(err, true));
            exit =
                    cli.execute(
                            "ingest",
                            "--video",
                            "rtmp://127.0.0.1:" + closed + "/live/in",
                            "--stream",
                            "refused",
                            "--source-timeout",
                            "3",
                            "--bootstrap-servers",
                            kafka.bootstrapServers());
        }
        assertEquals(2, exit, err.toString());
        List<String> lines = err.toString().strip().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(
                last.startsWith("lipsync: no video from rtmp://127.0.0.1:" + closed)
                        && last.contains("within 3 s"),
                err.toString());
    }

    // ---------------------------------------------------------------------------------------

    /** Plays, H.264 + AAC, 25 fps, increasing timestamps, at least 95% of {@code sent} frames. */
    private static void checkRecording(Path received, int sent, String log) throws Exception {
        Map<String, String> video = DecodedMedia.ffprobe(received, "v:0");
        Map<String, String> audio = DecodedMedia.ffprobe(received, "a:0");
        assertEquals("h264", video.get("codec_name"), log);
        assertEquals("25/1", video.get("r_frame_rate"), "the input's frame rate");
        assertEquals("aac", audio.get("codec_name"), log);
        assertTrue(Integer.parseInt(audio.get("nb_read_frames")) > 0, "audio present");
        int frames = Integer.parseInt(video.get("nb_read_frames"));
        assertTrue(frames >= 0.95 * sent, frames + " frames recorded of " + sent + " sent: " + log);
        for (String stream : List.of("v:0", "a:0")) {
            List<Long> dts = packetTimestamps(received, stream);
            for (int i = 1; i < dts.size(); i++) {
                assertTrue(
                        dts.get(i) > dts.get(i - 1),
                        stream + " packet " + i + ": " + dts.get(i - 1) + " then " + dts.get(i));
            }
        }
    }

    /** Every live metric selector of the live Grafana dashboard finds a series of the stream. */
    private static void checkDashboardQueriesServed(Optional<PrometheusScrape> scrape)
            throws IOException {
        assertTrue(scrape.isPresent(), "the live metrics endpoint answered");
        List<MonitoringQueries.Selector> selectors =
                MonitoringQueries.ofLiveDashboard(
                        Repository.root()
                                .resolve(
                                        "deploy/monitoring/grafana/dashboards/lipstream-live.json"));
        assertTrue(selectors.size() >= 10, "selectors: " + selectors);
        List<String> missing = new ArrayList<>();
        for (MonitoringQueries.Selector selector : selectors) {
            boolean served =
                    scrape.get().named(selector.metric()).stream()
                            .anyMatch(
                                    s ->
                                            selector.groupedBy().stream()
                                                            .allMatch(s.labels()::containsKey)
                                                    && selector.matchers().stream()
                                                            .allMatch(m -> m.matches(s.labels())));
            if (!served) {
                missing.add(
                        selector.metric() + selector.matchers() + " by " + selector.groupedBy());
            }
        }
        assertEquals(List.of(), missing, "served: " + scrape.get().names());
    }

    /** The live endpoint's page once a frame has been pushed, while {@code live} runs. */
    private static Optional<PrometheusScrape> scrapeLiveMetrics(StringWriter err)
            throws InterruptedException {
        Matcher url = LIVE_METRICS.matcher(err.toString());
        if (!url.find()) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Optional<PrometheusScrape> scrape = Optional.empty();
        while (System.nanoTime() < deadline) {
            scrape = HttpPages.ok(url.group(1)).map(PrometheusScrape::parse);
            if (scrape.isPresent()
                    && scrape.get().named("lipsync_live_glass_to_glass_seconds").size() > 0) {
                return scrape;
            }
            Thread.sleep(1000);
        }
        return scrape;
    }

    private CompletableFuture<Integer> live(StringWriter err, String... args) {
        List<String> command = new ArrayList<>(List.of("live"));
        command.addAll(List.of(args));
        if (!command.contains("--seconds")) {
            command.addAll(List.of("--seconds", String.valueOf(LIVE_SECONDS)));
        }
        command.addAll(
                List.of(
                        "--status-every", "5",
                        "--source-timeout", "120",
                        "--dashboard-port", "18581",
                        "--metrics-port", "19250",
                        "-D", "inference.batch-size=8",
                        "-D", "inference.max-wait=50 ms"));
        var cli = Lipsync.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return CompletableFuture.supplyAsync(() -> cli.execute(command.toArray(String[]::new)));
    }

    private static List<String> videoSender(String format, String url) {
        return List.of(
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-re",
                "-i",
                Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                "-an",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-tune",
                "zerolatency",
                "-g",
                "25",
                "-f",
                format,
                url);
    }

    /**
     * Starts a sender and starts it again while it fails at once (its listener between two
     * connections), as a contribution encoder retries.
     */
    private Process sendUntilConnected(List<String> command) throws Exception {
        for (int attempt = 0; attempt < 30; attempt++) {
            Process sender = start(command.toArray(String[]::new));
            if (!sender.waitFor(3, TimeUnit.SECONDS) || sender.exitValue() == 0) {
                return sender;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the sender never connected: " + command);
    }

    private Process start(String... command) throws IOException {
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("peer-" + processes.size() + ".log").toFile())
                        .start();
        processes.add(process);
        return process;
    }

    private static void awaitLine(StringWriter err, String text, CompletableFuture<Integer> live)
            throws InterruptedException {
        await(() -> err.toString().contains(text) || live.isDone(), 240);
        assertTrue(err.toString().contains(text), "expected '" + text + "' in: " + err);
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static String lastStatus(String err) {
        List<String> lines = err.lines().filter(l -> l.contains(": in ")).toList();
        assertTrue(!lines.isEmpty(), "no status line in: " + err);
        return lines.get(lines.size() - 1);
    }

    private static int count(Pattern pattern, String status) {
        Matcher m = pattern.matcher(status);
        assertTrue(m.find(), pattern + " in " + status);
        return Integer.parseInt(m.group(1));
    }

    private static List<Long> packetTimestamps(Path file, String stream) throws Exception {
        Process p =
                new ProcessBuilder(
                                "ffprobe",
                                "-v",
                                "error",
                                "-select_streams",
                                stream,
                                "-show_entries",
                                "packet=dts",
                                "-of",
                                "csv=p=0",
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        List<Long> dts = new ArrayList<>();
        for (String line : out.split("\n")) {
            String value = line.replace(",", "").strip();
            if (!value.isEmpty() && !value.equals("N/A")) {
                dts.add(Long.parseLong(value));
            }
        }
        assertTrue(!dts.isEmpty(), "packets of " + stream);
        return dts;
    }

    private static boolean ffmpegInstalled() {
        return DecodedMedia.ffprobeInstalled() && runs("ffmpeg", "-version");
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
