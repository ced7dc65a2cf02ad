package io.lipstream.tools.console;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * A live HLS playlist over the newest MPEG-TS segments of one stream, held in memory: segments are
 * added by index (in any order, repeats ignored), the playlist lists the window's consecutive ones
 * from its oldest (a segment still to come is not skipped; a gap that never fills slides out of the
 * window) and ends ({@code #EXT-X-ENDLIST}) once the stream's last segment is in it. Thread-safe.
 */
public final class HlsWindow {
    /** Segments kept per stream: about 16 s of 2 s segments, enough for a player's live edge. */
    public static final int DEFAULT_KEPT = 8;

    private final int kept;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private long lastIndex = -1;

    /** One segment's bytes and duration. */
    public record Segment(byte[] data, long durationMicros) {}

    public HlsWindow() {
        this(DEFAULT_KEPT);
    }

    public HlsWindow(int kept) {
        this.kept = kept;
    }

    /** Adds segment {@code index}; {@code last} marks the stream's final one. */
    public synchronized void add(long index, byte[] data, long durationMicros, boolean last) {
        if (!segments.isEmpty() && index < segments.firstKey()) {
            return; // older than the window
        }
        segments.putIfAbsent(index, new Segment(data, durationMicros));
        if (last) {
            lastIndex = index;
        }
        while (segments.size() > kept) {
            segments.pollFirstEntry();
        }
    }

    /** Segment {@code index} while it is in the window. */
    public synchronized Optional<Segment> segment(long index) {
        return Optional.ofNullable(segments.get(index));
    }

    /** Whether any segment is in the window. */
    public synchronized boolean isEmpty() {
        return segments.isEmpty();
    }

    /**
     * The playlist of the window's consecutive segments from its oldest, with {@code uri(index)} as
     * each segment's address; empty until a segment is in.
     */
    public synchronized Optional<String> playlist(LongFunction<String> uri) {
        if (segments.isEmpty()) {
            return Optional.empty();
        }
        long first = segments.firstKey();
        long end = first;
        while (segments.containsKey(end + 1)) {
            end++;
        }
        long maxMicros = 0;
        for (long i = first; i <= end; i++) {
            maxMicros = Math.max(maxMicros, segments.get(i).durationMicros());
        }
        StringBuilder m3u8 = new StringBuilder();
        m3u8.append("#EXTM3U\n#EXT-X-VERSION:3\n");
        m3u8.append("#EXT-X-TARGETDURATION:")
                .append(Math.max(1, (maxMicros + 999_999) / 1_000_000))
                .append('\n');
        m3u8.append("#EXT-X-MEDIA-SEQUENCE:").append(first).append('\n');
        for (Map.Entry<Long, Segment> e : segments.subMap(first, true, end, true).entrySet()) {
            m3u8.append(
                            String.format(
                                    Locale.ROOT,
                                    "#EXTINF:%.3f,\n",
                                    e.getValue().durationMicros() / 1e6))
                    .append(uri.apply(e.getKey()))
                    .append('\n');
        }
        if (lastIndex >= 0 && end == lastIndex) {
            m3u8.append("#EXT-X-ENDLIST\n");
        }
        return Optional.of(m3u8.toString());
    }
}
