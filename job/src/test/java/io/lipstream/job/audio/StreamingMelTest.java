package io.lipstream.job.audio;

import static io.lipstream.job.audio.Wav2LipAudio.MEL_STEP;
import static io.lipstream.job.audio.Wav2LipAudio.NUM_MELS;
import static io.lipstream.job.audio.Wav2LipAudio.SAMPLE_RATE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.Npy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** When columns complete, what finish does, and how little a stream keeps. */
class StreamingMelTest {
    /** Column t ends at sample 200 t + 399 (centred 800-sample frame). */
    private static final int HALF_WINDOW = 400;

    private static final int HOP = 200;

    /** 20 ms at 16 kHz: a typical live chunk. */
    private static final int CHUNK_20MS = 320;

    @Test
    void shouldCompleteEachColumnOnceItsHalfWindowHasArrived() {
        float[] wav = noise(3000, 7);
        StreamingMel mel = new StreamingMel();
        for (int n = 1; n <= wav.length; n++) {
            mel.push(wav, n - 1, 1);
            // column 0 also reads y[400], the mirror of y[-400]; column t >= 1 reads up to 200t+399
            long expected = n <= HALF_WINDOW ? 0 : (n - HALF_WINDOW) / HOP + 1;
            assertEquals(expected, mel.completedColumns(), "after " + n + " samples");
        }
    }

    @Test
    void shouldCompleteAllColumnsAtFinishAndOnlyOnce() {
        float[] wav = noise(12_345, 1);
        StreamingMel mel = new StreamingMel();
        int streamed = mel.push(wav, 0, wav.length);

        int atFinish = mel.finish();

        assertEquals(1 + 12_345 / 200, streamed + atFinish);
        assertEquals(1 + 12_345 / 200, mel.completedColumns());
        assertTrue(mel.finished());
        assertEquals(0, mel.finish());
        assertEquals(1 + 12_345 / 200, mel.completedColumns());
        assertEquals(12_345, mel.samplesPushed());
    }

    @Test
    void shouldRejectPushAfterFinish() {
        StreamingMel mel = new StreamingMel();
        mel.push(new float[500], 0, 500);
        mel.finish();

        assertThrows(IllegalStateException.class, () -> mel.push(new float[10], 0, 10));
    }

    @Test
    void shouldGiveOneSilentColumnForAnEmptyStream() {
        StreamingMel mel = new StreamingMel();

        assertEquals(1, mel.finish());

        float[] col = new float[NUM_MELS];
        mel.column(0, col, 0);
        float[] silence = new float[NUM_MELS];
        Arrays.fill(silence, -4f);
        assertArrayEquals(silence, col);
    }

    @Test
    void shouldRefuseColumnsNotYetCompleteOrReleased() {
        StreamingMel mel = new StreamingMel();
        mel.push(noise(4000, 3), 0, 4000); // columns 0..18 complete
        float[] dst = new float[NUM_MELS * MEL_STEP];

        mel.window(3, dst, 0);
        assertThrows(IllegalArgumentException.class, () -> mel.window(4, dst, 0));
        assertThrows(IllegalArgumentException.class, () -> mel.column(19, dst, 0));
        mel.releaseBefore(2);
        assertEquals(2, mel.firstRetainedColumn());
        assertThrows(IllegalArgumentException.class, () -> mel.column(1, dst, 0));
        mel.column(2, dst, 0);
    }

    @Test
    void shouldWriteWindowsRowMajorLikeWav2LipSlices() {
        float[] wav = MelGolden.input("speech");
        float[][] expected = MelGolden.mel("speech");
        StreamingMel mel = new StreamingMel();
        mel.push(wav, 0, wav.length);
        float[] dst = new float[5 + NUM_MELS * MEL_STEP];

        mel.window(100, dst, 5);

        for (int m = 0; m < NUM_MELS; m++) {
            for (int k = 0; k < MEL_STEP; k++) {
                assertEquals(expected[m][100 + k], dst[5 + m * MEL_STEP + k], 1e-4);
            }
        }
    }

    @Test
    void shouldPickWav2LipInferenceWindowsWhileStreaming() {
        for (MelGolden.WindowRate rate : MelGolden.WINDOW_RATES) {
            String tag = rate.tag();
            Npy.Array golden = MelGolden.speechWindows(tag);
            float[][] windows = streamWindows(MelGolden.input("speech"), rate.fps(), 777);

            assertEquals(golden.shape()[0], windows.length, tag + ": number of windows");
            int size = NUM_MELS * MEL_STEP;
            for (int i = 0; i < windows.length; i++) {
                for (int j = 0; j < size; j++) {
                    float want = golden.data()[i * size + j];
                    assertEquals(want, windows[i][j], 1e-4, tag + " window " + i + " value " + j);
                }
            }
        }
    }

    @Test
    void shouldKeepStateBoundedOverTenMinutesWhenColumnsAreReleased() {
        int tenMinutes = 10 * 60 * SAMPLE_RATE;
        float[] chunk = new float[CHUNK_20MS];
        Random random = new Random(42);
        StreamingMel mel = new StreamingMel();
        int maxSamples = 0;
        int maxColumns = 0;
        int maxCapacity = 0;
        for (int pos = 0; pos < tenMinutes; pos += CHUNK_20MS) {
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = random.nextFloat() * 2 - 1;
            }
            mel.push(chunk, 0, chunk.length);
            // a frame owner keeps the last window's worth of columns for Wav2Lip's tail rule
            mel.releaseBefore(mel.completedColumns() - MEL_STEP);
            maxSamples = Math.max(maxSamples, mel.retainedSamples());
            maxColumns = Math.max(maxColumns, mel.retainedColumns());
            maxCapacity = Math.max(maxCapacity, mel.columnCapacity());
        }
        mel.finish();

        assertEquals(1 + tenMinutes / 200, mel.completedColumns());
        assertTrue(maxSamples < 2 * 400, "retained samples " + maxSamples);
        assertEquals(MEL_STEP, maxColumns, "retained columns");
        assertTrue(maxCapacity <= 32, "column storage " + maxCapacity + " columns");
    }

    @Test
    void shouldShrinkColumnStorageOnceHeldColumnsAreReleased() {
        StreamingMel mel = new StreamingMel();
        float[] second = noise(SAMPLE_RATE, 5);
        for (int s = 0; s < 10; s++) {
            mel.push(second, 0, second.length); // 10 s held: 800 columns
        }
        assertTrue(mel.columnCapacity() >= 798);

        mel.releaseBefore(mel.completedColumns());
        mel.push(second, 0, second.length);
        mel.releaseBefore(mel.completedColumns());
        mel.push(second, 0, second.length);

        assertTrue(mel.columnCapacity() <= 128, "capacity " + mel.columnCapacity());
    }

    @Test
    void shouldContinueIdenticallyAfterAPojoRoundTripAsFlinkKeyedState() throws IOException {
        TypeSerializer<StreamingMel> serializer =
                TypeInformation.of(StreamingMel.class).createSerializer(new SerializerConfigImpl());
        assertInstanceOf(PojoSerializer.class, serializer);
        float[] wav = MelGolden.input("speech");
        StreamingMel original = new StreamingMel();
        int split = 50_001;
        for (int pos = 0; pos < split; pos += CHUNK_20MS) {
            original.push(wav, pos, Math.min(CHUNK_20MS, split - pos));
            original.releaseBefore(original.completedColumns() - MEL_STEP);
        }
        long firstKept = original.firstRetainedColumn();

        DataOutputSerializer out = new DataOutputSerializer(4096);
        serializer.serialize(original, out);
        StreamingMel restored =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        original.push(wav, split, wav.length - split);
        original.finish();
        restored.push(wav, split, wav.length - split);
        restored.finish();

        // a ring of 1024 doubles (8 KiB) plus 32 columns of 80 floats (10 KiB), and the POJO
        // framing
        assertTrue(out.length() < 20 * 1024, "serialised state " + out.length() + " bytes");
        assertEquals(original.completedColumns(), restored.completedColumns());
        float[] a = new float[NUM_MELS];
        float[] b = new float[NUM_MELS];
        for (long t = firstKept; t < original.completedColumns(); t++) {
            original.column(t, a, 0);
            restored.column(t, b, 0);
            assertArrayEquals(a, b, "column " + t);
        }
    }

    /**
     * Streams in uneven chunks and collects Wav2Lip inference.py's mel chunks the way a frame
     * pairing operator would: frame i's window as soon as it is complete, the tail rule (the last
     * 16 columns) once the end is known, releasing what no later frame can need.
     */
    private static float[][] streamWindows(float[] wav, double fps, long seed) {
        Random random = new Random(seed);
        StreamingMel mel = new StreamingMel();
        List<float[]> windows = new ArrayList<>();
        int frame = 0;
        for (int pos = 0; pos < wav.length; ) {
            int n = Math.min(16 + random.nextInt(8000), wav.length - pos);
            mel.push(wav, pos, n);
            pos += n;
            while (Wav2LipAudio.windowStart(frame, fps) + MEL_STEP <= mel.completedColumns()) {
                float[] w = new float[NUM_MELS * MEL_STEP];
                mel.window(Wav2LipAudio.windowStart(frame, fps), w, 0);
                windows.add(w);
                frame++;
            }
            // later frames start at or after the next start; the tail window after the last 16
            long keep =
                    Math.min(
                            Wav2LipAudio.windowStart(frame, fps),
                            mel.completedColumns() - MEL_STEP);
            mel.releaseBefore(keep);
        }
        mel.finish();
        long total = mel.completedColumns();
        while (true) {
            float[] w = new float[NUM_MELS * MEL_STEP];
            int start = Wav2LipAudio.windowStart(frame, fps);
            if (start + MEL_STEP > total) {
                mel.window(total - MEL_STEP, w, 0);
                windows.add(w);
                break;
            }
            mel.window(start, w, 0);
            windows.add(w);
            frame++;
        }
        return windows.toArray(new float[0][]);
    }

    private static float[] noise(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }
}
