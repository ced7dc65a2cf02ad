package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * Which Kafka a command talks to, plus any job option as {@code -D key=value} (topic names, for
 * one): what commands need that only read or write the topics.
 */
final class KafkaClientOptions {
    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "An external Kafka; default: an in-process broker on 127.0.0.1.")
    String bootstrapServers;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Set a job option (see README's option reference), e.g. -D inference.batch-size=32.")
    Map<String, String> settings = new LinkedHashMap<>();

    /** The job options: -D settings plus {@code --bootstrap-servers}. */
    Configuration configuration() {
        Configuration config = Configuration.fromMap(settings);
        if (bootstrapServers != null) {
            config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        return config;
    }
}
