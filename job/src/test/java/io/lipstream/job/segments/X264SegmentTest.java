package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.schema.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * libx264 segments as Debian's ffmpeg and ffprobe see them: the encoder really was libx264, at the
 * live preset unless one is given, and the segment decodes alone. Runs where the FFmpeg build has
 * libx264, i.e. under {@code mvn -Pgpl} (FFmpeg's GPL build); the default build has libopenh264
 * only, and CI runs these tests once more under -Pgpl.
 */
class X264SegmentTest {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final int FRAMES = 50;

    /** The banner x264 writes into an unregistered-user-data SEI of its first access unit. */
    private static final String X264_BANNER = "x264 - core ";

    private static final String OPTIONS_MARK = " - options: ";

    @TempDir Path dir;

    @BeforeEach
    void needLibx264AndFfprobe() {
        assumeTrue(
                H264Encoders.present(H264Encoders.X264),
                "this FFmpeg build has no libx264: it is in FFmpeg's GPL build, mvn -Pgpl");
        assertTrue(
                DecodedMedia.ffprobeInstalled(),
                "ffprobe and ffmpeg (Debian package ffmpeg, installed by .ci/run) check the"
                        + " libx264 segments");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void shouldEncodeWithLibx264AtVeryfastByDefaultIntoASegmentThatDecodesAlone(Container container)
            throws Exception {
        Path segment = encode(EncoderSettings.defaults().withContainer(container), "libx264");

        Map<String, String> video = DecodedMedia.ffprobe(segment, "v:0");
        assertEquals("h264", video.get("codec_name"));
        assertEquals(String.valueOf(FRAMES), video.get("nb_read_frames"));
        assertEquals(String.valueOf(WIDTH), video.get("width"));
        List<String> frameTypes = frameTypes(segment);
        assertEquals(FRAMES, frameTypes.size(), frameTypes.toString());
        // The segment decodes from its first frame (x264 may add more key frames at scene cuts).
        assertEquals("1,I", frameTypes.get(0), "the first frame is a key frame");
        assertTrue(frameTypes.stream().noneMatch(t -> t.endsWith(",B")), "no B-frames");

        Map<String, String> x264 = x264Options(segment);
        // x264's veryfast preset (x264 --fullhelp): subme 2, one reference, no trellis, hex
        // search. medium, its own default, is subme 7, 3 references, trellis 1.
        assertEquals("2", x264.get("subme"), x264.toString());
        assertEquals("1", x264.get("ref"), x264.toString());
        assertEquals("0", x264.get("trellis"), x264.toString());
        assertEquals("hex", x264.get("me"), x264.toString());
        // The segment's shape: one GOP, no B-frames, quality-driven (CRF 23) with no bitrate set.
        assertEquals(String.valueOf(FRAMES), x264.get("keyint"), x264.toString());
        assertEquals("0", x264.get("bframes"), x264.toString());
        assertEquals("crf", x264.get("rc"), x264.toString());
        // veryfast's 10-frame lookahead: tune=zerolatency, not wanted here, turns it off (0).
        assertEquals("10", x264.get("rc_lookahead"), x264.toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Preset.class)
    void shouldUseAPresetTheUserNames(Preset preset) throws Exception {
        EncoderSettings settings =
                new EncoderSettings(
                        Container.MPEGTS,
                        1,
                        preset.name().toLowerCase(Locale.ROOT),
                        0,
                        EncoderSettings.DEFAULT_AUDIO_BITRATE);

        Map<String, String> x264 = x264Options(encode(settings, "libx264"));

        assertEquals(preset.subme, x264.get("subme"), x264.toString());
        assertEquals(preset.me, x264.get("me"), x264.toString());
        assertEquals(preset.ref, x264.get("ref"), x264.toString());
    }

    /** x264 presets and what they set (x264 --fullhelp). */
    enum Preset {
        ULTRAFAST("0", "dia", "1"),
        MEDIUM("7", "hex", "3");

        final String subme;
        final String me;
        final String ref;

        Preset(String subme, String me, String ref) {
            this.subme = subme;
            this.me = me;
            this.ref = ref;
        }
    }

    /** Encodes a synthetic segment, checks which encoder did, and writes it to a file. */
    private Path encode(EncoderSettings settings, String expectedEncoder) throws Exception {
        SegmentInput input = SyntheticMedia.segment(0, 0, FRAMES, WIDTH, HEIGHT, 25, 1);
        EncodedBytes encoded;
        try (SegmentEncoder encoder = new SegmentEncoder(settings)) {
            encoded = encoder.encode(input);
            assertEquals(expectedEncoder, encoder.videoEncoderName());
        }
        String extension = settings.container() == Container.MPEGTS ? ".ts" : ".mp4";
        Path file = Files.createTempFile(dir, "segment", extension);
        Files.write(file, encoded.data());
        return file;
    }

    /** ffprobe's "key_frame,pict_type" of every decoded video frame, in order, e.g. "1,I". */
    private static List<String> frameTypes(Path file) throws IOException, InterruptedException {
        String out =
                run(
                        "ffprobe",
                        "-v",
                        "error",
                        "-select_streams",
                        "v:0",
                        "-show_entries",
                        "frame=key_frame,pict_type",
                        "-of",
                        "csv=p=0",
                        file.toString());
        // One line per frame, "1,I" and possibly side data after them: keep the first two.
        return out.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .map(l -> String.join(",", List.of(l.split(",")).subList(0, 2)))
                .toList();
    }

    /**
     * The options x264 wrote into the stream ("cabac=1 ref=1 ... subme=2 ..."), read from the raw
     * H.264 that Debian's ffmpeg copies out of the container.
     */
    private static Map<String, String> x264Options(Path file)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                "ffmpeg",
                                "-v",
                                "error",
                                "-i",
                                file.toString(),
                                "-map",
                                "0:v:0",
                                "-c",
                                "copy",
                                "-bsf:v",
                                "h264_mp4toannexb",
                                "-f",
                                "h264",
                                "-")
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        byte[] h264 = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg -c copy failed");
        // ISO-8859-1 maps every byte to one char, so indices match; the SEI text is ASCII.
        String bytes = new String(h264, StandardCharsets.ISO_8859_1);
        int banner = bytes.indexOf(X264_BANNER);
        assertTrue(banner >= 0, "no x264 SEI in the stream: not encoded by libx264");
        int options = bytes.indexOf(OPTIONS_MARK, banner);
        int end = bytes.indexOf('\0', options);
        assertTrue(options > banner && end > options, "x264 SEI without options");
        Map<String, String> values = new HashMap<>();
        for (String option : bytes.substring(options + OPTIONS_MARK.length(), end).split(" ")) {
            int eq = option.indexOf('=');
            if (eq > 0) {
                values.put(option.substring(0, eq), option.substring(eq + 1));
            }
        }
        return values;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(
                p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                String.join(" ", command) + " failed: " + out);
        return out;
    }
}
