package io.lipstream.tools.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveSourceTest {
    @Test
    void shouldKeepALiveUrlAsTyped() {
        LiveSource srt = LiveSource.of("srt://127.0.0.1:9000?mode=listener");
        assertTrue(srt.live());
        assertEquals("srt", srt.scheme());
        assertEquals("srt://127.0.0.1:9000?mode=listener", srt.openUrl(), "not srt:/127.0.0.1");
        assertTrue(srt.listener());
        assertTrue(srt.byteStream());
    }

    @Test
    void shouldTakeAPathWithoutSchemeForAFile() {
        LiveSource file = LiveSource.of("clips/talk.mp4");
        assertFalse(file.live());
        assertEquals(Map.of(), file.protocolOptions(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void shouldRefuseAnUnknownSchemeWithTheOnesItKnows() {
        MediaException e = assertThrows(MediaException.class, () -> LiveSource.of("foo://x:1"));
        assertTrue(e.getMessage().contains("unsupported URL scheme 'foo'"), e.getMessage());
        assertTrue(e.getMessage().contains("srt"), e.getMessage());
    }

    @Test
    void shouldRefuseAUrlWithoutHost() {
        assertThrows(MediaException.class, () -> LiveSource.of("rtmp:///live"));
    }

    @Test
    void shouldMoveAnRtmpListenersListenFlagFromTheUrlToAnOption() {
        LiveSource rtmp = LiveSource.of("rtmp://0.0.0.0:1935/live/key?listen=1");
        assertTrue(rtmp.listener());
        assertEquals("rtmp://0.0.0.0:1935/live/key", rtmp.openUrl());
        Map<String, String> options =
                rtmp.protocolOptions(Duration.ofSeconds(30), Duration.ofSeconds(3));
        assertEquals("1", options.get("listen"));
        assertEquals("30", options.get("timeout"), "seconds to wait for the publisher");
        assertEquals(
                "rtmp://h/app/key?token=a",
                LiveSource.of("rtmp://h/app/key?listen=1&token=a").openUrl());
    }

    @Test
    void shouldBoundAnSrtListenersWaitAndItsReadsInMicroseconds() {
        Map<String, String> options =
                LiveSource.of("srt://127.0.0.1:9000?mode=listener")
                        .protocolOptions(Duration.ofSeconds(30), Duration.ofSeconds(3));
        assertEquals("30000000", options.get("listen_timeout"));
        assertEquals("3000000", options.get("timeout"));
        assertEquals("3000000", options.get("rw_timeout"));
    }

    @Test
    void shouldOpenRtspThroughItsDemuxerNotAsBytes() {
        assertFalse(LiveSource.of("rtsp://camera.local:554/stream").byteStream());
    }
}
