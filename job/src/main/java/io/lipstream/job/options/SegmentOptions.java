package io.lipstream.job.options;

import io.lipstream.schema.Container;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** How frames are reordered, cut into segments and encoded. */
public final class SegmentOptions {
    public static final ConfigOption<Duration> DURATION =
            ConfigOptions.key("segments.duration")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("Length of each encoded segment; each starts on a key frame.");

    public static final ConfigOption<Duration> MAX_WAIT =
            ConfigOptions.key("segments.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Longest a segment waits for a missing frame before the gap is"
                                    + " closed (counted).");

    public static final ConfigOption<Container> CONTAINER =
            ConfigOptions.key("segments.container")
                    .enumType(Container.class)
                    .defaultValue(Container.MPEGTS)
                    .withDescription("MPEGTS (segments concatenate) or FMP4.");

    public static final ConfigOption<Integer> ENCODER_THREADS =
            ConfigOptions.key("segments.encoder-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription("H.264 encoder threads per segment.");

    public static final ConfigOption<String> PRESET =
            ConfigOptions.key("segments.preset")
                    .stringType()
                    .defaultValue("")
                    .withDescription("H.264 encoder preset (libx264 names); empty = default.");

    public static final ConfigOption<String> HLS_DIR =
            ConfigOptions.key("segments.hls-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Also write each stream as live HLS under DIR/<streamId>/index.m3u8.");

    private SegmentOptions() {}

    /** Resolved segment settings. */
    public record Settings(
            Duration duration,
            Duration maxWait,
            Container container,
            int encoderThreads,
            String preset,
            String hlsDir)
            implements java.io.Serializable {
        public static Settings from(ReadableConfig config) {
            return new Settings(
                    config.get(DURATION),
                    config.get(MAX_WAIT),
                    config.get(CONTAINER),
                    config.get(ENCODER_THREADS),
                    config.get(PRESET),
                    config.getOptional(HLS_DIR).orElse(null));
        }
    }
}
