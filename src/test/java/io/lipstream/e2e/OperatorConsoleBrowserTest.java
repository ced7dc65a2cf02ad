package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.VideoFrame;
import io.lipstream.tools.console.ConsoleSettings;
import io.lipstream.tools.console.OperatorConsole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator console in a real browser against a running {@code lipsync demo}: Debian's Chromium,
 * headless, driven by npm's playwright-core ({@code test/browser/console-e2e.mjs}) checks that the
 * stream list shows the demo stream, its counters change, its dubbed player advances without an
 * error (and the original plays beside it), a dead letter sent during the test (garbage bytes under
 * the stream's key on the video topic) is listed with its reason, and that a stalled output, a
 * Flink and a Kafka that are not there are said plainly. Screenshots go to {@code
 * target/console-e2e/}.
 *
 * <p>Needs {@code /usr/bin/chromium} (Debian's {@code chromium}) and {@code npm ci} run in {@code
 * src/test/browser}; {@code .ci/run} installs both.
 */
class OperatorConsoleBrowserTest {
    private static final String STREAM = "demo-0";
    private static final String STALLED_STREAM = "stalled-0";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern CONSOLE_LINE = Pattern.compile("Operator console: (\\S+)");
    private static final Pattern KAFKA_LINE = Pattern.compile("Kafka: (\\S+)");

    /** The demo's start (broker, MiniCluster, model check) on a loaded 2-core machine. */
    private static final Duration DEMO_START = Duration.ofMinutes(4);

    /** The whole browser script, its generous waits included. */
    private static final Duration BROWSER_RUN = Duration.ofMinutes(15);

    private static final int DASHBOARD_PORT = 18681;
    private static final String DEMO_HEAP = "-Xmx3g";

    @TempDir Path dir;

    @Test
    void shouldShowTheDemoStreamPlayingWithItsCountersAndDeadLettersInABrowser() throws Exception {
        Path browser = browserFolder();
        assertTrue(
                Files.isExecutable(CHROMIUM),
                "expected Debian's Chromium at " + CHROMIUM + " (apt-get install chromium)");
        assertTrue(
                Files.isDirectory(browser.resolve("node_modules/playwright-core")),
                "expected playwright-core in " + browser + " (npm ci there)");
        Path screenshots = Path.of("target/console-e2e").toAbsolutePath();
        Files.createDirectories(screenshots);

        Path demoLog = dir.resolve("demo.log");
        Process demo = startDemo(demoLog);
        OperatorConsole stalledConsole = null;
        OperatorConsole noKafkaConsole = null;
        try {
            String consoleUrl = awaitLine(demo, demoLog, CONSOLE_LINE);
            String bootstrap = awaitLine(demo, demoLog, KAFKA_LINE);
            int closed = closedPort();
            KafkaSettings stalled = stalledTopics(bootstrap);
            stalledConsole =
                    OperatorConsole.start(
                            ConsoleSettings.of(stalled)
                                    .withPort(0)
                                    .withFlink("http://127.0.0.1:" + closed));
            noKafkaConsole =
                    OperatorConsole.start(
                            ConsoleSettings.of(settings("127.0.0.1:" + closed, "none"))
                                    .withPort(0));

            List<String> output =
                    runBrowser(
                            browser,
                            List.of(
                                    consoleUrl,
                                    STREAM,
                                    screenshots.toString(),
                                    stalledConsole.url(),
                                    STALLED_STREAM,
                                    noKafkaConsole.url()),
                            bootstrap,
                            stalled);

            String result =
                    output.stream().filter(l -> l.startsWith("RESULT ")).findFirst().orElse("");
            assertTrue(!result.isEmpty(), "the browser script finished: " + output);
            assertTrue(result.contains("\"deadLetterReason\":\"expected"), result);
            assertTrue(result.contains("\"newStreamListedAfterFirstFrameMs\":"), result);
            System.out.println("console browser test: " + result);
            assertTrue(Files.size(screenshots.resolve("console-demo.png")) > 0);
        } finally {
            if (stalledConsole != null) {
                stalledConsole.close();
            }
            if (noKafkaConsole != null) {
                noKafkaConsole.close();
            }
            demo.destroy();
            if (!demo.waitFor(1, TimeUnit.MINUTES)) {
                demo.destroyForcibly();
            }
        }
    }

    /** Runs the script; sends the dead letter and the new stream's frames when it asks. */
    private List<String> runBrowser(
            Path browser, List<String> args, String bootstrap, KafkaSettings stalled)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "console-e2e.mjs"));
        command.addAll(args);
        Process node =
                new ProcessBuilder(command)
                        .directory(browser.toFile())
                        .redirectErrorStream(true)
                        .start();
        List<String> lines = new ArrayList<>();
        Thread timeout =
                new Thread(
                        () -> {
                            try {
                                if (!node.waitFor(BROWSER_RUN.toMillis(), TimeUnit.MILLISECONDS)) {
                                    node.destroyForcibly();
                                }
                            } catch (InterruptedException e) {
                                node.destroyForcibly();
                            }
                        },
                        "browser-timeout");
        timeout.setDaemon(true);
        timeout.start();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                System.out.println("browser: " + line);
                lines.add(line);
                if (line.equals("READY_FOR_DEAD_LETTER")) {
                    sendGarbage(bootstrap);
                } else if (line.equals("READY_FOR_NEW_STREAM")) {
                    sendStalledFrames(stalled);
                }
            }
        }
        assertEquals(0, node.waitFor(), "the browser script failed: " + lines);
        return lines;
    }

    /** Bytes that are no VideoFrame, under the demo stream's key: the job dead-letters them. */
    private static void sendGarbage(String bootstrap) throws Exception {
        KafkaSettings settings = settings(bootstrap, null);
        try (KafkaProducer<byte[], byte[]> producer = producer(settings)) {
            producer.send(
                            new ProducerRecord<>(
                                    settings.videoTopic(),
                                    STREAM.getBytes(StandardCharsets.UTF_8),
                                    "not a frame".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
    }

    /** Frames of a stream on topics no job reads: its output never comes, so it stalls. */
    private static void sendStalledFrames(KafkaSettings settings) throws Exception {
        SingleObjectCodec<VideoFrame> codec = SingleObjectCodec.of(VideoFrame.class);
        try (KafkaProducer<byte[], byte[]> producer = producer(settings)) {
            for (long i = 0; i < 10; i++) {
                VideoFrame frame =
                        VideoFrame.newBuilder()
                                .setStreamId(STALLED_STREAM)
                                .setFrameIndex(i)
                                .setPtsMicros(i * 40_000)
                                .setFrameRate(new FrameRate(25, 1))
                                .setWidth(2)
                                .setHeight(2)
                                .setCodec(ImageCodec.BGR24)
                                .setImage(ByteBuffer.wrap(new byte[2 * 2 * 3]))
                                .build();
                producer.send(
                        new ProducerRecord<>(
                                settings.videoTopic(),
                                STALLED_STREAM.getBytes(StandardCharsets.UTF_8),
                                codec.encode(frame)));
            }
            producer.flush();
        }
    }

    private static KafkaSettings stalledTopics(String bootstrap) {
        KafkaSettings settings = settings(bootstrap, "stalled");
        Topics.ensure(settings, 1, (short) 1);
        return settings;
    }

    /** The job's default topics ({@code prefix} null) or topics of their own. */
    private static KafkaSettings settings(String bootstrap, String prefix) {
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrap);
        if (prefix != null) {
            config.set(KafkaOptions.VIDEO_TOPIC, prefix + ".video");
            config.set(KafkaOptions.AUDIO_TOPIC, prefix + ".audio");
            config.set(KafkaOptions.SEGMENT_TOPIC, prefix + ".segments");
            config.set(KafkaOptions.DEAD_LETTER_TOPIC, prefix + ".dead-letters");
        }
        return KafkaSettings.from(config);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaSettings settings) {
        return new KafkaProducer<>(
                settings.clientProperties(new Properties()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /**
     * {@code lipsync demo} in a JVM of its own (as a user runs it; stopping it is a SIGTERM), on
     * this test's class path and JVM flags.
     */
    private Process startDemo(Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(DEMO_HEAP);
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("-D")) {
                command.add(arg);
            }
        }
        command.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.lipstream.cli.Lipsync",
                        "demo",
                        "--out",
                        dir.resolve("out").toString(),
                        "--console-port",
                        "0",
                        "--dashboard-port",
                        String.valueOf(DASHBOARD_PORT),
                        "-D",
                        "inference.batch-size=8",
                        "-D",
                        "inference.max-wait=50 ms"));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static String awaitLine(Process demo, Path log, Pattern pattern) throws Exception {
        long deadline = System.nanoTime() + DEMO_START.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            Matcher m = pattern.matcher(text);
            if (m.find()) {
                return m.group(1);
            }
            assertTrue(demo.isAlive(), "the demo ended before printing " + pattern + ":\n" + text);
            Thread.sleep(500);
        }
        throw new AssertionError("the demo printed no " + pattern + ":\n" + Files.readString(log));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** {@code test/browser} of this module (Surefire runs in the module folder, src/). */
    private static Path browserFolder() {
        return Optional.of(Path.of("test/browser"))
                .filter(Files::isDirectory)
                .orElse(Path.of("src/test/browser"))
                .toAbsolutePath();
    }
}
