package io.lipstream.connectors.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Live HLS output for one stream: {@code ROOT/<streamId>/index.m3u8} and {@code seg-00000.ts},
 * {@code seg-00001.ts}, ... Each append writes the segment file, then rewrites the playlist; both
 * go to a temporary file in the same folder first and are renamed over the target, so a reader
 * (player, web server) sees either the old or the new file, never a partial one, and never a
 * playlist naming a segment not yet written.
 *
 * <p>The playlist is an EVENT playlist (RFC 8216): media sequence 0, every segment kept, {@code
 * EXTINF} with each segment's real duration, {@code EXT-X-TARGETDURATION} the longest duration
 * rounded up to whole seconds, {@code EXT-X-ENDLIST} once {@link #end()} is called. Segments are
 * MPEG-TS that start with a key frame ({@code EXT-X-INDEPENDENT-SEGMENTS}).
 *
 * <p>Segments must come in order; the same index may be appended again (a replay after a restart
 * replaces the file). A new writer on a folder that already holds a playlist continues it.
 * Thread-safe.
 */
public final class HlsWriter {
    /** The playlist's file name. */
    public static final String PLAYLIST_NAME = "index.m3u8";

    /** Protocol version 3: the first with decimal EXTINF durations (RFC 8216 section 7). */
    private static final int HLS_VERSION = 3;

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final String SEGMENT_FORMAT = "seg-%05d.ts";
    private static final Pattern SEGMENT_NAME = Pattern.compile("seg-(\\d+)\\.ts");
    private static final Pattern EXTINF = Pattern.compile("#EXTINF:(\\d+)\\.(\\d{6}),.*");
    private static final String ENDLIST = "#EXT-X-ENDLIST";

    private final Path dir;
    private final Path playlist;

    /** Segment index to duration in microseconds, in index order. */
    private final TreeMap<Long, Long> durations = new TreeMap<>();

    private boolean loaded;
    private boolean ended;

    /**
     * A writer for {@code streamId} under {@code root}; nothing is written before the first {@link
     * #append}.
     *
     * @throws IllegalArgumentException when {@code streamId} is not a plain folder name
     */
    public HlsWriter(Path root, String streamId) {
        if (streamId == null
                || streamId.isEmpty()
                || streamId.equals(".")
                || streamId.equals("..")
                || streamId.contains("/")
                || streamId.contains("\\")) {
            throw new IllegalArgumentException(
                    "streamId: expected a plain folder name, got '" + streamId + "'");
        }
        this.dir = root.resolve(streamId);
        this.playlist = dir.resolve(PLAYLIST_NAME);
    }

    /** The playlist file ({@code ROOT/<streamId>/index.m3u8}). */
    public Path playlist() {
        return playlist;
    }

    /**
     * Writes segment {@code segmentIndex} and the playlist naming it.
     *
     * @param segmentIndex the next index (0 first), or one already written to replace it
     * @param tsData the MPEG-TS bytes
     * @param durationMicros the segment's duration
     * @throws IllegalStateException after {@link #end()}
     * @throws IllegalArgumentException on a gap in the indices or a non-positive duration
     */
    public synchronized void append(long segmentIndex, byte[] tsData, long durationMicros)
            throws IOException {
        if (ended) {
            throw new IllegalStateException(
                    "HLS playlist "
                            + playlist
                            + " has ended; cannot append segment "
                            + segmentIndex);
        }
        if (durationMicros <= 0) {
            throw new IllegalArgumentException(
                    "durationMicros: expected > 0, got " + durationMicros);
        }
        loadExisting();
        long next = durations.isEmpty() ? 0 : durations.lastKey() + 1;
        if (segmentIndex < 0 || segmentIndex > next) {
            throw new IllegalArgumentException(
                    "segmentIndex: expected "
                            + next
                            + " (the next) or an index already written, got "
                            + segmentIndex);
        }
        writeAtomically(dir.resolve(segmentName(segmentIndex)), tsData);
        durations.put(segmentIndex, durationMicros);
        writePlaylist();
    }

    /** Marks the stream finished: {@code #EXT-X-ENDLIST}. Calling it again changes nothing. */
    public synchronized void end() throws IOException {
        loadExisting();
        ended = true;
        writePlaylist();
    }

    /** The file name of segment {@code index}. */
    public static String segmentName(long index) {
        return String.format(Locale.ROOT, SEGMENT_FORMAT, index);
    }

    private void writePlaylist() throws IOException {
        writeAtomically(playlist, render().getBytes(StandardCharsets.UTF_8));
    }

    private String render() {
        long longest = durations.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long targetSeconds = Math.max(1, ceilDiv(longest, MICROS_PER_SECOND));
        StringBuilder text = new StringBuilder();
        text.append("#EXTM3U\n");
        text.append("#EXT-X-VERSION:").append(HLS_VERSION).append('\n');
        text.append("#EXT-X-PLAYLIST-TYPE:EVENT\n");
        text.append("#EXT-X-TARGETDURATION:").append(targetSeconds).append('\n');
        text.append("#EXT-X-MEDIA-SEQUENCE:0\n");
        text.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        for (Map.Entry<Long, Long> segment : durations.entrySet()) {
            long micros = segment.getValue();
            text.append(
                    String.format(
                            Locale.ROOT,
                            "#EXTINF:%d.%06d,\n",
                            micros / MICROS_PER_SECOND,
                            micros % MICROS_PER_SECOND));
            text.append(segmentName(segment.getKey())).append('\n');
        }
        if (ended) {
            text.append(ENDLIST).append('\n');
        }
        return text.toString();
    }

    /** Continues a playlist an earlier writer left (for instance before a job restart). */
    private void loadExisting() throws IOException {
        if (loaded) {
            return;
        }
        loaded = true;
        if (!Files.exists(playlist)) {
            return;
        }
        List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8);
        Long pendingDuration = null;
        for (String line : lines) {
            Matcher extinf = EXTINF.matcher(line);
            Matcher segment = SEGMENT_NAME.matcher(line);
            if (extinf.matches()) {
                pendingDuration =
                        Long.parseLong(extinf.group(1)) * MICROS_PER_SECOND
                                + Long.parseLong(extinf.group(2));
            } else if (segment.matches() && pendingDuration != null) {
                durations.put(Long.parseLong(segment.group(1)), pendingDuration);
                pendingDuration = null;
            }
        }
    }

    private void writeAtomically(Path target, byte[] data) throws IOException {
        Files.createDirectories(dir);
        Path temp = PublishedFiles.createTemp(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel channel =
                    FileChannel.open(
                            temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                // On disk before the rename makes it visible, so a crash never leaves it empty.
                channel.force(true);
            }
            Files.move(
                    temp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
