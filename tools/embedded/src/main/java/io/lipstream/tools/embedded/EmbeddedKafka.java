package io.lipstream.tools.embedded;

import io.lipstream.connectors.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka broker running in this JVM in KRaft mode (combined broker and controller),
 * bound to 127.0.0.1 only, with its log in a temporary folder deleted on {@link #close()}.
 *
 * <p>Sized for video: messages up to {@link #MAX_MESSAGE_BYTES}, transactions with a single
 * replica, so the job's exactly-once segment sink works against it unchanged.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Largest record the broker accepts (lipstream's own limit). */
    public static final int MAX_MESSAGE_BYTES = Topics.MAX_MESSAGE_BYTES;

    private static final int NODE_ID = 1;

    private final Path logDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(Path logDir, KafkaRaftServer server, String bootstrapServers) {
        this.logDir = logDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh log folder and starts the broker on two free loopback ports. */
    public static EmbeddedKafka start() {
        try {
            Path logDir = Files.createTempDirectory("lipstream-kafka");
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(NODE_ID));
            props.put(
                    "listeners",
                    "PLAINTEXT://127.0.0.1:"
                            + brokerPort
                            + ",CONTROLLER://127.0.0.1:"
                            + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
            props.put("log.dirs", logDir.toString());
            props.put("num.partitions", "1");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "1");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
            props.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
            props.put("auto.create.topics.enable", "true");
            props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
            KafkaConfig config = KafkaConfig.fromProps(props, false);

            String clusterId = Uuid.randomUuid().toString();
            new Formatter()
                    .setPrintStream(
                            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toString())
                    .run();

            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return new EmbeddedKafka(logDir, server, "127.0.0.1:" + brokerPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e, e);
        }
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        try (Stream<Path> files = Files.walk(logDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // The folder is temporary; a leftover is harmless.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
