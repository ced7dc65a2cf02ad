package io.lipstream.job.options;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** How audio and frames are paired on the stream clock. */
public final class AlignmentOptions {
    public static final ConfigOption<Duration> MAX_AUDIO_WAIT =
            ConfigOptions.key("alignment.max-audio-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription(
                            "Longest a frame waits for its audio window once it is due; missing"
                                    + " audio then counts as silence so video never stalls.");

    public static final ConfigOption<Duration> IDLE_TIMEOUT =
            ConfigOptions.key("alignment.idle-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "A stream with no record for this long is closed and its state"
                                    + " cleared.");

    private AlignmentOptions() {}

    /** Resolved alignment settings. */
    public record Settings(Duration maxAudioWait, Duration idleTimeout)
            implements java.io.Serializable {
        public static Settings from(ReadableConfig config) {
            return new Settings(config.get(MAX_AUDIO_WAIT), config.get(IDLE_TIMEOUT));
        }
    }
}
