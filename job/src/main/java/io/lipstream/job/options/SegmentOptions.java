package io.lipstream.job.options;

import io.lipstream.job.segments.EncoderSettings;
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

    /** {@link #ENCODER_PARALLELISM} value that takes the cores the JVM sees. */
    public static final int ALL_CORES = 0;

    public static final ConfigOption<Integer> ENCODER_PARALLELISM =
            ConfigOptions.key("segments.encoder-parallelism")
                    .intType()
                    .defaultValue(ALL_CORES)
                    .withDescription(
                            "Segments each EncodeSegments subtask decodes, pastes and encodes at"
                                    + " once, each on a thread of its own, whatever their streams"
                                    + " (segments still leave in each stream's order); 0: as many"
                                    + " as the TaskManager's cores.");

    /** {@link #ENCODE_QUEUE} value that takes {@link #QUEUE_PER_ENCODER} per encoder thread. */
    public static final int AUTO_QUEUE = 0;

    /**
     * Segments held per encoder thread by default: one encoding, and room for those cut at about
     * the same time by other streams (encoded but held behind an earlier one still encoding).
     */
    public static final int QUEUE_PER_ENCODER = 4;

    public static final ConfigOption<Integer> ENCODE_QUEUE =
            ConfigOptions.key("segments.encode-queue")
                    .intType()
                    .defaultValue(AUTO_QUEUE)
                    .withDescription(
                            "Segments each EncodeSegments subtask holds at once: encoding, waiting"
                                    + " for a thread, or encoded and waiting for the segment cut"
                                    + " before them to leave (segments leave in the order they"
                                    + " were cut); 0: "
                                    + QUEUE_PER_ENCODER
                                    + " per encoder thread. Too few leaves encoder threads idle"
                                    + " when several streams cut a segment at once; each held"
                                    + " segment's frames are checkpoint state (about 15 MB at"
                                    + " 1080p).");

    public static final ConfigOption<Duration> ENCODE_TIMEOUT =
            ConfigOptions.key("segments.encode-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "Longest one segment may take to decode, paste and encode (waiting"
                                    + " for a free encoder thread included); past it the job"
                                    + " fails and restarts from its last checkpoint.");

    public static final ConfigOption<String> PRESET =
            ConfigOptions.key("segments.preset")
                    .stringType()
                    .defaultValue(EncoderSettings.DEFAULT_PRESET)
                    .withDescription(
                            "H.264 encoder preset (libx264 or NVENC names, passed as given;"
                                    + " libopenh264 has none). 'default' is the live default:"
                                    + " 'veryfast' for libx264 (its own, 'medium', is too slow"
                                    + " for live HD), the encoder's own for NVENC.");

    public static final ConfigOption<Integer> VIDEO_BITRATE =
            ConfigOptions.key("segments.video-bitrate")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Target video bits per second; 0 aims at quality (libopenh264, which"
                                    + " needs a target, gets 0.1 bit per pixel per frame).");

    public static final ConfigOption<Boolean> GPU =
            ConfigOptions.key("segments.gpu")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Encode with NVENC when a GPU encoder is present (falls back to the"
                                    + " CPU encoder).");

    public static final ConfigOption<String> HLS_DIR =
            ConfigOptions.key("segments.hls-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Also write each stream as live HLS under DIR/<streamId>/index.m3u8"
                                    + " (characters other than letters, digits, '.', '-' and '_'"
                                    + " percent-encoded in the folder name).");

    private SegmentOptions() {}

    /** Resolved segment settings. */
    public record Settings(
            Duration duration,
            Duration maxWait,
            Container container,
            int encoderThreads,
            int encoderParallelism,
            int encodeQueue,
            Duration encodeTimeout,
            String preset,
            int videoBitrate,
            boolean gpu,
            String hlsDir)
            implements java.io.Serializable {
        public Settings {
            if (encoderParallelism < 0) {
                throw new IllegalArgumentException(
                        ENCODER_PARALLELISM.key()
                                + ": expected >= 0 (0 = all cores), got "
                                + encoderParallelism);
            }
            if (encodeQueue < 0) {
                throw new IllegalArgumentException(
                        ENCODE_QUEUE.key() + ": expected >= 0 (0 = auto), got " + encodeQueue);
            }
        }

        /** Segments held at once per subtask: {@code encodeQueue}, 0 resolved. */
        public int resolvedEncodeQueue() {
            return encodeQueue == AUTO_QUEUE
                    ? QUEUE_PER_ENCODER * resolvedEncoderParallelism()
                    : encodeQueue;
        }

        /** Segments encoded at once per subtask: {@code encoderParallelism}, 0 resolved. */
        public int resolvedEncoderParallelism() {
            return encoderParallelism == ALL_CORES
                    ? Runtime.getRuntime().availableProcessors()
                    : encoderParallelism;
        }

        /** H.264 and AAC settings of each segment. */
        public EncoderSettings encoder() {
            return new EncoderSettings(
                    container,
                    encoderThreads,
                    preset,
                    videoBitrate,
                    EncoderSettings.DEFAULT_AUDIO_BITRATE,
                    gpu);
        }

        public static Settings from(ReadableConfig config) {
            return new Settings(
                    config.get(DURATION),
                    config.get(MAX_WAIT),
                    config.get(CONTAINER),
                    config.get(ENCODER_THREADS),
                    config.get(ENCODER_PARALLELISM),
                    config.get(ENCODE_QUEUE),
                    config.get(ENCODE_TIMEOUT),
                    config.get(PRESET),
                    config.get(VIDEO_BITRATE),
                    config.get(GPU),
                    config.getOptional(HLS_DIR).orElse(null));
        }
    }
}
