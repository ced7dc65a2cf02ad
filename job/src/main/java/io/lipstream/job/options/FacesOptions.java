package io.lipstream.job.options;

import io.lipstream.job.faces.BlazeFaceDetector;
import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.DetectorKind;
import io.lipstream.job.faces.FaceSelect;
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
                            "Longer side, in pixels, of the grey copy the Haar detector runs on.");

    public static final ConfigOption<DetectorKind> DETECTOR =
            ConfigOptions.key("faces.detector")
                    .enumType(DetectorKind.class)
                    .defaultValue(DetectorKind.BLAZEFACE)
                    .withDescription(
                            "BLAZEFACE: MediaPipe BlazeFace on ONNX Runtime (CPU), boxes mapped to"
                                    + " the extent Wav2Lip's S3FD boxes have; HAAR: OpenCV's Haar"
                                    + " cascade (frontal faces, brows to below the mouth).");

    public static final ConfigOption<BlazeFaceDetector.Range> BLAZEFACE_RANGE =
            ConfigOptions.key("faces.blazeface-range")
                    .enumType(BlazeFaceDetector.Range.class)
                    .defaultValue(BlazeFaceDetector.Range.FULL)
                    .withDescription(
                            "FULL: the 256x256 model, faces down to about a tenth of the frame"
                                    + " (see docs/faces.md); SHORT: the 128x128 model, a quarter"
                                    + " of the CPU, for faces filling a good part of the frame.");

    public static final ConfigOption<Float> MIN_SCORE =
            ConfigOptions.key("faces.min-score")
                    .floatType()
                    .defaultValue(BlazeFaceDetector.DEFAULT_MIN_SCORE)
                    .withDescription("BlazeFace detections scoring lower are not faces.");

    public static final ConfigOption<String> DETECTOR_MODEL =
            ConfigOptions.key("faces.detector-model")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An ONNX face detector (boxes and scores) to use instead of"
                                    + " faces.detector.");

    public static final ConfigOption<FaceSelect> SELECT =
            ConfigOptions.key("faces.select")
                    .enumType(FaceSelect.class)
                    .defaultValue(FaceSelect.LARGEST)
                    .withDescription(
                            "With several faces, which one is dubbed: LARGEST, CENTER (nearest the"
                                    + " frame's centre) or UPSTREAM (nearest the producer's last"
                                    + " box). The chosen face is then tracked; other faces pass"
                                    + " through untouched.");

    public static final ConfigOption<Integer> RESELECT_AFTER =
            ConfigOptions.key("faces.reselect-after")
                    .intType()
                    .defaultValue(25)
                    .withDescription(
                            "Frames the chosen face may be lost (frames pass through meanwhile)"
                                    + " before a face is chosen again (counted as"
                                    + " faceReselections).");

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
            int maxBytes,
            DetectorKind detector,
            BlazeFaceDetector.Range blazeFaceRange,
            float minScore,
            FaceSelect select,
            int reselectAfter)
            implements java.io.Serializable {

        /** The detection and frame settings, with every other one at its default. */
        public Settings(
                int detectEvery,
                int detectSize,
                String detectorModel,
                Blend blend,
                int maxWidth,
                int maxHeight,
                int maxBytes) {
            this(
                    detectEvery,
                    detectSize,
                    detectorModel,
                    blend,
                    maxWidth,
                    maxHeight,
                    maxBytes,
                    DETECTOR.defaultValue(),
                    BLAZEFACE_RANGE.defaultValue(),
                    MIN_SCORE.defaultValue(),
                    SELECT.defaultValue(),
                    RESELECT_AFTER.defaultValue());
        }

        public static Settings from(ReadableConfig config) {
            return new Settings(
                    config.get(DETECT_EVERY),
                    config.get(DETECT_SIZE),
                    config.getOptional(DETECTOR_MODEL).orElse(null),
                    config.get(BLEND),
                    config.get(MAX_WIDTH),
                    config.get(MAX_HEIGHT),
                    config.get(MAX_BYTES),
                    config.get(DETECTOR),
                    config.get(BLAZEFACE_RANGE),
                    config.get(MIN_SCORE),
                    config.get(SELECT),
                    config.get(RESELECT_AFTER));
        }

        /** A copy with another detector and face choice. */
        public Settings with(DetectorKind detector, FaceSelect select) {
            return new Settings(
                    detectEvery,
                    detectSize,
                    detectorModel,
                    blend,
                    maxWidth,
                    maxHeight,
                    maxBytes,
                    detector,
                    blazeFaceRange,
                    minScore,
                    select,
                    reselectAfter);
        }
    }
}
