package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Rfc6381CodecsTest {
    @Test
    void shouldReadProfileConstraintsAndLevelFromAnAnnexBSps() {
        // AUD (type 9), then SPS (type 7): profile_idc 66, constraint_set0+1 (0xc0), level 3.0
        // (30).
        byte[] accessUnit =
                HexFormat.of().parseHex("00000001091000000001674" + "2c01e" + "da0280bfe5");

        assertEquals("avc1.42c01e", Rfc6381Codecs.avc1(accessUnit).orElseThrow());
    }

    @Test
    void shouldReadTheAvcDecoderConfigurationRecord() {
        // avcC: version 1, profile 100 (High), compatibility 0, level 4.0 (40).
        byte[] avcc = HexFormat.of().parseHex("01640028ffe1");

        assertEquals("avc1.640028", Rfc6381Codecs.avc1(avcc).orElseThrow());
    }

    @Test
    void shouldFindNothingWithoutAnSps() {
        byte[] idrOnly = HexFormat.of().parseHex("0000000165888400");

        assertTrue(Rfc6381Codecs.avc1(idrOnly).isEmpty());
    }

    @Test
    void shouldNameAacLowComplexityAsObjectType2() {
        // FFmpeg's AV_PROFILE_AAC_LOW is 1; RFC 6381 names AAC-LC mp4a.40.2.
        assertEquals("mp4a.40.2", Rfc6381Codecs.mp4a(1));
    }
}
