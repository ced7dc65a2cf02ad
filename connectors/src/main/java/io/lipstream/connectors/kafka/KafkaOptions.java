package io.lipstream.connectors.kafka;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Where the job reads and writes Kafka, and how. */
public final class KafkaOptions {
    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka bootstrap servers. Unset: lipsync starts an in-process broker.");

    public static final ConfigOption<String> AUDIO_TOPIC =
            ConfigOptions.key("kafka.topic.audio")
                    .stringType()
                    .defaultValue("lipstream.audio")
                    .withDescription("Topic of AudioChunk records, key = streamId.");

    public static final ConfigOption<String> VIDEO_TOPIC =
            ConfigOptions.key("kafka.topic.video")
                    .stringType()
                    .defaultValue("lipstream.video")
                    .withDescription("Topic of VideoFrame records, key = streamId.");

    public static final ConfigOption<String> SEGMENT_TOPIC =
            ConfigOptions.key("kafka.topic.segments")
                    .stringType()
                    .defaultValue("lipstream.segments")
                    .withDescription("Topic of EncodedSegment records, written exactly once.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC =
            ConfigOptions.key("kafka.topic.dead-letters")
                    .stringType()
                    .defaultValue("lipstream.dead-letters")
                    .withDescription("Topic of RejectedRecord: input that could not be processed.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("kafka.group-id")
                    .stringType()
                    .defaultValue("lipstream")
                    .withDescription("Consumer group of the job's sources.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("kafka.transactional-id-prefix")
                    .stringType()
                    .defaultValue("lipstream-segments")
                    .withDescription(
                            "Stable prefix of the segment sink's transactional ids; keep it across"
                                    + " restarts of the same job.");

    public static final ConfigOption<Long> START_TIMESTAMP_MS =
            ConfigOptions.key("kafka.start-timestamp-ms")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "Read the input topics from the first record at or after this epoch"
                                    + " millisecond timestamp instead of the group's committed"
                                    + " offsets (earliest when none).");

    public static final ConfigOption<Integer> TRANSACTION_TIMEOUT_MS =
            ConfigOptions.key("kafka.transaction-timeout-ms")
                    .intType()
                    .defaultValue(600_000)
                    .withDescription(
                            "Producer transaction timeout; must not exceed the broker's"
                                    + " transaction.max.timeout.ms (15 min by default).");

    public static final ConfigOption<String> CLIENT_PROPERTIES_FILE =
            ConfigOptions.key("kafka.client-properties")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A .properties file of extra Kafka client settings (SASL/SSL) passed"
                                    + " to every source, sink and admin client; never logged.");

    private KafkaOptions() {}
}
