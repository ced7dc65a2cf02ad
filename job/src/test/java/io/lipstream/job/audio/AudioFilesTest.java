package io.lipstream.job.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.samples.Samples;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files decode to what Wav2Lip's librosa.load would give. */
class AudioFilesTest {
    @TempDir Path dir;

    @Test
    void shouldDecodeA16kMonoWavToExactlyItsSamplesOver32768() {
        float[] decoded = AudioFiles.decodeTo16kMono(Samples.SPEECH_WAV.path());

        // the oracle read the same file with Python's wave module
        assertArrayEquals(MelGolden.input("speech"), decoded);
    }

    @Test
    void shouldDecodeTheAudioTrackOfAVideo() {
        float[] decoded = AudioFiles.decodeTo16kMono(Samples.TALKING_ASTRONAUT_MP4.path());

        // 11.6 s of AAC at 16 kHz; AAC priming may add or trim a frame of 1024 samples
        int speech = MelGolden.input("speech").length;
        assertTrue(Math.abs(decoded.length - speech) <= 2048, decoded.length + " vs " + speech);
    }

    @Test
    void shouldAverageStereoChannels() {
        float[][] leftOnly = WavBytes.sine(16_000, 16_000, 440, 1f, 0f);
        Path wav = WavBytes.writeWav(dir.resolve("left.wav"), 16_000, leftOnly);

        float[] decoded = AudioFiles.decodeTo16kMono(wav);

        assertEquals(leftOnly.length, decoded.length);
        for (int i = 0; i < decoded.length; i++) {
            float left = Math.round(leftOnly[i][0] * 32768) / 32768f;
            assertEquals(left / 2, decoded[i], 1e-7, "sample " + i);
        }
    }

    @Test
    void shouldResampleOtherRatesTo16k() {
        Path wav =
                WavBytes.writeWav(
                        dir.resolve("cd.wav"), 44_100, WavBytes.sine(44_100, 44_100, 500, 1f));

        float[] decoded = AudioFiles.decodeTo16kMono(wav);

        assertTrue(Math.abs(decoded.length - 16_000) <= 4, "length " + decoded.length);
    }

    @Test
    void shouldNameTheFileWhenItHasNoAudio() {
        Path image = Samples.FACE_PNG.path();

        AudioDecodeException e =
                assertThrows(AudioDecodeException.class, () -> AudioFiles.decodeTo16kMono(image));

        assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no audio"), e.getMessage());
    }

    @Test
    void shouldNameTheFileWhenItIsMissingOrNotMedia() throws Exception {
        Path missing = dir.resolve("missing.wav");
        Path text = java.nio.file.Files.writeString(dir.resolve("notes.wav"), "not a wav");

        AudioDecodeException e1 =
                assertThrows(AudioDecodeException.class, () -> AudioFiles.decodeTo16kMono(missing));
        AudioDecodeException e2 =
                assertThrows(AudioDecodeException.class, () -> AudioFiles.decodeTo16kMono(text));

        assertTrue(e1.getMessage().contains(missing.toString()), e1.getMessage());
        assertTrue(e2.getMessage().contains(text.toString()), e2.getMessage());
    }
}
