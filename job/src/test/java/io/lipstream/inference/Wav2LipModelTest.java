package io.lipstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import io.lipstream.tools.model.RandomPairs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Wav2LipModelTest {
    private static final int SIZE = Wav2LipShapes.FACE_SIZE;
    private static final int THREADS = 1;

    @TempDir Path dir;

    @Test
    void shouldBindInputsByShapeWhateverTheirNamesAndOrder() throws Exception {
        Path onnx = synth(Arch.IDENTITY_EXPORT_NAMES, null, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            assertEquals(
                    new ModelSignature(
                            "audio_sequences",
                            "face_sequences",
                            "output",
                            SIZE,
                            OptionalInt.empty()),
                    model.signature());
            RandomPairs pairs = RandomPairs.random(3, SIZE, 7);
            FloatBuffer out = Wav2LipModel.directFloats(3 * Wav2LipShapes.outputValues(SIZE));
            model.run(pairs.mel, pairs.face, 3, out);
            pairs.assertReferenceHalf(out, 3);
        }
    }

    @Test
    void shouldRefuseSixChannelOutputNamingExpectedAndFoundShapes() throws Exception {
        Path onnx = synth(Arch.SIX_CHANNEL_OUTPUT, null, SIZE);
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () -> Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS));
        assertEquals(
                "model output generated has shape [B,6,96,96]; expected [B,3,96,96]"
                        + " (Wav2Lip's generated face, 3 BGR channels)",
                e.getMessage());
    }

    @Test
    void shouldReportFixedBatchOfAFixedExport() throws Exception {
        Path onnx = synth(Arch.IDENTITY, 128, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            assertEquals(OptionalInt.of(128), model.signature().fixedBatch());
            assertEquals("mel", model.signature().melInput());
            assertEquals("face", model.signature().faceInput());
            assertEquals("generated", model.signature().output());
        }
    }

    @ParameterizedTest(name = "{0} pairs")
    @ValueSource(ints = {1, 127, 128, 300})
    void shouldReturnEachPairsReferenceHalfOnAFixedBatchOf128(int n) throws Exception {
        Path onnx = synth(Arch.IDENTITY, 128, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            runTwiceAndCheck(model, n);
        }
    }

    @ParameterizedTest(name = "{0} pairs")
    @ValueSource(ints = {1, 127, 128, 300})
    void shouldReturnEachPairsReferenceHalfOnADynamicBatch(int n) throws Exception {
        Path onnx = synth(Arch.IDENTITY, null, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            runTwiceAndCheck(model, n);
        }
    }

    /** Two different inputs in a row, so padding left over from the first cannot leak. */
    private static void runTwiceAndCheck(Wav2LipModel model, int n) throws Exception {
        for (long seed : new long[] {1, 2}) {
            RandomPairs pairs = RandomPairs.random(n, SIZE, seed + n);
            FloatBuffer out = Wav2LipModel.directFloats(n * Wav2LipShapes.outputValues(SIZE));
            model.run(pairs.mel, pairs.face, n, out);
            pairs.assertReferenceHalf(out, n);
        }
    }

    @Test
    void shouldFillAHeapOutputBufferToo() throws Exception {
        Path onnx = synth(Arch.IDENTITY, 4, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            RandomPairs pairs = RandomPairs.random(6, SIZE, 3);
            FloatBuffer out = FloatBuffer.allocate(6 * Wav2LipShapes.outputValues(SIZE));
            model.run(pairs.mel, pairs.face, 6, out);
            pairs.assertReferenceHalf(out, 6);
        }
    }

    @ParameterizedTest(name = "face size {0}")
    @ValueSource(ints = {192, 256, 288})
    void shouldBindLargerFaceSizes(int size) throws Exception {
        Path onnx = synth(Arch.IDENTITY, null, size);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            assertEquals(size, model.faceSize());
            RandomPairs pairs = RandomPairs.random(2, size, 5);
            FloatBuffer out = Wav2LipModel.directFloats(2 * Wav2LipShapes.outputValues(size));
            model.run(pairs.mel, pairs.face, 2, out);
            pairs.assertReferenceHalf(out, 2);
        }
    }

    @Test
    void shouldRefuseBuffersTooSmallForThePairCount() throws Exception {
        Path onnx = synth(Arch.IDENTITY, null, SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS)) {
            RandomPairs pairs = RandomPairs.random(2, SIZE, 1);
            FloatBuffer out = Wav2LipModel.directFloats(Wav2LipShapes.outputValues(SIZE));
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> model.run(pairs.mel, pairs.face, 2, out));
            assertTrue(e.getMessage().startsWith("out buffer holds 27648 floats"), e.getMessage());
        }
    }

    @Test
    void shouldThrowUncheckedIoForAMissingFile() {
        assertThrows(
                UncheckedIOException.class,
                () -> Wav2LipModel.load(dir.resolve("absent.onnx"), InferenceDevice.CPU, THREADS));
    }

    @Test
    void shouldRejectAFileThatIsNotOnnx() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "this is not a model");
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () -> Wav2LipModel.load(junk, InferenceDevice.CPU, THREADS));
        assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    @Test
    void shouldRunOnCpuWithoutTouchingCudaWhenNoGpuIsVisible() throws Exception {
        assumeFalse(NvidiaGpus.visible(), "this machine has an NVIDIA GPU");
        Path onnx = synth(Arch.IDENTITY, null, SIZE);
        try (Wav2LipModel auto = Wav2LipModel.load(onnx, InferenceDevice.AUTO, THREADS);
                Wav2LipModel cuda =
                        Wav2LipModel.load(onnx, InferenceDevice.parse("cuda:0"), THREADS)) {
            assertEquals("cpu", auto.deviceInUse());
            assertTrue(auto.fallbackReason().isEmpty());
            assertEquals("cpu", cuda.deviceInUse());
            assertTrue(
                    cuda.fallbackReason().orElseThrow().contains("no NVIDIA GPU"),
                    cuda.fallbackReason().toString());
        }
    }

    @Test
    void shouldRefuseRunsAfterClose() throws Exception {
        Path onnx = synth(Arch.IDENTITY, null, SIZE);
        Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, THREADS);
        model.close();
        RandomPairs pairs = RandomPairs.random(1, SIZE, 1);
        FloatBuffer out = Wav2LipModel.directFloats(Wav2LipShapes.outputValues(SIZE));
        assertThrows(IllegalStateException.class, () -> model.run(pairs.mel, pairs.face, 1, out));
    }

    private Path synth(Arch arch, Integer batch, int size) throws IOException {
        Path onnx = dir.resolve(arch + "-" + batch + "-" + size + ".onnx");
        ModelSynth.write(onnx, arch, batch, size, 0);
        return onnx;
    }

    /** Random pairs and the output an identity model must give for them. */
}
