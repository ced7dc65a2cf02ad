package io.lipstream.job.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.schema.SampleFormat;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PCM chunks of any layout become 16 kHz mono float, seamlessly across chunks. */
class PcmConverterTest {
    private static final int CD_RATE = 44_100;
    private static final double TONE_HZ = 1000;

    @Test
    void shouldResampleA44kStereoSineTo16kMonoOfTheSameLengthAndFrequency() {
        float[][] stereo = WavBytes.sine(2 * CD_RATE, CD_RATE, TONE_HZ, 1f, 1f);

        float[] out = convertInChunks(SampleFormat.F32LE, CD_RATE, 2, WavBytes.f32(stereo), 11);

        assertTrue(Math.abs(out.length - 2 * 16_000) <= 4, "length " + out.length);
        double hz = zeroCrossingFrequency(Arrays.copyOfRange(out, 1600, out.length - 1600), 16_000);
        assertEquals(TONE_HZ, hz, 2.0);
        assertEquals(0.5, peak(Arrays.copyOfRange(out, 1600, out.length - 1600)), 0.01);
    }

    @Test
    void shouldAverageChannelsLikeLibrosaToMono() {
        float[][] leftOnly = WavBytes.sine(CD_RATE, CD_RATE, TONE_HZ, 1f, 0f);

        float[] out = convertInChunks(SampleFormat.F32LE, CD_RATE, 2, WavBytes.f32(leftOnly), 3);

        assertEquals(0.25, peak(Arrays.copyOfRange(out, 1600, out.length - 1600)), 0.01);
    }

    @Test
    void shouldGiveTheSameOutputForS16AndF32OfTheSameSignal() {
        // a signal on the s16 grid, so both encodings carry exactly the same values
        float[][] signal = WavBytes.sine(CD_RATE, CD_RATE, 440, 1f, -0.5f);
        for (float[] frame : signal) {
            for (int c = 0; c < frame.length; c++) {
                frame[c] = Math.round(frame[c] * 32768) / 32768f;
            }
        }
        for (int rate : new int[] {CD_RATE, 16_000}) {
            float[] fromS16 = convertInChunks(SampleFormat.S16LE, rate, 2, WavBytes.s16(signal), 5);
            float[] fromF32 = convertInChunks(SampleFormat.F32LE, rate, 2, WavBytes.f32(signal), 5);

            assertArrayEquals(fromF32, fromS16, "at " + rate + " Hz");
        }
    }

    @Test
    void shouldNotDependOnHowTheStreamIsChunked() {
        byte[] pcm = WavBytes.f32(WavBytes.sine(CD_RATE, CD_RATE, 700, 1f));
        float[] whole;
        try (PcmConverter c = new PcmConverter(CD_RATE, 1, SampleFormat.F32LE)) {
            whole = concat(c.convert(pcm), c.flush());
        }

        float[] chunked = convertInChunks(SampleFormat.F32LE, CD_RATE, 1, pcm, 99);

        assertEquals(whole.length, chunked.length);
        for (int i = 0; i < whole.length; i++) {
            assertEquals(whole[i], chunked[i], 1e-6, "sample " + i);
        }
    }

    @Test
    void shouldPassSixteenKilohertzMonoThroughAsSampleOver32768() {
        float[][] mono = WavBytes.sine(3000, 16_000, 300, 1f);
        byte[] pcm = WavBytes.s16(mono);

        try (PcmConverter c = new PcmConverter(16_000, 1, SampleFormat.S16LE)) {
            float[] out = c.convert(pcm);

            assertEquals(0, c.flush().length);
            for (int i = 0; i < mono.length; i++) {
                short s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
                assertEquals(s / 32768f, out[i]);
            }
        }
    }

    @Test
    void shouldRejectAChunkThatIsNotWholeFrames() {
        try (PcmConverter c = new PcmConverter(16_000, 2, SampleFormat.S16LE)) {
            MalformedAudioException e =
                    assertThrows(MalformedAudioException.class, () -> c.convert(new byte[6]));

            assertTrue(e.getMessage().contains("expected a multiple of 4 bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("found 6 bytes"), e.getMessage());
            assertEquals(2, c.convert(new byte[8]).length); // and the stream goes on
        }
    }

    /** Converts pcm in uneven whole-frame chunks, then flushes. */
    private static float[] convertInChunks(
            SampleFormat format, int rate, int channels, byte[] pcm, long seed) {
        int frameBytes = (format == SampleFormat.S16LE ? 2 : 4) * channels;
        Random random = new Random(seed);
        float[] out = new float[0];
        try (PcmConverter c = new PcmConverter(rate, channels, format)) {
            for (int pos = 0; pos < pcm.length; ) {
                int frames = 1 + random.nextInt(2000);
                int end = Math.min(pcm.length, pos + frames * frameBytes);
                out = concat(out, c.convert(Arrays.copyOfRange(pcm, pos, end)));
                pos = end;
            }
            return concat(out, c.flush());
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double peak(float[] x) {
        double max = 0;
        for (float v : x) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static double zeroCrossingFrequency(float[] x, int rate) {
        int first = -1;
        int last = -1;
        int crossings = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i - 1] < 0 && x[i] >= 0) {
                if (first < 0) {
                    first = i;
                } else {
                    crossings++;
                }
                last = i;
            }
        }
        return crossings * (double) rate / (last - first);
    }
}
