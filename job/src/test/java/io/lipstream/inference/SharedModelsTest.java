package io.lipstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import io.lipstream.tools.model.RandomPairs;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedModelsTest {
    private static final int SIZE = Wav2LipShapes.FACE_SIZE;

    @TempDir Path dir;
    private Path onnx;

    @BeforeEach
    void synthesize() throws IOException {
        onnx = dir.resolve("identity.onnx");
        ModelSynth.write(onnx, Arch.IDENTITY, null, SIZE, 0);
    }

    @Test
    void shouldShareOneModelPerFileAndDeviceUntilTheLastRelease() throws Exception {
        Wav2LipModel first = SharedModels.acquire(onnx, InferenceDevice.CPU, 1);
        // The same file reached by another path spelling is the same model.
        Wav2LipModel second =
                SharedModels.acquire(
                        dir.resolve(".").resolve("identity.onnx"), InferenceDevice.CPU, 1);
        assertSame(first, second);
        assertEquals(2, SharedModels.references(first));

        SharedModels.release(first);
        assertFalse(second.isClosed());
        runOnePair(second);

        SharedModels.release(second);
        assertTrue(first.isClosed());
        assertEquals(0, SharedModels.references(first));

        Wav2LipModel reloaded = SharedModels.acquire(onnx, InferenceDevice.CPU, 1);
        assertNotSame(first, reloaded);
        runOnePair(reloaded);
        SharedModels.release(reloaded);
    }

    @Test
    void shouldKeepSeparateModelsPerDevice() {
        Wav2LipModel cpu = SharedModels.acquire(onnx, InferenceDevice.CPU, 1);
        Wav2LipModel auto = SharedModels.acquire(onnx, InferenceDevice.AUTO, 1);
        try {
            assertNotSame(cpu, auto);
        } finally {
            SharedModels.release(cpu);
            SharedModels.release(auto);
        }
    }

    @Test
    void shouldLetTheFirstUserSetTheRunsAtOnceForTheDevice() {
        Wav2LipModel first = SharedModels.acquire(onnx, InferenceDevice.CPU, 1, 0);
        Wav2LipModel second = SharedModels.acquire(onnx, InferenceDevice.CPU, 1, 4);
        try {
            assertSame(first, second);
            assertEquals(1, first.maxConcurrentRuns(), "auto on the CPU: one run at a time");
        } finally {
            SharedModels.release(first);
            SharedModels.release(second);
        }
        Wav2LipModel explicit = SharedModels.acquire(onnx, InferenceDevice.CPU, 1, 3);
        try {
            assertEquals(3, explicit.maxConcurrentRuns());
        } finally {
            SharedModels.release(explicit);
        }
        assertEquals(2, Wav2LipModel.defaultConcurrentRuns("cuda:0"), "auto on a GPU");
    }

    @Test
    void shouldRefuseAReleaseTooMany() {
        Wav2LipModel model = SharedModels.acquire(onnx, InferenceDevice.CPU, 1);
        SharedModels.release(model);
        assertThrows(IllegalArgumentException.class, () -> SharedModels.release(model));
    }

    @Test
    void shouldNotRegisterAModelThatFailedToLoad() {
        Path missing = dir.resolve("missing.onnx");
        assertThrows(
                java.io.UncheckedIOException.class,
                () -> SharedModels.acquire(missing, InferenceDevice.CPU, 1));
        assertThrows(
                java.io.UncheckedIOException.class,
                () -> SharedModels.acquire(missing, InferenceDevice.CPU, 1));
    }

    private static void runOnePair(Wav2LipModel model) throws InferenceException {
        RandomPairs pairs = RandomPairs.random(1, SIZE, 1);
        FloatBuffer out = Wav2LipModel.directFloats(Wav2LipShapes.outputValues(SIZE));
        model.run(pairs.mel, pairs.face, 1, out);
        pairs.assertReferenceHalf(out, 1);
    }
}
