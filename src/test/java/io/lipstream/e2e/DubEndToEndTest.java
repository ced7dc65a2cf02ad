package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.hls.HlsWriter;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.samples.Samples;
import io.lipstream.tools.media.MediaProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsync dub} on the bundled clip through the real pipeline: in-process Kafka, Flink
 * MiniCluster, ONNX Runtime (the generated identity model) and FFmpeg; the MP4 must have the
 * input's frame count and rate, H.264 video and an audio track, as a player sees it, and the HLS
 * folder written on the way ({@code --hls}) must be a finished playlist of segments that each play
 * alone. This is the suite's one dub of the whole sample: checks of its output belong here (what
 * the model's output does to the picture and sound is checked by {@link
 * DubWithAMelDrivenModelTest}, whose model's face cannot be mistaken for the input's).
 */
class DubEndToEndTest {
    /** Least PSNR inside the face box, per frame: the face's round trip through 96x96 pixels. */
    private static final double FACE_PSNR_DB = 30;

    @TempDir static Path dir;
    static Path out;
    static Path hls;
    static String stderr;
    static int exit;

    @BeforeAll
    static void dubTheSample() {
        out = dir.resolve("dubbed.mp4");
        hls = dir.resolve("hls");
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        exit =
                cli.execute(
                        "dub",
                        "--video",
                        Samples.TALKING_ASTRONAUT_MP4.path().toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        out.toString(),
                        "--hls",
                        hls.toString(),
                        "--dashboard-port",
                        "18081");
        stderr = err.toString();
    }

    @Test
    void shouldWriteAnMp4WithEveryInputFrameAtTheInputRate() throws Exception {
        assertEquals(0, exit, stderr);
        assertTrue(Files.size(out) > 0);
        DecodedMedia input = DecodedMedia.of(Samples.TALKING_ASTRONAUT_MP4.path());
        DecodedMedia output = DecodedMedia.of(out);
        assertEquals(input.frameCount(), output.frameCount(), "frame count");
        assertEquals("h264", output.videoCodec());
        assertEquals(input.frameRate(), output.frameRate(), 0.01);
        assertEquals(input.width(), output.width());
        assertEquals(input.height(), output.height());
        assertTrue(output.hasAudio(), "audio track");
        double audioSeconds = output.audioSampleCount() / 16000.0;
        double videoSeconds = output.frameCount() / output.frameRate();
        assertEquals(videoSeconds, audioSeconds, 0.2, "audio covers the video");
        // Timestamps strictly increase one frame apart: frames are in order, none repeated.
        for (int i = 1; i < output.videoTimestamps().size(); i++) {
            long step = output.videoTimestamps().get(i) - output.videoTimestamps().get(i - 1);
            assertEquals(40_000, step, 1_000, "frame " + i);
        }
    }

    @Test
    void shouldReproduceTheFaceWhenTheModelReturnsTheReferenceFace() throws Exception {
        assertEquals(0, exit, stderr);
        // The default model returns the unmasked reference half: only the 96-pixel round trip of
        // the face and the encodings stand between input and output. Measured where the face is
        // (about a tenth of the frame), so a face pasted wrong or blurred does not average away.
        double[] worst = {Double.POSITIVE_INFINITY};
        double[] sum = {0};
        int frames =
                FramePairs.forEach(
                        Samples.TALKING_ASTRONAUT_MP4.path(),
                        out,
                        (n, input, output, width, height) -> {
                            double db =
                                    FramePairs.psnr(
                                            input, output, width, height, ClipFace.inFrame(n));
                            worst[0] = Math.min(worst[0], db);
                            sum[0] += db;
                        });
        double mean = sum[0] / frames;
        double[] wholeFrame = DecodedMedia.psnr(Samples.TALKING_ASTRONAUT_MP4.path(), out);
        System.out.printf(
                "identity dub, PSNR inside the face box: mean %.1f dB, worst frame %.1f dB"
                        + " (whole frames, for comparison: mean %.1f dB, worst %.1f dB)%n",
                mean, worst[0], wholeFrame[1], wholeFrame[0]);
        assertEquals(DecodedMedia.of(out).frameCount(), frames, "frames compared");
        assertTrue(mean >= FACE_PSNR_DB, "mean PSNR in the face " + mean + " dB");
        assertTrue(worst[0] >= FACE_PSNR_DB, "worst frame's PSNR in the face " + worst[0] + " dB");
        assertTrue(stderr.contains("(291 lip-synced, 0 passed through)"), stderr);
    }

    @Test
    void shouldTellTheUserTheDefaultModelDoesNotMoveLips() {
        assertTrue(stderr.contains("does NOT move"), stderr);
        assertTrue(stderr.contains("Flink dashboard: http://127.0.0.1:"), stderr);
    }

    @Test
    void shouldPassFfprobeWhereItIsInstalled() throws Exception {
        assumeTrue(DecodedMedia.ffprobeInstalled(), "ffprobe not installed (CI installs ffmpeg)");
        MediaProbe input = MediaProbe.of(Samples.TALKING_ASTRONAUT_MP4.path());
        Map<String, String> video = DecodedMedia.ffprobe(out, "v:0");
        Map<String, String> audio = DecodedMedia.ffprobe(out, "a:0");
        assertEquals("h264", video.get("codec_name"));
        assertEquals(input.fpsNum() + "/" + input.fpsDen(), video.get("r_frame_rate"));
        assertEquals(
                String.valueOf(DecodedMedia.of(Samples.TALKING_ASTRONAUT_MP4.path()).frameCount()),
                video.get("nb_read_frames"));
        assertEquals("aac", audio.get("codec_name"));
        double frame = (double) input.fpsDen() / input.fpsNum();
        assertEquals(
                Double.parseDouble(video.get("start_time")),
                Double.parseDouble(audio.get("start_time")),
                frame,
                "audio and video start within one frame");
    }

    @Test
    void shouldEndTheHlsPlaylistOnceTheStreamHasEnded() throws Exception {
        assertEquals(0, exit, stderr);
        Path stream = hlsStreamFolder();
        List<String> playlist = Files.readAllLines(stream.resolve(HlsWriter.PLAYLIST_NAME));
        assertEquals("#EXT-X-ENDLIST", playlist.get(playlist.size() - 1), playlist.toString());
        List<String> listed = playlist.stream().filter(l -> l.endsWith(".ts")).toList();
        assertTrue(!listed.isEmpty(), "segments listed");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            expected.add(HlsWriter.segmentName(i));
        }
        assertEquals(expected, listed, "segments 0..n, each once");
        assertEquals(listed, segmentFiles(stream), "every listed segment exists, no others");
    }

    @Test
    void shouldWriteHlsSegmentsThatEachPlayAloneWhereFfprobeIsInstalled() throws Exception {
        assumeTrue(DecodedMedia.ffprobeInstalled(), "ffprobe not installed (CI installs ffmpeg)");
        assertEquals(0, exit, stderr);
        MediaProbe input = MediaProbe.of(Samples.TALKING_ASTRONAUT_MP4.path());
        int inputFrames = DecodedMedia.of(Samples.TALKING_ASTRONAUT_MP4.path()).frameCount();
        double frame = (double) input.fpsDen() / input.fpsNum();
        Path stream = hlsStreamFolder();
        long frames = 0;
        for (String name : segmentFiles(stream)) {
            Path ts = stream.resolve(name);
            Map<String, String> video = DecodedMedia.ffprobe(ts, "v:0");
            Map<String, String> audio = DecodedMedia.ffprobe(ts, "a:0");
            assertEquals("h264", video.get("codec_name"), name);
            assertEquals(input.fpsNum() + "/" + input.fpsDen(), video.get("r_frame_rate"), name);
            assertEquals("aac", audio.get("codec_name"), name);
            assertEquals(
                    Double.parseDouble(video.get("start_time")),
                    Double.parseDouble(audio.get("start_time")),
                    frame,
                    name + ": audio and video start within one frame");
            int decoded = Integer.parseInt(video.get("nb_read_frames"));
            assertTrue(decoded > 0, name + " decodes alone");
            frames += decoded;
        }
        assertEquals(inputFrames, frames, "frames of all segments");
        Map<String, String> whole =
                DecodedMedia.ffprobe(stream.resolve(HlsWriter.PLAYLIST_NAME), "v:0");
        assertEquals(String.valueOf(inputFrames), whole.get("nb_read_frames"), "the playlist");
    }

    /** The one stream's folder under the HLS root ({@code dub} names the stream itself). */
    private static Path hlsStreamFolder() throws IOException {
        try (Stream<Path> folders = Files.list(hls)) {
            List<Path> streams = folders.filter(Files::isDirectory).toList();
            assertEquals(1, streams.size(), "one stream folder in " + hls + ": " + streams);
            return streams.get(0);
        }
    }

    private static List<String> segmentFiles(Path stream) throws IOException {
        try (Stream<Path> files = Files.list(stream)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".ts"))
                    .sorted()
                    .toList();
        }
    }
}
