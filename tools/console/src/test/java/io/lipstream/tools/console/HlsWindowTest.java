package io.lipstream.tools.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HlsWindowTest {
    private static final long TWO_SECONDS = 2_000_000;

    @Test
    void shouldListConsecutiveSegmentsUntilAGapAndEndWithTheLastOne() {
        HlsWindow window = new HlsWindow(8);
        assertEquals(Optional.empty(), window.playlist(i -> "s" + i));
        window.add(0, new byte[] {0}, TWO_SECONDS, false);
        window.add(2, new byte[] {2}, 1_500_000, true);
        window.add(1, new byte[] {1}, TWO_SECONDS, false);
        window.add(1, new byte[] {9}, TWO_SECONDS, false); // read again: ignored

        String playlist = window.playlist(i -> "s" + i).orElseThrow();

        assertEquals(
                "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
                        + "#EXTINF:2.000,\ns0\n#EXTINF:2.000,\ns1\n#EXTINF:1.500,\ns2\n"
                        + "#EXT-X-ENDLIST\n",
                playlist);
        assertArrayEquals(new byte[] {1}, window.segment(1).orElseThrow().data());
    }

    @Test
    void shouldNotSkipASegmentStillToCome() {
        HlsWindow window = new HlsWindow(8);
        window.add(0, new byte[0], TWO_SECONDS, false);
        window.add(2, new byte[0], TWO_SECONDS, false);

        String playlist = window.playlist(i -> "s" + i).orElseThrow();

        assertTrue(playlist.contains("s0\n") && !playlist.contains("s2"), playlist);
    }

    @Test
    void shouldKeepOnlyTheNewestSegments() {
        HlsWindow window = new HlsWindow(3);
        for (long i = 0; i < 10; i++) {
            window.add(i, new byte[0], TWO_SECONDS, false);
        }
        window.add(1, new byte[0], TWO_SECONDS, false); // older than the window

        String playlist = window.playlist(i -> "s" + i).orElseThrow();

        assertTrue(playlist.contains("#EXT-X-MEDIA-SEQUENCE:7\n"), playlist);
        assertEquals(3, playlist.lines().filter(l -> l.startsWith("s")).count(), playlist);
        assertTrue(window.segment(1).isEmpty());
    }
}
