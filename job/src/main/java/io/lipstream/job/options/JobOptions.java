package io.lipstream.job.options;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Job-wide settings. */
public final class JobOptions {
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("job.checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription(
                            "Checkpoint interval. Segments become visible to read_committed"
                                    + " readers only when the checkpoint after them completes.");

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("job.parallelism")
                    .intType()
                    .defaultValue(1)
                    .withDescription("Parallelism of every operator.");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS =
            ConfigOptions.key("job.max-out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "Bound on how late a record's capture time may be behind its"
                                    + " stream's newest (watermarks).");

    public static final ConfigOption<List<String>> STREAM_IDS =
            ConfigOptions.key("job.stream-ids")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Process only these streams (Kafka key = stream id; ';'-separated);"
                                    + " records of other streams are skipped before decoding."
                                    + " Default: every stream.");

    private JobOptions() {}
}
