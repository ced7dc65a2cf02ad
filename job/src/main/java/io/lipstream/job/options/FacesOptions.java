package io.lipstream.job.options;

import io.lipstream.job.faces.Blend;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Face detection, tracking and paste-back. */
public final class FacesOptions {
    public static final ConfigOption<Integer> DETECT_EVERY =
            ConfigOptions.key("faces.detect-every")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "Run the detector on every Nth frame and carry the box in between; a"
                                    + " face that reappears is found within N frames.");

    public static final ConfigOption<Integer> DETECT_SIZE =
            ConfigOptions.key("faces.detect-size")
                    .intType()
                    .defaultValue(320)
                    .withDescription(
                            "Longer side, in pixels, of the grey copy the detector runs on.");

    public static final ConfigOption<String> DETECTOR_MODEL =
            ConfigOptions.key("faces.detector-model")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An ONNX face detector to use instead of OpenCV's Haar cascade.");

    public static final ConfigOption<Blend> BLEND =
            ConfigOptions.key("faces.blend")
                    .enumType(Blend.class)
                    .defaultValue(Blend.HARD)
                    .withDescription(
                            "HARD pastes the generated face as Wav2Lip does; FEATHER blends a"
                                    + " soft-edged lower-face mask that hides the seam.");

    public static final ConfigOption<Integer> MAX_WIDTH =
            ConfigOptions.key("faces.max-frame-width")
                    .intType()
                    .defaultValue(3840)
                    .withDescription("Frames wider than this are rejected before decoding.");

    public static final ConfigOption<Integer> MAX_HEIGHT =
            ConfigOptions.key("faces.max-frame-height")
                    .intType()
                    .defaultValue(2160)
                    .withDescription("Frames taller than this are rejected before decoding.");

    public static final ConfigOption<Integer> MAX_BYTES =
            ConfigOptions.key("faces.max-frame-bytes")
                    .intType()
                    .defaultValue(32 * 1024 * 1024)
                    .withDescription("Frames whose image is larger are rejected before decoding.");

    private FacesOptions() {}

    /** Resolved face settings. */
    public record Settings(
            int detectEvery,
            int detectSize,
            String detectorModel,
            Blend blend,
            int maxWidth,
            int maxHeight,
            int maxBytes)
            implements java.io.Serializable {
        public static Settings from(ReadableConfig config) {
            return new Settings(
                    config.get(DETECT_EVERY),
                    config.get(DETECT_SIZE),
                    config.getOptional(DETECTOR_MODEL).orElse(null),
                    config.get(BLEND),
                    config.get(MAX_WIDTH),
                    config.get(MAX_HEIGHT),
                    config.get(MAX_BYTES));
        }
    }
}
