package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.schema.Container;
import io.lipstream.schema.ImageCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SegmentEncoderTest {
    /** Samples per SNR window when looking for a seam: 16 ms. */
    private static final int SEAM_WINDOW = 256;

    private static final int WIDTH = 320;
    private static final int HEIGHT = 180;
    private static final long ONE_MS = 1_000;

    /** One AAC frame, 1024 samples at 16 kHz. */
    private static final long AAC_FRAME_MICROS = 64_000;

    @ParameterizedTest(name = "{0}/{1} fps from frame {2}")
    @CsvSource({"25, 1, 50, 50", "30000, 1001, 60, 60"})
    void shouldDecodeEveryFrameAtItsSizeRateAndStreamTime(
            int fpsNum, int fpsDen, long firstFrame, int frames) throws Exception {
        SegmentInput input =
                SyntheticMedia.segment(1, firstFrame, frames, WIDTH, HEIGHT, fpsNum, fpsDen);

        EncodedBytes encoded = encode(EncoderSettings.defaults(), input);
        DecodedMedia decoded = DecodedMedia.of(encoded.data());

        assertEquals("mpegts", decoded.format());
        assertEquals(frames, decoded.frameCount());
        assertEquals(WIDTH, decoded.width());
        assertEquals(HEIGHT, decoded.height());
        assertEquals((double) fpsNum / fpsDen, decoded.frameRate(), 0.01);
        for (int k = 0; k < frames; k++) {
            long expected = Math.round((firstFrame + k) * 1e6 * fpsDen / fpsNum);
            assertEquals(expected, decoded.videoTimestamps().get(k), ONE_MS, "frame " + k);
        }
        assertEquals(Math.round(firstFrame * 1e6 * fpsDen / fpsNum), encoded.startPtsMicros(), 1);
        assertEquals(Math.round(frames * 1e6 * fpsDen / fpsNum), encoded.durationMicros(), 1);
    }

    @ParameterizedTest(name = "{0}/{1} fps")
    @CsvSource({"25, 1, 50", "30000, 1001, 60", "25, 1, 48", "29970, 1000, 60"})
    void shouldStartAudioOnTheAacGridWithinHalfAnAacFrameOfTheVideoAndCoverTheRange(
            int fpsNum, int fpsDen, int frames) throws Exception {
        SegmentInput input = SyntheticMedia.segment(3, 150, frames, WIDTH, HEIGHT, fpsNum, fpsDen);

        DecodedMedia decoded = DecodedMedia.of(encode(EncoderSettings.defaults(), input).data());

        assertTrue(decoded.hasAudio());
        assertEquals(16_000, decoded.sampleRate());
        assertEquals(1, decoded.audioChannels());
        long videoStart = decoded.videoTimestamps().get(0);
        long audioStart = decoded.audioTimestamps().get(0);
        assertTrue(
                Math.abs(audioStart - videoStart) <= AAC_FRAME_MICROS / 2 + ONE_MS,
                "audio starts at " + audioStart + " us, video at " + videoStart + " us");
        assertEquals(0, audioStart % AAC_FRAME_MICROS, "on the stream's grid of AAC frames");
        double rangeSamples = frames * 16_000.0 * fpsDen / fpsNum;
        // The AAC frames nearest the range: within half a frame at each end.
        assertEquals(rangeSamples, decoded.audioSampleCount(), 1024.0);
    }

    @Test
    void shouldKeepAudioInSyncWithItsStreamTime() throws Exception {
        SegmentInput input = SyntheticMedia.segment(2, 100, 50, WIDTH, HEIGHT, 25, 1);

        DecodedMedia decoded = DecodedMedia.of(encode(EncoderSettings.defaults(), input).data());

        float[] audio = decoded.audio();
        long firstSample = Math.round(decoded.audioTimestamps().get(0) * 16_000 / 1e6);
        // The lag that best aligns the decoded audio with the source signal on the stream clock,
        // searched within +-20 ms (the tone mix repeats every 100 ms). The first AAC frame is left
        // out: without the encoder's priming packet it decodes with aliasing.
        int bestLag = 0;
        double best = Double.NEGATIVE_INFINITY;
        for (int lag = -320; lag <= 320; lag++) {
            float[] source = SyntheticMedia.tones(firstSample - lag, audio.length);
            double correlation = 0;
            for (int i = 1024; i < audio.length; i++) {
                correlation += audio[i] * source[i];
            }
            if (correlation > best) {
                best = correlation;
                bestLag = lag;
            }
        }
        assertTrue(Math.abs(bestLag) <= 16, "audio lag: " + bestLag + " samples (16 = 1 ms)");
    }

    @Test
    void shouldReproduceTheSourcePixelsAbove30Db() throws Exception {
        SegmentInput input = SyntheticMedia.segment(0, 0, 50, 640, 360, 25, 1);

        DecodedMedia decoded = DecodedMedia.of(encode(EncoderSettings.defaults(), input).data());

        for (int k = 0; k < input.bgrFrames().size(); k++) {
            double psnr = SyntheticMedia.psnr(input.bgrFrames().get(k), decoded.frames().get(k));
            assertTrue(psnr >= 30.0, "PSNR of frame " + k + ": " + psnr + " dB");
        }
    }

    @Test
    void shouldEncodePicturesHandedOneAtATimeAsTheSameSegmentFromArrays() throws Exception {
        SegmentInput input = SyntheticMedia.segment(0, 0, 25, 640, 360, 25, 1);
        List<Integer> asked = new ArrayList<>();
        EncodedBytes streamed;
        AVFrame picture = PictureDecoder.allocate(640, 360);
        try (SegmentEncoder encoder = new SegmentEncoder(EncoderSettings.defaults());
                PictureDecoder pictures = new PictureDecoder(FrameLimits.defaults())) {
            streamed =
                    encoder.encode(
                            input,
                            input.bgrFrames().size(),
                            k -> {
                                asked.add(k);
                                pictures.decodeInto(
                                        ImageCodec.BGR24,
                                        input.bgrFrames().get(k),
                                        640,
                                        360,
                                        picture);
                                return picture;
                            });
        } finally {
            av_frame_free(picture);
        }

        assertEquals(java.util.stream.IntStream.range(0, 25).boxed().toList(), asked);
        DecodedMedia fromArrays = DecodedMedia.of(encode(EncoderSettings.defaults(), input).data());
        DecodedMedia decoded = DecodedMedia.of(streamed.data());
        assertEquals(25, decoded.frameCount());
        for (int k = 0; k < 25; k++) {
            assertEquals(k, SyntheticMedia.readIndex(decoded.frames().get(k), 640));
            assertTrue(
                    java.util.Arrays.equals(fromArrays.frames().get(k), decoded.frames().get(k)),
                    "frame " + k + " differs from the encoding of the same arrays");
        }
    }

    @Test
    void shouldRejectAPictureOfAnotherSizeSayingWhatWasExpected() throws Exception {
        SegmentInput input = SyntheticMedia.segment(0, 0, 2, 640, 360, 25, 1);
        AVFrame small = PictureDecoder.allocate(320, 180);
        try (SegmentEncoder encoder = new SegmentEncoder(EncoderSettings.defaults())) {
            SegmentEncodingException e =
                    assertThrows(
                            SegmentEncodingException.class,
                            () -> encoder.encode(input, 2, k -> small));
            assertContains(e.getMessage(), "640x360", "320x180");
        } finally {
            av_frame_free(small);
        }
    }

    @Test
    void shouldStartEverySegmentWithAKeyFrameSoEachDecodesAlone() throws Exception {
        for (EncodedBytes segment : threeConsecutiveSegments(50)) {
            assertTrue(DecodedMedia.startsWithKeyFrame(segment.data()));
            assertEquals(50, DecodedMedia.of(segment.data()).frameCount());
        }
    }

    @Test
    void shouldConcatenateConsecutiveTsSegmentsIntoOneStream() throws Exception {
        List<EncodedBytes> segments = threeConsecutiveSegments(50);

        DecodedMedia decoded = DecodedMedia.of(joined(segments));

        assertEquals(150, decoded.frameCount());
        for (int k = 0; k < decoded.frameCount(); k++) {
            assertEquals(
                    k * 40_000L, decoded.videoTimestamps().get(k), ONE_MS, "time of frame " + k);
            assertEquals(k, SyntheticMedia.readIndex(decoded.frames().get(k), WIDTH), "frame " + k);
        }
        assertStrictlyIncreasing(decoded.audioTimestamps());
        assertEquals(3 * 32_000, decoded.audioSampleCount(), 3 * 512);
        for (int i = 1; i < segments.size(); i++) {
            EncodedBytes previous = segments.get(i - 1);
            assertEquals(
                    previous.startPtsMicros() + previous.durationMicros(),
                    segments.get(i).startPtsMicros());
        }
    }

    @Test
    void shouldJoinTheAudioOfConsecutiveSegmentsWithoutASeam() throws Exception {
        DecodedMedia decoded = DecodedMedia.of(joined(threeConsecutiveSegments(50)));
        float[] audio = decoded.audio();
        long first = Math.round(decoded.audioTimestamps().get(0) * 16_000 / 1e6);
        float[] expected = SyntheticMedia.tones(first, audio.length);

        // The stream's very first AAC frame has nothing before it; every later one should decode
        // as well at a segment boundary (2 s = sample 32000, 4 s = 64000) as anywhere else.
        double worstInside = Double.POSITIVE_INFINITY;
        double worstAtBoundary = Double.POSITIVE_INFINITY;
        for (int at = SEAM_WINDOW * 8; at + SEAM_WINDOW <= audio.length; at += SEAM_WINDOW) {
            long sample = first + at;
            double snr = snr(expected, audio, at, at + SEAM_WINDOW);
            if (Math.abs(sample - 32_000) < 2_048 || Math.abs(sample - 64_000) < 2_048) {
                worstAtBoundary = Math.min(worstAtBoundary, snr);
            } else {
                worstInside = Math.min(worstInside, snr);
            }
        }
        // Encoded segment by segment on their own ranges, boundaries fell to about 2 dB.
        assertTrue(
                worstAtBoundary > 10 && worstAtBoundary > worstInside - 3,
                "worst SNR at boundaries "
                        + worstAtBoundary
                        + " dB, inside segments "
                        + worstInside
                        + " dB");
        assertEquals(3 * 32_000, audio.length, 1_024, "the segments carry each AAC frame once");
    }

    @Test
    void shouldPadMissingOrShortAudioWithSilence() throws Exception {
        SegmentInput full = SyntheticMedia.segment(0, 25, 25, WIDTH, HEIGHT, 25, 1);
        SegmentInput silent = withAudio(full, new float[0]);
        // Audio for the segment's first half second only (it starts at frame 25 = sample 16000).
        SegmentInput half = withAudio(full, SyntheticMedia.tones(16_000, 8_000));

        DecodedMedia decodedSilent =
                DecodedMedia.of(encode(EncoderSettings.defaults(), silent).data());
        DecodedMedia decodedHalf = DecodedMedia.of(encode(EncoderSettings.defaults(), half).data());

        // AAC frames nearest the range: within half a frame (512 samples) at each end.
        assertEquals(16_000, decodedSilent.audioSampleCount(), 1024);
        assertTrue(rms(decodedSilent.audio(), 0, decodedSilent.audioSampleCount()) < 1e-3);
        assertEquals(16_000, decodedHalf.audioSampleCount(), 1024);
        float[] halfAudio = decodedHalf.audio();
        assertTrue(rms(halfAudio, 1_024, 7_000) > 0.1, "the signal part is heard");
        assertTrue(rms(halfAudio, 9_216, halfAudio.length) < 1e-3, "the padded part is silent");
    }

    @Test
    void shouldEncodeFragmentedMp4WithTheSameFramesAndTimes() throws Exception {
        SegmentInput input = SyntheticMedia.segment(1, 50, 50, WIDTH, HEIGHT, 25, 1);

        EncodedBytes encoded =
                encode(EncoderSettings.defaults().withContainer(Container.FMP4), input);
        DecodedMedia decoded = DecodedMedia.of(encoded.data());

        assertTrue(decoded.format().contains("mp4"), decoded.format());
        assertEquals(50, decoded.frameCount());
        assertEquals(2_000_000, decoded.videoTimestamps().get(0), ONE_MS);
        // Samples 32000 and 64000 are not on the AAC grid: the nearest grid points are frames 31
        // (sample 31744, 1.984 s) and 63 (64512).
        assertEquals(1_984_000, decoded.audioTimestamps().get(0), ONE_MS);
        assertEquals((63 - 31) * 1024, decoded.audioSampleCount());
        assertTrue(SyntheticMedia.psnr(input.bgrFrames().get(0), decoded.frames().get(0)) > 30.0);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void shouldNameTheCodecsOfTheEncodedStreams(Container container) throws Exception {
        EncodedBytes encoded =
                encode(
                        EncoderSettings.defaults().withContainer(container),
                        SyntheticMedia.segment(0, 0, 10, WIDTH, HEIGHT, 25, 1));
        DecodedMedia decoded = DecodedMedia.of(encoded.data());

        String[] codecs = encoded.codecs().split(",");
        assertEquals(2, codecs.length, encoded.codecs());
        DecodedMedia.StreamInfo video = decoded.stream(AVMEDIA_TYPE_VIDEO);
        DecodedMedia.StreamInfo audio = decoded.stream(AVMEDIA_TYPE_AUDIO);
        // avc1.PPCCLL: profile_idc and level_idc as the decoder reports them (FFmpeg keeps the
        // constraint flags above bit 8 of its profile).
        assertTrue(codecs[0].matches("avc1\\.[0-9a-f]{6}"), codecs[0]);
        assertEquals(video.profile() & 0xff, Integer.parseInt(codecs[0].substring(5, 7), 16));
        assertEquals(video.level(), Integer.parseInt(codecs[0].substring(9, 11), 16));
        // mp4a.40.N: N is the MPEG-4 audio object type, FFmpeg's AAC profile + 1 (LC = 2).
        assertEquals("mp4a.40." + (audio.profile() + 1), codecs[1]);
    }

    @Test
    void shouldFallBackToTheCpuEncoderWhereNvencCannotRun() throws Exception {
        SegmentInput input = SyntheticMedia.segment(0, 0, 25, WIDTH, HEIGHT, 25, 1);

        try (SegmentEncoder encoder =
                new SegmentEncoder(EncoderSettings.defaults().withGpu(true))) {
            DecodedMedia decoded = DecodedMedia.of(encoder.encode(input).data());

            assertEquals(25, decoded.frameCount());
            assumeFalse(
                    Files.exists(Path.of("/dev/nvidia0")),
                    "an NVIDIA device is present: NVENC may really encode here");
            assertNotEquals("h264_nvenc", encoder.videoEncoderName());
        }
    }

    @Test
    void shouldRejectFramesOfTheWrongSizeSayingWhatWasExpected() {
        SegmentInput input = SyntheticMedia.segment(4, 0, 3, WIDTH, HEIGHT, 25, 1);
        List<byte[]> frames = new ArrayList<>(input.bgrFrames());
        frames.set(1, new byte[12]);
        SegmentInput broken =
                new SegmentInput("s", 4, 0, WIDTH, HEIGHT, 25, 1, frames, input.audio16kMono());

        SegmentEncodingException e =
                assertThrows(
                        SegmentEncodingException.class,
                        () -> encode(EncoderSettings.defaults(), broken));

        assertContains(e.getMessage(), "frame 1", "expected 172800 bytes", "got 12");
    }

    @Test
    void shouldRejectOddSizesAndEmptySegments() {
        SegmentInput odd =
                new SegmentInput(
                        "s", 0, 0, 321, 180, 25, 1, List.of(new byte[321 * 180 * 3]), new float[0]);
        SegmentInput empty =
                new SegmentInput("s", 0, 0, WIDTH, HEIGHT, 25, 1, List.of(), new float[0]);

        assertContains(
                assertThrows(
                                SegmentEncodingException.class,
                                () -> encode(EncoderSettings.defaults(), odd))
                        .getMessage(),
                "even",
                "321x180");
        assertContains(
                assertThrows(
                                SegmentEncodingException.class,
                                () -> encode(EncoderSettings.defaults(), empty))
                        .getMessage(),
                "at least one frame");
    }

    private static List<EncodedBytes> threeConsecutiveSegments(int frames) throws Exception {
        List<EncodedBytes> segments = new ArrayList<>();
        try (SegmentEncoder encoder = new SegmentEncoder(EncoderSettings.defaults())) {
            for (int i = 0; i < 3; i++) {
                segments.add(
                        encoder.encode(
                                SyntheticMedia.segment(
                                        i, (long) i * frames, frames, WIDTH, HEIGHT, 25, 1)));
            }
        }
        return segments;
    }

    /** The segments' bytes one after the other, as a player fed them in order reads them. */
    private static byte[] joined(List<EncodedBytes> segments) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (EncodedBytes segment : segments) {
            joined.writeBytes(segment.data());
        }
        return joined.toByteArray();
    }

    private static EncodedBytes encode(EncoderSettings settings, SegmentInput input)
            throws SegmentEncodingException {
        try (SegmentEncoder encoder = new SegmentEncoder(settings)) {
            return encoder.encode(input);
        }
    }

    /** The input with {@code audio} starting at its first frame and nothing around it. */
    private static SegmentInput withAudio(SegmentInput input, float[] audio) {
        return new SegmentInput(
                input.streamId(),
                input.segmentIndex(),
                input.firstFrameIndex(),
                input.width(),
                input.height(),
                input.fpsNum(),
                input.fpsDen(),
                input.bgrFrames(),
                audio);
    }

    /** Signal-to-noise ratio of {@code actual} against {@code expected} over a range, dB. */
    private static double snr(float[] expected, float[] actual, int from, int to) {
        double signal = 0;
        double noise = 0;
        for (int i = from; i < to; i++) {
            signal += expected[i] * expected[i];
            double d = expected[i] - actual[i];
            noise += d * d;
        }
        return 10 * Math.log10(signal / Math.max(noise, 1e-12));
    }

    private static double rms(float[] samples, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += samples[i] * samples[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    private static void assertStrictlyIncreasing(List<Long> timestamps) {
        for (int i = 1; i < timestamps.size(); i++) {
            assertTrue(
                    timestamps.get(i) > timestamps.get(i - 1),
                    "timestamp " + i + ": " + timestamps);
        }
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }
}
