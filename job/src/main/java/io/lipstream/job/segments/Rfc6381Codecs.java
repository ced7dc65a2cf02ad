package io.lipstream.job.segments;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * RFC 6381 {@code codecs} values: {@code avc1.PPCCLL} from an H.264 sequence parameter set
 * (profile_idc, constraint flags, level_idc; ISO/IEC 14496-15) and {@code mp4a.40.N} from an AAC
 * profile (N = MPEG-4 audio object type, RFC 6381 section 3.3).
 */
final class Rfc6381Codecs {
    /** nal_unit_type of a sequence parameter set (ITU-T H.264 table 7-1). */
    private static final int NAL_SPS = 7;

    private static final int NAL_TYPE_MASK = 0x1f;

    /** avcC (AVCDecoderConfigurationRecord) starts with configurationVersion 1. */
    private static final int AVCC_VERSION = 1;

    /**
     * FFmpeg's AAC profiles are the MPEG-4 audio object type minus one (AV_PROFILE_AAC_LOW = 1).
     */
    private static final int AAC_PROFILE_TO_OBJECT_TYPE = 1;

    private Rfc6381Codecs() {}

    /**
     * {@code avc1.PPCCLL} from codec extradata (avcC or Annex B) or an Annex B access unit holding
     * the SPS; empty when no SPS is found.
     */
    static Optional<String> avc1(byte[] data) {
        if (data.length >= 4 && data[0] == AVCC_VERSION) {
            return Optional.of(format(data[1], data[2], data[3]));
        }
        OptionalInt sps = findAnnexBSps(data);
        if (sps.isEmpty() || sps.getAsInt() + 3 >= data.length) {
            return Optional.empty();
        }
        int at = sps.getAsInt() + 1; // skip the NAL header byte
        return Optional.of(format(data[at], data[at + 1], data[at + 2]));
    }

    /** {@code mp4a.40.N} for an FFmpeg AAC profile ({@code AV_PROFILE_AAC_*}). */
    static String mp4a(int ffmpegAacProfile) {
        return "mp4a.40." + (ffmpegAacProfile + AAC_PROFILE_TO_OBJECT_TYPE);
    }

    private static String format(byte profile, byte constraints, byte level) {
        return String.format(
                Locale.ROOT, "avc1.%02x%02x%02x", profile & 0xff, constraints & 0xff, level & 0xff);
    }

    /** Index of the SPS NAL header byte after a 00 00 01 start code. */
    private static OptionalInt findAnnexBSps(byte[] data) {
        for (int i = 0; i + 3 < data.length; i++) {
            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
                if ((data[i + 3] & NAL_TYPE_MASK) == NAL_SPS) {
                    return OptionalInt.of(i + 3);
                }
                i += 2;
            }
        }
        return OptionalInt.empty();
    }
}
