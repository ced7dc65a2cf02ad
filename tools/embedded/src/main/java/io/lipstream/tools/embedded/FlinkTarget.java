package io.lipstream.tools.embedded;

import io.lipstream.job.ClusterJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.prometheus.LoopbackPrometheusReporterFactory;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the job runs: an in-process Flink MiniCluster with its web dashboard bound to 127.0.0.1 and
 * its checkpoints in a temporary folder (the default), or an external cluster reached through its
 * REST endpoint, whose own configuration decides where checkpoints go.
 */
public final class FlinkTarget {
    /** Flink's usual dashboard port; the next free one is taken when it is busy. */
    public static final int DEFAULT_DASHBOARD_PORT = 8081;

    /** Port of the Prometheus endpoint of the embedded run (Flink's reporter default). */
    public static final int DEFAULT_PROMETHEUS_PORT = 9249;

    private static final int PORTS_TO_TRY = 100;

    /**
     * System property naming the job jar shipped to an external cluster; unset, the {@code
     * -cluster.jar} the job module builds beside its own jar (target/) is used.
     */
    public static final String JOB_JAR_PROPERTY = "lipstream.job-jar";

    private static final String CLUSTER_JAR_SUFFIX = "-cluster.jar";

    private final String remoteHost;
    private final int port;
    private final int prometheusPort;

    private FlinkTarget(String remoteHost, int port, int prometheusPort) {
        this.remoteHost = remoteHost;
        this.port = port;
        this.prometheusPort = prometheusPort;
    }

    /**
     * An embedded MiniCluster: its dashboard on {@code preferredPort} or the next free port, and
     * its metrics served to Prometheus from 9249 or the next free port.
     */
    public static FlinkTarget embedded(int preferredPort) {
        int dashboard = freePortFrom(preferredPort);
        int prometheus = freePortFrom(DEFAULT_PROMETHEUS_PORT);
        if (prometheus == dashboard) {
            prometheus = freePortFrom(dashboard + 1);
        }
        return new FlinkTarget(null, dashboard, prometheus);
    }

    /** An external cluster's JobManager REST endpoint, {@code host:port}. */
    public static FlinkTarget remote(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException(
                    "expected host:port of the Flink REST endpoint, found " + hostPort);
        }
        return new FlinkTarget(
                hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)), -1);
    }

    public boolean isEmbedded() {
        return remoteHost == null;
    }

    /** The Flink web dashboard. */
    public String dashboardUrl() {
        return "http://" + (isEmbedded() ? "127.0.0.1" : remoteHost) + ":" + port;
    }

    /** The embedded run's Prometheus endpoint, or empty for an external cluster. */
    public java.util.Optional<String> prometheusUrl() {
        return isEmbedded()
                ? java.util.Optional.of("http://127.0.0.1:" + prometheusPort + "/metrics")
                : java.util.Optional.empty();
    }

    /** An execution environment for this target with {@code slots} task slots when embedded. */
    public StreamExecutionEnvironment environment(Configuration options, int slots) {
        Configuration config = new Configuration(options);
        if (!isEmbedded()) {
            return StreamExecutionEnvironment.createRemoteEnvironment(
                    remoteHost, port, config, clusterJobJar().toString());
        }
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.PORT, port);
        config.set(RestOptions.BIND_PORT, String.valueOf(port));
        config.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        config.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        config.set(TaskManagerOptions.HOST, "127.0.0.1");
        config.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        config.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(1, slots));
        // Flink's own Prometheus reporter listens on all interfaces; ours on 127.0.0.1.
        config.setString(
                "metrics.reporter.prom.factory.class",
                LoopbackPrometheusReporterFactory.class.getName());
        config.setString(
                "metrics.reporter.prom.host", LoopbackPrometheusReporterFactory.DEFAULT_HOST);
        config.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        if (!config.contains(CheckpointingOptions.CHECKPOINT_STORAGE)
                && !config.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            // Flink's default keeps checkpoints in the JobManager's memory and fails any
            // checkpoint in which one operator's state exceeds 5 MB: the frames buffered for a
            // few streams do (3 streams of 640x360 at parallelism 1), and each failed checkpoint
            // fails the job. Files have no such limit.
            config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            config.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    checkpointFolder().toUri().toString());
        }
        return StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(config);
    }

    /**
     * A temporary folder for the embedded run's checkpoints, removed when the JVM exits (Flink
     * itself deletes each checkpoint once a newer one completes or the job ends).
     */
    private static Path checkpointFolder() {
        try {
            Path folder = Files.createTempDirectory("lipstream-checkpoints");
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(() -> deleteTree(folder), "delete-checkpoints"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for checkpoints", e);
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A temporary folder: what cannot be deleted now is left to the system.
        }
    }

    /**
     * The job jar built for clusters ({@code lipstream-job-VERSION-cluster.jar}: our runtime
     * modules and the libraries Flink does not ship; Flink, ONNX Runtime and javacv come from the
     * cluster's lib/).
     *
     * @throws IllegalStateException when it has not been built
     */
    public static Path clusterJobJar() {
        String given = System.getProperty(JOB_JAR_PROPERTY);
        if (given != null) {
            Path jar = Path.of(given);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(
                        "expected the job jar at "
                                + jar
                                + " ("
                                + JOB_JAR_PROPERTY
                                + "), found none");
            }
            return jar;
        }
        Path job = jobModuleLocation();
        // Beside the job module's jar (target/lipstream-job-V.jar) or its classes (target/classes).
        Path target = job.getParent();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().startsWith("lipstream-job-"))
                    .filter(f -> f.getFileName().toString().endsWith(CLUSTER_JAR_SUFFIX))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "expected the cluster job jar lipstream-job-*"
                                                    + CLUSTER_JAR_SUFFIX
                                                    + " in "
                                                    + target
                                                    + ", found none: build it with"
                                                    + " 'mvn -pl job -am package' or set -D"
                                                    + JOB_JAR_PROPERTY));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + target, e);
        }
    }

    private static Path jobModuleLocation() {
        try {
            return Path.of(
                    ClusterJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the job module", e);
        }
    }

    private static int freePortFrom(int first) {
        for (int port = first; port < first + PORTS_TO_TRY; port++) {
            try (ServerSocket socket =
                    new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException busy) {
                // try the next one
            }
        }
        throw new IllegalStateException(
                "no free port for the Flink dashboard in " + first + ".." + (first + PORTS_TO_TRY));
    }
}
