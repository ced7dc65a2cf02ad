package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.hls.HlsWriter;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.tools.media.SegmentRemuxer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SegmentEncoder's MPEG-TS segments through the two outputs: an MP4 file and a live HLS folder. */
class EncodedSegmentsToHlsAndMp4Test {
    private static final int WIDTH = 320;
    private static final int HEIGHT = 180;
    private static final int SEGMENTS = 3;

    @TempDir Path dir;

    @ParameterizedTest(name = "{0}/{1} fps, {2} frames a segment")
    @CsvSource({"25, 1, 50", "30000, 1001, 60"})
    void shouldJoinEncodedSegmentsIntoAnMp4AtTheStreamRate(int fpsNum, int fpsDen, int frames)
            throws Exception {
        List<EncodedBytes> segments = encode(fpsNum, fpsDen, frames);
        Path mp4 = dir.resolve("stream.mp4");

        SegmentRemuxer.toMp4(segments.stream().map(EncodedBytes::data).toList(), mp4);

        DecodedMedia joined = DecodedMedia.of(mp4.toString(), true);
        int total = SEGMENTS * frames;
        assertEquals(total, joined.frameCount(), "decoded frames");
        assertEquals(total, joined.stream(AVMEDIA_TYPE_VIDEO).nbFrames(), "nb_frames");
        assertEquals((double) fpsNum / fpsDen, joined.frameRate(), 0.001);
        for (int k = 0; k < total; k++) {
            assertEquals(k, SyntheticMedia.readIndex(joined.frames().get(k), WIDTH), "frame " + k);
        }
        assertTrue(joined.hasAudio());
        assertEquals(16_000, joined.sampleRate());
        double rangeSamples = total * 16_000.0 * fpsDen / fpsNum;
        assertEquals(rangeSamples, joined.audioSampleCount(), SEGMENTS * 512.0);
        long frameMicros = Math.round(1e6 * fpsDen / fpsNum);
        assertEquals(0, joined.videoTimestamps().get(0));
        assertTrue(Math.abs(joined.audioTimestamps().get(0)) < frameMicros);
    }

    @ParameterizedTest(name = "{0}/{1} fps, {2} frames a segment")
    @CsvSource({"25, 1, 50", "30000, 1001, 60"})
    void shouldPlayEncodedSegmentsThroughAnHlsPlaylist(int fpsNum, int fpsDen, int frames)
            throws Exception {
        List<EncodedBytes> segments = encode(fpsNum, fpsDen, frames);
        HlsWriter hls = new HlsWriter(dir, "synthetic");
        for (int i = 0; i < segments.size(); i++) {
            hls.append(i, segments.get(i).data(), segments.get(i).durationMicros());
        }
        hls.end();

        DecodedMedia played = DecodedMedia.of(hls.playlist().toString(), true);

        assertEquals(SEGMENTS * frames, played.frameCount());
        for (int k = 0; k < played.frameCount(); k++) {
            assertEquals(k, SyntheticMedia.readIndex(played.frames().get(k), WIDTH), "frame " + k);
            long expected = Math.round(k * 1e6 * fpsDen / fpsNum);
            assertEquals(expected, played.videoTimestamps().get(k), 1_000, "time of frame " + k);
        }
        assertTrue(played.hasAudio());
    }

    private static List<EncodedBytes> encode(int fpsNum, int fpsDen, int frames)
            throws SegmentEncodingException {
        List<EncodedBytes> segments = new ArrayList<>();
        try (SegmentEncoder encoder = new SegmentEncoder(EncoderSettings.defaults())) {
            for (int i = 0; i < SEGMENTS; i++) {
                segments.add(
                        encoder.encode(
                                SyntheticMedia.segment(
                                        i,
                                        (long) i * frames,
                                        frames,
                                        WIDTH,
                                        HEIGHT,
                                        fpsNum,
                                        fpsDen)));
            }
        }
        return segments;
    }
}
