package io.lipstream.job.segments;

import io.lipstream.schema.Container;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link SegmentEncoder} encodes: container, encoder threads and preset, bitrates.
 *
 * @param container MPEG-TS (segments concatenate into one stream) or fragmented MP4
 * @param threads video encoder threads, at least 1
 * @param preset the video encoder's speed/quality preset (libx264 or NVENC names, passed as given);
 *     {@link #DEFAULT_PRESET} is the live default: {@link #X264_LIVE_PRESET} for libx264, the
 *     encoder's own for NVENC. libopenh264 has no presets and ignores it.
 * @param videoBitrate target video bits per second; 0 lets the encoder aim at quality (libx264 CRF
 *     23, NVENC's default; libopenh264, which always needs a target, gets {@link
 *     #OPENH264_BITS_PER_PIXEL} bits per pixel per frame)
 * @param audioBitrate AAC bits per second, above 0
 * @param gpu try NVIDIA NVENC ({@code h264_nvenc}) first; falls back to the CPU encoder where the
 *     build or the machine has none
 */
public record EncoderSettings(
        Container container,
        int threads,
        String preset,
        int videoBitrate,
        int audioBitrate,
        boolean gpu)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * The live default: {@link #X264_LIVE_PRESET} for libx264, the encoder's own preset for the
     * others (NVENC's names differ from x264's; libopenh264 has none).
     */
    public static final String DEFAULT_PRESET = "default";

    /**
     * libx264's preset under {@link #DEFAULT_PRESET}. x264's own default, medium, is far too slow
     * for live HD; veryfast measured 17 ms per 1920x1080 frame on one thread at 0.76 Mbit/s (CRF
     * 23), against libopenh264's 30.7 ms at 4.5 Mbit/s (README, "H.264 encoders"). No {@code
     * tune=zerolatency}: a segment is encoded whole, so frame-level latency does not matter, and
     * the tune cost CPU and bits in the same measurement.
     */
    public static final String X264_LIVE_PRESET = "veryfast";

    /**
     * AAC-LC bitrate for 16 kHz mono speech: 32 kbit/s is 2 bits per sample, where AAC-LC at this
     * rate is near transparent for speech (the bundled sample uses 72 kbit/s at 16 kHz mono).
     */
    public static final int DEFAULT_AUDIO_BITRATE = 32_000;

    /**
     * Bits per pixel per frame given to libopenh264 when no bitrate is set (it rate-controls
     * towards a target in every mode). 0.1 is the usual rule of thumb for H.264 at good quality; it
     * gives about 576 kbit/s at 640x360, 25 fps.
     */
    public static final double OPENH264_BITS_PER_PIXEL = 0.1;

    public EncoderSettings {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(preset, "preset (use EncoderSettings.DEFAULT_PRESET)");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected >= 1, got " + threads);
        }
        if (videoBitrate < 0) {
            throw new IllegalArgumentException(
                    "videoBitrate: expected >= 0 (0 = encoder default), got " + videoBitrate);
        }
        if (audioBitrate <= 0) {
            throw new IllegalArgumentException("audioBitrate: expected > 0, got " + audioBitrate);
        }
    }

    /**
     * The preset to give {@code encoderName} (an FFmpeg encoder name), or empty to keep its own: an
     * explicit {@link #preset} as given; under {@link #DEFAULT_PRESET}, {@link #X264_LIVE_PRESET}
     * for libx264 and nothing for the others.
     */
    public Optional<String> presetFor(String encoderName) {
        if (!DEFAULT_PRESET.equals(preset)) {
            return Optional.of(preset);
        }
        return H264Encoders.X264.equals(encoderName)
                ? Optional.of(X264_LIVE_PRESET)
                : Optional.empty();
    }

    /** CPU encoding ({@code gpu = false}). */
    public EncoderSettings(
            Container container, int threads, String preset, int videoBitrate, int audioBitrate) {
        this(container, threads, preset, videoBitrate, audioBitrate, false);
    }

    /** MPEG-TS, 1 thread, the live default preset, the encoder's quality, 32 kbit/s AAC, CPU. */
    public static EncoderSettings defaults() {
        return new EncoderSettings(
                Container.MPEGTS, 1, DEFAULT_PRESET, 0, DEFAULT_AUDIO_BITRATE, false);
    }

    /** These settings with another container. */
    public EncoderSettings withContainer(Container newContainer) {
        return new EncoderSettings(newContainer, threads, preset, videoBitrate, audioBitrate, gpu);
    }

    /** These settings with NVENC asked for (or not). */
    public EncoderSettings withGpu(boolean useGpu) {
        return new EncoderSettings(container, threads, preset, videoBitrate, audioBitrate, useGpu);
    }

    /** These settings with another number of encoder threads. */
    public EncoderSettings withThreads(int newThreads) {
        return new EncoderSettings(container, newThreads, preset, videoBitrate, audioBitrate, gpu);
    }
}
