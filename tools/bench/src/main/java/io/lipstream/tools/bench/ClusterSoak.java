package io.lipstream.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.samples.Samples;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A soak on the local cluster ({@code deploy/local/soak.sh}): N live streams of the bundled clip
 * (identity model) for M minutes at parallelism 2, then the streams end and the job keeps running
 * while their state drains. Every {@code SAMPLE} it writes one CSV row: the latest completed
 * checkpoint's size, each cluster process's heap after a full GC and resident memory, frames
 * ingested and committed. It measures the A/V offset (audio start minus video start, by Debian's
 * {@code ffprobe}) of every tenth committed segment, and prints the first against the last minute.
 *
 * <p>Arguments: REST host:port, bootstrap servers, cluster folder, streams, minutes, output folder,
 * and optionally the video to stream (default the bundled clip; any 25 fps clip with audio).
 */
public final class ClusterSoak {
    private static final Duration SAMPLE = Duration.ofSeconds(30);
    private static final Duration DRAIN = Duration.ofMinutes(3);
    private static final double CLIP_SECONDS = 291 / 25.0;
    private static final int OFFSET_EVERY = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final List<String> PROCESSES =
            List.of(
                    "jobmanager",
                    "taskmanager-1",
                    "taskmanager-2",
                    "broker-1",
                    "broker-2",
                    "broker-3");

    private final String rest;
    private final Path cluster;
    private final List<MediaIngest> ingests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong framesOut = new AtomicLong();
    private final Map<Long, List<Double>> offsetsByMinute = new TreeMap<>();
    private long started;

    private final Path video;

    /** Stream ids of this run only: the segment topic also holds earlier runs' streams. */
    private final String prefix = "soak-" + System.currentTimeMillis() / 1000 + "-";

    private ClusterSoak(String rest, Path cluster, Path video) {
        this.rest = rest;
        this.cluster = cluster;
        this.video = video;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6 && args.length != 7) {
            System.err.println(
                    "usage: ClusterSoak REST_HOST:PORT BOOTSTRAP CLUSTER_DIR STREAMS MINUTES OUT_DIR"
                            + " [VIDEO]");
            System.exit(2);
        }
        Path video = args.length == 7 ? Path.of(args[6]) : Samples.TALKING_ASTRONAUT_MP4.path();
        new ClusterSoak(args[0], Path.of(args[2]), video)
                .run(
                        args[1],
                        Integer.parseInt(args[3]),
                        Double.parseDouble(args[4]),
                        Path.of(args[5]));
    }

    private void run(String bootstrap, int streams, double minutes, Path out) throws Exception {
        Files.createDirectories(out);
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrap);
        config.setString("job.parallelism", "2");
        config.setString("inference.batch-size", "32");
        config.setString("kafka.group-id", "soak-" + System.currentTimeMillis());
        config.setString("kafka.transactional-id-prefix", "soak-" + System.currentTimeMillis());
        config.setString("kafka.start-timestamp-ms", String.valueOf(System.currentTimeMillis()));
        int loops = (int) Math.ceil(minutes * 60 / CLIP_SECONDS);
        started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(streams + 1);
        try (LipSyncRun run = LipSyncRun.start(config, FlinkTarget.remote(rest), "soak");
                PrintWriter csv =
                        new PrintWriter(Files.newBufferedWriter(out.resolve("soak.csv")))) {
            String job = run.job().getJobID().toHexString();
            KafkaSettings settings = run.kafkaSettings();
            System.out.printf(
                    "soak: job %s, %d streams x %d loops (%.1f min) of the bundled clip%n",
                    job, streams, loops, loops * CLIP_SECONDS / 60);
            List<Future<Long>> ingest = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                String stream = prefix + i;
                ingest.add(
                        pool.submit(
                                () -> {
                                    try (MediaIngest in = new MediaIngest(settings)) {
                                        ingests.add(in);
                                        return in.ingest(
                                                new MediaIngest.Request(
                                                        stream,
                                                        Samples.TALKING_ASTRONAUT_MP4.path(),
                                                        null,
                                                        true,
                                                        loops,
                                                        false));
                                    }
                                }));
            }
            pool.submit(() -> readSegments(settings));
            csv.println(
                    "elapsed_s,phase,frames_in,frames_out,checkpoint_bytes,checkpoint_id,"
                            + PROCESSES.stream()
                                    .map(p -> p + "_heap_after_gc_mb," + p + "_rss_mb")
                                    .reduce((a, b) -> a + "," + b)
                                    .orElseThrow());
            long drainUntil = Long.MAX_VALUE;
            while (System.nanoTime() < drainUntil) {
                Thread.sleep(SAMPLE.toMillis());
                boolean streaming = ingest.stream().anyMatch(f -> !f.isDone());
                if (!streaming && drainUntil == Long.MAX_VALUE) {
                    drainUntil = System.nanoTime() + DRAIN.toNanos();
                }
                if (run.jobEnded()) {
                    throw new IllegalStateException(run.endedLine());
                }
                String row = sample(job, streaming ? "streaming" : "drained");
                csv.println(row);
                csv.flush();
                System.out.println("soak: " + row);
            }
            summary(out);
        } finally {
            pool.shutdownNow();
        }
    }

    private String sample(String job, String phase) throws Exception {
        JsonNode latest = get("/jobs/" + job + "/checkpoints").path("latest").path("completed");
        StringBuilder row =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "%.0f,%s,%d,%d,%d,%d",
                                elapsedSeconds(),
                                phase,
                                framesIn(),
                                framesOut.get(),
                                latest.path("state_size").asLong(-1),
                                latest.path("id").asLong(-1)));
        for (String process : PROCESSES) {
            String pid = Files.readString(cluster.resolve("pids/" + process + ".pid")).strip();
            row.append(',').append(heapAfterGcMb(pid)).append(',').append(rssMb(pid));
        }
        return row.toString();
    }

    /** Heap in use right after a full collection ({@code jcmd GC.run}, then GC.heap_info). */
    private static long heapAfterGcMb(String pid) throws Exception {
        jcmd(pid, "GC.run");
        Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
    }

    private static long rssMb(String pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    private static String jcmd(String pid, String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", pid, command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private Void readSegments(KafkaSettings settings) throws Exception {
        SingleObjectCodec<EncodedSegment> codec = SingleObjectCodec.of(EncodedSegment.class);
        try (KafkaConsumer<byte[], byte[]> reader =
                TopicReaders.fromStart(
                        settings, settings.segmentTopic(), TopicReaders.READ_COMMITTED)) {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
                    EncodedSegment s = codec.decode(r.value());
                    if (!s.getStreamId().startsWith(prefix)) {
                        continue;
                    }
                    framesOut.addAndGet(s.getFrameCount());
                    if (s.getSegmentIndex() % OFFSET_EVERY == 1) {
                        double offset = avOffsetSeconds(s.getData());
                        if (!Double.isNaN(offset)) {
                            synchronized (offsetsByMinute) {
                                offsetsByMinute
                                        .computeIfAbsent(
                                                (long) (elapsedSeconds() / 60),
                                                k -> new ArrayList<>())
                                        .add(offset);
                            }
                        }
                    }
                }
            }
        }
        return null;
    }

    /** Audio start minus video start of one segment, by ffprobe. */
    private static double avOffsetSeconds(ByteBuffer data) throws Exception {
        Path file = Files.createTempFile("soak-segment", ".ts");
        try {
            ByteBuffer view = data.duplicate();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            Files.write(file, bytes);
            Process p =
                    new ProcessBuilder(
                                    "ffprobe",
                                    "-v",
                                    "error",
                                    "-show_entries",
                                    "stream=codec_type,start_time",
                                    "-of",
                                    "csv=p=0",
                                    file.toString())
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            double video = Double.NaN;
            double audio = Double.NaN;
            for (String line : out.strip().split("\n")) {
                String[] f = line.split(",");
                if (f.length == 2 && f[0].equals("video")) {
                    video = Double.parseDouble(f[1]);
                } else if (f.length == 2 && f[0].equals("audio")) {
                    audio = Double.parseDouble(f[1]);
                }
            }
            return audio - video;
        } catch (NumberFormatException e) {
            return Double.NaN;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void summary(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("frames in %d, frames out %d", framesIn(), framesOut.get()));
        synchronized (offsetsByMinute) {
            offsetsByMinute.forEach(
                    (minute, offsets) ->
                            lines.add(
                                    String.format(
                                            Locale.ROOT,
                                            "minute %d: A/V offset mean %.4f s, min %.4f, max %.4f"
                                                    + " (%d segments)",
                                            minute,
                                            offsets.stream()
                                                    .mapToDouble(d -> d)
                                                    .average()
                                                    .orElse(0),
                                            offsets.stream().mapToDouble(d -> d).min().orElse(0),
                                            offsets.stream().mapToDouble(d -> d).max().orElse(0),
                                            offsets.size())));
        }
        Files.write(out.resolve("summary.txt"), lines);
        lines.forEach(l -> System.out.println("soak: " + l));
    }

    private long framesIn() {
        return ingests.stream().mapToLong(MediaIngest::framesSent).sum();
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://" + rest + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
