package io.lipstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar built for clusters ({@code job/target/lipstream-job-VERSION-cluster.jar}, which
 * {@code lipsync --flink} ships and the Docker image puts in usrlib/) holds what TaskManagers run
 * and nothing a user's machine alone needs: no CLI, model tools (checkpoint import, ONNX writing),
 * bench, media clients or embedded stack; no Flink runtime (the cluster has it), no ONNX Runtime or
 * javacv (they belong in the cluster's lib/); and its entry point is {@code ClusterJob}.
 *
 * <p>Runs after the job module is packaged ({@code mvn verify}; the app module comes after the job
 * module in the reactor).
 */
class ClusterJobJarTest {
    /** Class name prefixes that must not ship to TaskManagers, with why. */
    private static final List<String> FORBIDDEN =
            List.of(
                    "io/lipstream/cli/", // the command line
                    "io/lipstream/tools/", // model tools, bench, media clients, embedded stack
                    "io/lipstream/samples/", // bundled media
                    "org/apache/flink/runtime/", // Flink itself: the cluster's
                    "org/apache/flink/streaming/api/", // Flink itself: the cluster's
                    "org/apache/flink/api/common/", // Flink itself: the cluster's
                    "org/apache/flink/metrics/prometheus/", // a plugin of the cluster
                    "ai/onnxruntime/", // ONNX Runtime: the cluster's lib/
                    "org/bytedeco/", // javacv, JavaCPP, FFmpeg, OpenCV: the cluster's lib/
                    "com/esotericsoftware/kryo/", // Flink's serializer stack
                    "org/apache/logging/log4j/", // the cluster's logging
                    "org/slf4j/", // the cluster's logging
                    "picocli/", // the CLI's parser
                    "net/razorvine/pickle/", // checkpoint import
                    "org/openjdk/jmh/"); // the bench

    /** Packages the TaskManagers need from this jar (not in Flink's distribution). */
    private static final List<String> REQUIRED =
            List.of(
                    "io/lipstream/job/ClusterJob.class",
                    "io/lipstream/job/LipSyncJob.class",
                    "io/lipstream/connectors/kafka/KafkaConnectors.class",
                    "io/lipstream/inference/Wav2LipModel.class",
                    "io/lipstream/schema/VideoFrame.class",
                    "org/apache/flink/connector/kafka/source/KafkaSource.class",
                    "org/apache/flink/connector/base/DeliveryGuarantee.class",
                    "org/apache/flink/formats/avro/AvroSerializationSchema.class",
                    "org/apache/kafka/clients/producer/KafkaProducer.class",
                    "org/apache/avro/Schema.class",
                    "org/jtransforms/fft/DoubleFFT_1D.class");

    private static Path jar;
    private static Set<String> entries;

    @BeforeAll
    static void openJar() throws IOException {
        Path target = Repository.root().resolve("job/target");
        try (Stream<Path> files = Files.list(target)) {
            jar =
                    files.filter(f -> f.getFileName().toString().endsWith("-cluster.jar"))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new AssertionError(
                                                    "expected lipstream-job-*-cluster.jar in "
                                                            + target
                                                            + ", found none: run mvn package"
                                                            + " (or verify)"));
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            entries = file.stream().map(e -> e.getName()).collect(Collectors.toSet());
        }
    }

    @Test
    void shouldHoldNoToolFlinkRuntimeOrNativeClasses() {
        Set<String> found = new TreeSet<>();
        for (String entry : entries) {
            for (String prefix : FORBIDDEN) {
                if (entry.startsWith(prefix) && !entry.endsWith("/")) {
                    found.add(prefix + " (e.g. " + entry + ")");
                }
            }
        }
        assertEquals(Set.of(), dedupe(found), "classes that must not ship in " + jar);
    }

    @Test
    void shouldHoldWhatTaskManagersNeedBesidesFlink() {
        Set<String> missing = new TreeSet<>(REQUIRED);
        missing.removeAll(entries);
        assertEquals(Set.of(), missing, "classes missing from " + jar);
    }

    @Test
    void shouldStartAtClusterJob() throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            assertEquals(
                    "io.lipstream.job.ClusterJob",
                    file.getManifest().getMainAttributes().getValue("Main-Class"));
        }
        assertTrue(
                entries.stream().noneMatch(e -> e.endsWith(".dll") || e.endsWith(".dylib")),
                "native libraries for other platforms than linux-x86_64 in " + jar);
    }

    /** One example per forbidden prefix keeps a failure message short. */
    private static Set<String> dedupe(Set<String> found) {
        Set<String> prefixes = new TreeSet<>();
        Set<String> kept = new TreeSet<>();
        for (String f : found) {
            String prefix = f.substring(0, f.indexOf(' '));
            if (prefixes.add(prefix)) {
                kept.add(f);
            }
        }
        return kept;
    }
}
