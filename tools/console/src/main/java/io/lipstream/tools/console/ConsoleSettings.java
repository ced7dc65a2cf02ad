package io.lipstream.tools.console;

import io.lipstream.connectors.kafka.KafkaSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the operator console listens and what it watches.
 *
 * @param host the address the page is served on ({@link #DEFAULT_HOST}: this machine only)
 * @param port the port; 0 takes any free one, a busy one the next free one after it
 * @param kafka the Kafka and topics to watch
 * @param flinkUrl the Flink REST endpoint (its dashboard) the job runs on, or null when unknown
 * @param grafanaUrl a Grafana dashboard to link to, or null
 * @param lookback how far back into the topics the console reads at start, or null for all of them
 */
public record ConsoleSettings(
        String host,
        int port,
        KafkaSettings kafka,
        String flinkUrl,
        String grafanaUrl,
        Duration lookback) {

    /** Only this machine can open the page unless asked otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The console's default port (Flink's dashboard has 8081). */
    public static final int DEFAULT_PORT = 8090;

    public ConsoleSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kafka, "kafka");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: expected 0 to 65535, got " + port);
        }
    }

    /** The defaults: 127.0.0.1:8090, the whole topics, no Flink or Grafana links. */
    public static ConsoleSettings of(KafkaSettings kafka) {
        return new ConsoleSettings(DEFAULT_HOST, DEFAULT_PORT, kafka, null, null, null);
    }

    public ConsoleSettings withPort(int newPort) {
        return new ConsoleSettings(host, newPort, kafka, flinkUrl, grafanaUrl, lookback);
    }

    public ConsoleSettings withFlink(String newFlinkUrl) {
        return new ConsoleSettings(host, port, kafka, newFlinkUrl, grafanaUrl, lookback);
    }

    public ConsoleSettings withGrafana(String newGrafanaUrl) {
        return new ConsoleSettings(host, port, kafka, flinkUrl, newGrafanaUrl, lookback);
    }

    public ConsoleSettings withLookback(Duration newLookback) {
        return new ConsoleSettings(host, port, kafka, flinkUrl, grafanaUrl, newLookback);
    }
}
