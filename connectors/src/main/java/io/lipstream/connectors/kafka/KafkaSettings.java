package io.lipstream.connectors.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The resolved Kafka settings of one job or client: bootstrap servers, topic names, the extra
 * client properties (security) that pass through to every client, and where the job's sources start
 * ({@code startTimestampMs}, null for the group's committed offsets). {@link #toString()} never
 * shows the extra properties, which may hold secrets.
 */
public record KafkaSettings(
        String bootstrapServers,
        String audioTopic,
        String videoTopic,
        String segmentTopic,
        String deadLetterTopic,
        String groupId,
        String transactionalIdPrefix,
        int transactionTimeoutMs,
        Properties clientProperties,
        Long startTimestampMs)
        implements Serializable {

    /** Resolves the settings from options; {@code bootstrapServers} must be set. */
    public static KafkaSettings from(ReadableConfig config) {
        String servers =
                config.getOptional(KafkaOptions.BOOTSTRAP_SERVERS)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                KafkaOptions.BOOTSTRAP_SERVERS.key()
                                                        + " is not set"));
        Properties extra = new Properties();
        config.getOptional(KafkaOptions.CLIENT_PROPERTIES_FILE)
                .ifPresent(file -> extra.putAll(load(Path.of(file))));
        return new KafkaSettings(
                servers,
                config.get(KafkaOptions.AUDIO_TOPIC),
                config.get(KafkaOptions.VIDEO_TOPIC),
                config.get(KafkaOptions.SEGMENT_TOPIC),
                config.get(KafkaOptions.DEAD_LETTER_TOPIC),
                config.get(KafkaOptions.GROUP_ID),
                config.get(KafkaOptions.TRANSACTIONAL_ID_PREFIX),
                config.get(KafkaOptions.TRANSACTION_TIMEOUT_MS),
                extra,
                config.getOptional(KafkaOptions.START_TIMESTAMP_MS).orElse(null));
    }

    /** Properties for any Kafka client: bootstrap servers plus the pass-through settings. */
    public Properties clientProperties(Properties overrides) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        props.putAll(overrides);
        return props;
    }

    private static Properties load(Path file) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Kafka client properties " + file, e);
        }
        return props;
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers="
                + bootstrapServers
                + ", topics="
                + audioTopic
                + ","
                + videoTopic
                + ","
                + segmentTopic
                + ","
                + deadLetterTopic
                + ", extra client properties: "
                + clientProperties.size()
                + " (not shown)]";
    }
}
