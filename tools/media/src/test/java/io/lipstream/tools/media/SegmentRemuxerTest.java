package io.lipstream.tools.media;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.connectors.media.SampleTsSegments;
import io.lipstream.samples.Samples;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentRemuxerTest {
    private static List<byte[]> segments;
    private static DecodedMedia source;

    @TempDir Path dir;

    @BeforeAll
    static void cutTheSample() throws Exception {
        segments = SampleTsSegments.cut(Samples.TALKING_ASTRONAUT_MP4.path());
        source = DecodedMedia.of(Samples.TALKING_ASTRONAUT_MP4.path().toString(), false);
    }

    @Test
    void shouldJoinSegmentsIntoAnMp4WithEveryFrameAtTheSourceRate() throws Exception {
        Path mp4 = dir.resolve("joined.mp4");

        SegmentRemuxer.toMp4(segments, mp4);

        DecodedMedia joined = DecodedMedia.of(mp4.toString(), false);
        assertTrue(segments.size() >= 3, "the sample gives several segments");
        assertTrue(joined.format().contains("mp4"), joined.format());
        assertEquals(source.frameCount(), joined.frameCount(), "decoded frames");
        assertEquals(
                source.frameCount(), joined.stream(AVMEDIA_TYPE_VIDEO).nbFrames(), "nb_frames");
        assertEquals(source.frameRate(), joined.frameRate(), 0.001);
        assertEquals(source.width(), joined.width());
        assertTrue(joined.hasAudio());
        assertEquals(source.sampleRate(), joined.sampleRate());
        assertEquals(
                source.stream(AVMEDIA_TYPE_AUDIO).nbFrames(),
                joined.stream(AVMEDIA_TYPE_AUDIO).nbFrames(),
                1,
                "AAC frames (the source's edit list hides its priming frame, MPEG-TS has none)");
    }

    @Test
    void shouldStartAtZeroWithContinuousVideoTimestamps() throws Exception {
        Path mp4 = dir.resolve("joined.mp4");

        SegmentRemuxer.toMp4(segments, mp4);

        DecodedMedia joined = DecodedMedia.of(mp4.toString(), false);
        List<Long> video = joined.videoTimestamps();
        long start = Math.min(video.get(0), joined.audioTimestamps().get(0));
        assertEquals(0, start);
        long frameMicros = Math.round(1e6 / source.frameRate());
        for (int k = 1; k < video.size(); k++) {
            assertEquals(frameMicros, video.get(k) - video.get(k - 1), 1_000, "frame " + k);
        }
    }

    @Test
    void shouldPutTheIndexBeforeTheMediaData() throws Exception {
        Path mp4 = dir.resolve("joined.mp4");

        SegmentRemuxer.toMp4(segments, mp4);

        List<String> boxes = topLevelBoxes(Files.readAllBytes(mp4));
        assertTrue(boxes.contains("moov") && boxes.contains("mdat"), boxes.toString());
        assertTrue(boxes.indexOf("moov") < boxes.indexOf("mdat"), "faststart: " + boxes);
    }

    @Test
    void shouldRejectSegmentsOutOfOrderNamingTheSegment() throws Exception {
        Path mp4 = dir.resolve("joined.mp4");
        List<byte[]> swapped = new ArrayList<>(segments.subList(0, 3));
        swapped.set(1, segments.get(2));
        swapped.set(2, segments.get(1));

        IOException e = assertThrows(IOException.class, () -> SegmentRemuxer.toMp4(swapped, mp4));

        assertTrue(e.getMessage().contains("segment 2"), e.getMessage());
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
        assertFalse(Files.exists(mp4));
        assertLeavesNoTemporaryFiles();
    }

    @Test
    void shouldRejectBytesThatAreNotMpegTs() throws Exception {
        byte[] noise = new byte[64 * 1024];
        new Random(7).nextBytes(noise);
        Path mp4 = dir.resolve("noise.mp4");

        assertThrows(IOException.class, () -> SegmentRemuxer.toMp4(List.of(noise), mp4));

        assertFalse(Files.exists(mp4));
        assertLeavesNoTemporaryFiles();
    }

    @Test
    void shouldRejectAnEmptyList() {
        assertThrows(
                IllegalArgumentException.class,
                () -> SegmentRemuxer.toMp4(List.of(), dir.resolve("none.mp4")));
    }

    @Test
    void shouldReplaceAnExistingFile() throws Exception {
        Path mp4 = dir.resolve("joined.mp4");
        Files.writeString(mp4, "old");

        SegmentRemuxer.toMp4(segments.subList(0, 1), mp4);

        assertEquals(50, DecodedMedia.of(mp4.toString(), false).frameCount());
    }

    private void assertLeavesNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> left = files.toList();
            assertTrue(left.isEmpty(), "left behind: " + left);
        }
    }

    /** Types of the top-level ISO BMFF boxes, in file order. */
    private static List<String> topLevelBoxes(byte[] file) {
        List<String> types = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(file);
        while (buffer.remaining() >= 8) {
            int at = buffer.position();
            long size = Integer.toUnsignedLong(buffer.getInt());
            byte[] type = new byte[4];
            buffer.get(type);
            if (size == 1) {
                size = buffer.getLong();
            } else if (size == 0) {
                size = file.length - at;
            }
            types.add(new String(type, java.nio.charset.StandardCharsets.US_ASCII));
            buffer.position((int) (at + size));
        }
        return types;
    }
}
