package io.lipstream.connectors.hls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.connectors.media.SampleTsSegments;
import io.lipstream.samples.Samples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HlsWriterTest {
    /** The concurrent-reader test makes sure the reader reads after every this many appends. */
    private static final int READ_EVERY_SEGMENTS = 10;

    /** How long a reader may take to be scheduled and read once on a busy 2-core machine. */
    private static final java.time.Duration READ_WAIT = java.time.Duration.ofSeconds(60);

    @TempDir Path root;

    @Test
    void shouldWriteEachSegmentAndAnEventPlaylistNamingIt() throws Exception {
        HlsWriter writer = new HlsWriter(root, "stream-1");
        byte[][] data = {bytes(100, 1), bytes(200, 2), bytes(50, 3)};

        writer.append(0, data[0], 2_000_000);
        writer.append(1, data[1], 2_000_000);
        writer.append(2, data[2], 1_640_000);

        assertEquals(root.resolve("stream-1").resolve("index.m3u8"), writer.playlist());
        Playlist playlist = Playlist.read(writer.playlist());
        assertEquals("#EXTM3U", playlist.lines.get(0));
        assertEquals("EVENT", playlist.tags.get("#EXT-X-PLAYLIST-TYPE"));
        assertEquals("0", playlist.tags.get("#EXT-X-MEDIA-SEQUENCE"));
        assertEquals("2", playlist.tags.get("#EXT-X-TARGETDURATION"));
        assertEquals(List.of("seg-00000.ts", "seg-00001.ts", "seg-00002.ts"), playlist.uris);
        assertEquals(List.of(2.0, 2.0, 1.64), playlist.durations);
        assertFalse(playlist.lines.contains("#EXT-X-ENDLIST"));
        for (int i = 0; i < data.length; i++) {
            assertArrayEquals(
                    data[i],
                    Files.readAllBytes(root.resolve("stream-1").resolve(playlist.uris.get(i))));
        }
    }

    @Test
    void shouldRoundTheTargetDurationUpFromTheLongestSegment() throws Exception {
        HlsWriter writer = new HlsWriter(root, "s");

        writer.append(0, bytes(10, 0), 1_500_000);
        writer.append(1, bytes(10, 1), 2_002_000);

        Playlist playlist = Playlist.read(writer.playlist());
        assertEquals("3", playlist.tags.get("#EXT-X-TARGETDURATION"));
        assertEquals(List.of(1.5, 2.002), playlist.durations);
    }

    @Test
    void shouldEndThePlaylistAndRefuseMoreSegments() throws Exception {
        HlsWriter writer = new HlsWriter(root, "s");
        writer.append(0, bytes(10, 0), 2_000_000);

        writer.end();

        List<String> lines = Playlist.read(writer.playlist()).lines;
        assertEquals("#EXT-X-ENDLIST", lines.get(lines.size() - 1));
        assertThrows(IllegalStateException.class, () -> writer.append(1, bytes(10, 1), 2_000_000));
    }

    @Test
    void shouldMarkAGapInSegmentIndicesAsADiscontinuityAndGoOn() throws Exception {
        HlsWriter writer = new HlsWriter(root, "s");
        writer.append(0, bytes(10, 0), 2_000_000);

        writer.append(2, bytes(10, 2), 2_000_000);
        writer.append(3, bytes(10, 3), 2_000_000);

        Playlist playlist = Playlist.read(writer.playlist());
        assertEquals(List.of("seg-00000.ts", "seg-00002.ts", "seg-00003.ts"), playlist.uris);
        List<String> lines = playlist.lines;
        int discontinuity = lines.indexOf("#EXT-X-DISCONTINUITY");
        assertTrue(discontinuity > lines.indexOf("seg-00000.ts"), lines.toString());
        assertTrue(discontinuity < lines.indexOf("seg-00002.ts"), lines.toString());
        assertEquals(discontinuity, lines.lastIndexOf("#EXT-X-DISCONTINUITY"), "one gap, one tag");
        assertTrue(Files.isRegularFile(root.resolve("s").resolve("seg-00003.ts")));
    }

    @Test
    void shouldStartTheMediaSequenceAtTheFirstSegmentWritten() throws Exception {
        HlsWriter writer = new HlsWriter(root, "s");

        writer.append(7, bytes(10, 7), 2_000_000);

        Playlist playlist = Playlist.read(writer.playlist());
        assertEquals("7", playlist.tags.get("#EXT-X-MEDIA-SEQUENCE"));
        assertFalse(playlist.lines.contains("#EXT-X-DISCONTINUITY"), playlist.lines.toString());
    }

    @Test
    void shouldReplaceASegmentAppendedAgain() throws Exception {
        HlsWriter writer = new HlsWriter(root, "s");
        writer.append(0, bytes(10, 0), 2_000_000);
        writer.append(1, bytes(10, 1), 2_000_000);

        writer.append(1, bytes(30, 9), 1_000_000);

        Playlist playlist = Playlist.read(writer.playlist());
        assertEquals(List.of("seg-00000.ts", "seg-00001.ts"), playlist.uris);
        assertEquals(List.of(2.0, 1.0), playlist.durations);
        assertArrayEquals(
                bytes(30, 9), Files.readAllBytes(root.resolve("s").resolve("seg-00001.ts")));
    }

    @Test
    void shouldContinueThePlaylistAnEarlierWriterLeft() throws Exception {
        HlsWriter before = new HlsWriter(root, "s");
        before.append(0, bytes(10, 0), 2_000_000);
        before.append(1, bytes(10, 1), 1_960_000);

        HlsWriter after = new HlsWriter(root, "s");
        after.append(2, bytes(10, 2), 2_000_000);

        Playlist playlist = Playlist.read(after.playlist());
        assertEquals(List.of("seg-00000.ts", "seg-00001.ts", "seg-00002.ts"), playlist.uris);
        assertEquals(List.of(2.0, 1.96, 2.0), playlist.durations);
    }

    @Test
    void shouldNeverShowAReaderAPartialPlaylistOrAMissingSegment() throws Exception {
        HlsWriter writer = new HlsWriter(root, "live");
        int segments = 150;
        int segmentBytes = 64 * 1024;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        List<String> problems = new CopyOnWriteArrayList<>();
        Thread reader =
                new Thread(
                        () -> {
                            while (writing.get()) {
                                try {
                                    Playlist playlist = Playlist.read(writer.playlist());
                                    reads.incrementAndGet();
                                    if (!playlist.lines.get(0).equals("#EXTM3U")
                                            || playlist.uris.size() != playlist.durations.size()) {
                                        problems.add("partial playlist: " + playlist.lines);
                                    }
                                    for (String uri : playlist.uris) {
                                        long size =
                                                Files.size(writer.playlist().resolveSibling(uri));
                                        if (size != segmentBytes) {
                                            problems.add(uri + " has " + size + " bytes");
                                        }
                                    }
                                } catch (NoSuchFileException notYet) {
                                    // before the first append there is no playlist: fine
                                } catch (IOException | RuntimeException e) {
                                    problems.add(e.toString());
                                }
                            }
                        });
        reader.start();
        int overlapped = 0;
        try {
            for (int i = 0; i < segments; i++) {
                writer.append(i, bytes(segmentBytes, i), 2_000_000);
                if (i % READ_EVERY_SEGMENTS == 0) {
                    // However busy the machine, the reader reads while the writer writes.
                    overlapped += awaitAnotherRead(reads) ? 1 : 0;
                }
            }
        } finally {
            writing.set(false);
            reader.join();
        }

        assertEquals(
                segments / READ_EVERY_SEGMENTS,
                overlapped,
                "reads between appends (" + reads.get() + " reads in all)");
        assertEquals(List.of(), problems);
        assertEquals(segments, Playlist.read(writer.playlist()).uris.size());
        try (Stream<Path> files = Files.list(writer.playlist().getParent())) {
            assertEquals(
                    segments + 1, files.count(), "segments and the playlist, no temporary files");
        }
    }

    /** Waits, with a generous bound, until the reader has read once more. */
    private static boolean awaitAnotherRead(AtomicInteger reads) throws InterruptedException {
        int before = reads.get();
        long deadline = System.nanoTime() + READ_WAIT.toNanos();
        while (reads.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return reads.get() > before;
    }

    @Test
    void shouldLetFfmpegPlayThePlaylistFrameByFrame() throws Exception {
        List<byte[]> segments = SampleTsSegments.cut(Samples.TALKING_ASTRONAUT_MP4.path());
        DecodedMedia source =
                DecodedMedia.of(Samples.TALKING_ASTRONAUT_MP4.path().toString(), false);
        HlsWriter writer = new HlsWriter(root, "astronaut");
        for (int i = 0; i < segments.size(); i++) {
            DecodedMedia segment = DecodedMedia.of(segments.get(i));
            long duration = Math.round(segment.frameCount() * 1e6 / source.frameRate());
            writer.append(i, segments.get(i), duration);
        }
        writer.end();

        DecodedMedia played = DecodedMedia.of(writer.playlist().toString(), false);

        assertEquals(source.frameCount(), played.frameCount());
        assertEquals(source.frameRate(), played.frameRate(), 0.001);
        assertTrue(played.hasAudio());
        assertTrue(played.audioSampleCount() >= source.audioSampleCount());
    }

    @Test
    void shouldKeepAStreamIdThatIsNotAFolderNameInsideTheRoot() throws Exception {
        for (String id : List.of("../elsewhere", "a/b", "..", ".", "a\\b", "caf\u00e9 1")) {
            HlsWriter writer = new HlsWriter(root, id);
            writer.append(0, bytes(10, 0), 2_000_000);

            Path folder = writer.playlist().getParent();
            assertEquals(root, folder.getParent(), id + " went to " + folder);
            assertEquals(HlsWriter.folderName(id), folder.getFileName().toString());
        }
        assertEquals("a%2Fb", HlsWriter.folderName("a/b"));
        assertEquals("%2E%2E", HlsWriter.folderName(".."));
        assertEquals("demo-0", HlsWriter.folderName("demo-0"), "plain ids stay as they are");
        assertThrows(IllegalArgumentException.class, () -> new HlsWriter(root, ""));
    }

    private static byte[] bytes(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (seed * 31 + i);
        }
        return data;
    }

    /** A media playlist read back: every line, tag values, segment durations and URIs. */
    private static final class Playlist {
        final List<String> lines;
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<Double> durations = new ArrayList<>();
        final List<String> uris = new ArrayList<>();

        private Playlist(List<String> lines) {
            this.lines = lines;
            for (String line : lines) {
                if (line.startsWith("#EXTINF:")) {
                    String value = line.substring("#EXTINF:".length());
                    durations.add(Double.parseDouble(value.substring(0, value.indexOf(','))));
                } else if (line.startsWith("#") && line.contains(":")) {
                    tags.put(
                            line.substring(0, line.indexOf(':')),
                            line.substring(line.indexOf(':') + 1));
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    uris.add(line);
                }
            }
        }

        static Playlist read(Path file) throws IOException {
            return new Playlist(Files.readAllLines(file));
        }
    }
}
