package io.lipstream.job.segments;

import io.lipstream.schema.Container;
import java.io.Serializable;
import java.util.Objects;

/**
 * How {@link SegmentEncoder} encodes: container, encoder threads and preset, bitrates.
 *
 * @param container MPEG-TS (segments concatenate into one stream) or fragmented MP4
 * @param threads video encoder threads, at least 1
 * @param preset the video encoder's speed/quality preset (libx264, NVENC); {@link #DEFAULT_PRESET}
 *     keeps the encoder's own default. libopenh264 has no presets and ignores it.
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

    /** Keeps the encoder's own preset. */
    public static final String DEFAULT_PRESET = "default";

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

    /** CPU encoding ({@code gpu = false}). */
    public EncoderSettings(
            Container container, int threads, String preset, int videoBitrate, int audioBitrate) {
        this(container, threads, preset, videoBitrate, audioBitrate, false);
    }

    /** MPEG-TS, 1 thread, the encoder's default preset and quality, 32 kbit/s AAC, CPU. */
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
