package io.lipstream.connectors.hls;

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
 * <p>The playlist is an EVENT playlist (RFC 8216): media sequence the first segment's index (0
 * unless the start is missing), every segment kept, {@code EXTINF} with each segment's real
 * duration, {@code EXT-X-TARGETDURATION} the longest duration rounded up to whole seconds, {@code
 * EXT-X-ENDLIST} once {@link #end()} is called. Segments are MPEG-TS that start with a key frame
 * ({@code EXT-X-INDEPENDENT-SEGMENTS}).
 *
 * <p>Segments come in index order; the same index may be appended again (a replay after a restart
 * replaces the file). A segment after a gap in the indices (segments lost upstream, or the folder
 * cleaned while the stream ran) is still written, after an {@code EXT-X-DISCONTINUITY} tag, so a
 * player resets its timeline there instead of the stream stopping. A new writer on a folder that
 * already holds a playlist continues it. The folder of a stream id that is not a plain file name is
 * its percent-encoded form ({@link #folderName}). Thread-safe.
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
    private static final String DISCONTINUITY = "#EXT-X-DISCONTINUITY";

    /** Stream ids made only of these characters are their own folder name. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final Path dir;
    private final Path playlist;

    /** Segment index to duration in microseconds, in index order. */
    private final TreeMap<Long, Long> durations = new TreeMap<>();

    private boolean loaded;
    private boolean ended;

    /**
     * A writer for {@code streamId} under {@code root}, in the folder {@link #folderName}; nothing
     * is written before the first {@link #append}.
     *
     * @throws IllegalArgumentException when {@code streamId} is null or empty
     */
    public HlsWriter(Path root, String streamId) {
        this.dir = root.resolve(folderName(streamId));
        this.playlist = dir.resolve(PLAYLIST_NAME);
    }

    /**
     * The folder a stream's files go to: the stream id itself when it is made of letters, digits,
     * {@code .}, {@code -} and {@code _} only (and is not {@code .} or {@code ..}), else its UTF-8
     * bytes percent-encoded, every byte but letters, digits, {@code -} and {@code _}: {@code a/b}
     * becomes {@code a%2Fb}, {@code ..} becomes {@code %2E%2E}. Never leaves the root, and two
     * stream ids never share a folder.
     *
     * @throws IllegalArgumentException when {@code streamId} is null or empty
     */
    public static String folderName(String streamId) {
        if (streamId == null || streamId.isEmpty()) {
            throw new IllegalArgumentException(
                    "streamId: expected a non-empty id, got '" + streamId + "'");
        }
        if (PLAIN_NAME.matcher(streamId).matches()
                && !streamId.equals(".")
                && !streamId.equals("..")) {
            return streamId;
        }
        StringBuilder name = new StringBuilder();
        for (byte b : streamId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
                name.append(c);
            } else {
                name.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
            }
        }
        return name.toString();
    }

    /** The playlist file ({@code ROOT/<folderName(streamId)>/index.m3u8}). */
    public Path playlist() {
        return playlist;
    }

    /**
     * Writes segment {@code segmentIndex} and the playlist naming it.
     *
     * @param segmentIndex the next index (0 first), one already written to replace it, or a later
     *     one after a gap
     * @param tsData the MPEG-TS bytes
     * @param durationMicros the segment's duration
     * @throws IllegalStateException after {@link #end()}
     * @throws IllegalArgumentException on a negative index or a non-positive duration
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
        if (segmentIndex < 0) {
            throw new IllegalArgumentException("segmentIndex: expected >= 0, got " + segmentIndex);
        }
        loadExisting();
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
        text.append("#EXT-X-MEDIA-SEQUENCE:")
                .append(durations.isEmpty() ? 0 : durations.firstKey())
                .append('\n');
        text.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        long expected = durations.isEmpty() ? 0 : durations.firstKey();
        for (Map.Entry<Long, Long> segment : durations.entrySet()) {
            if (segment.getKey() != expected) {
                text.append(DISCONTINUITY).append('\n');
            }
            expected = segment.getKey() + 1;
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
