package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.InferenceException;
import io.lipstream.inference.ModelSignature;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.tools.model.ModelSynth.Arch;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthesized Wav2Lip generator: size, shape and behaviour of an untrained Wav2Lip. */
class Wav2LipSynthTest {
    /** The published generator has 36.3 M parameters (docs/architecture.md, "Cost"). */
    private static final long PUBLISHED_MIN = 36_000_000;

    private static final long PUBLISHED_MAX = 36_600_000;

    private static final int PAIRS = 2;
    private static final int SIZE = Wav2LipShapes.FACE_SIZE;

    @TempDir static Path dir;
    private static Path onnx;

    @BeforeAll
    static void synthesize() throws IOException {
        onnx = dir.resolve("wav2lip.onnx");
        ModelSynth.write(onnx, Arch.WAV2LIP, null, SIZE, 42);
    }

    @Test
    void shouldHoldAboutTheThirtySixPointThreeMillionParametersOfWav2Lip() throws IOException {
        OnnxModelReader.Model model = OnnxModelReader.read(onnx);
        long inGraph = model.parameterCount();
        // The graph holds BatchNorm folded into the convs, so it counts the conv weights and
        // biases only; PyTorch's count adds each BatchNorm's scale and shift.
        assertTrue(
                inGraph > PUBLISHED_MIN && inGraph < PUBLISHED_MAX,
                "parameters in the graph: " + inGraph);
        long original = ModelSynth.parameterCount(Arch.WAV2LIP);
        assertTrue(
                original > PUBLISHED_MIN && original < PUBLISHED_MAX,
                "parameters before folding: " + original);
        assertEquals(ModelSynth.foldedParameterCount(Arch.WAV2LIP), inGraph);
        assertTrue(original > inGraph, "folding removes the BatchNorm parameters");
    }

    @Test
    void shouldLoadWithWav2LipsSignature() {
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 2)) {
            assertEquals(
                    new ModelSignature("mel", "face", "generated", SIZE, OptionalInt.empty()),
                    model.signature());
        }
    }

    @Test
    void shouldGiveValuesStrictlyBetweenZeroAndOneThatRepeatRunToRun() throws Exception {
        float[] first;
        float[] second;
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 2)) {
            first = run(model, 1);
            second = run(model, 1);
        }
        assertArrayEquals(first, second);
        float min = 1;
        float max = 0;
        for (float v : first) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min > 0 && max < 1, "output range [" + min + ", " + max + "]");
        // Not saturated and not constant: the sigmoid sees activations of order one.
        assertTrue(max - min > 0.05, "output range [" + min + ", " + max + "]");
    }

    @Test
    void shouldDependOnTheAudio() throws Exception {
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 2)) {
            assertFalse(java.util.Arrays.equals(run(model, 1), run(model, 2)));
        }
    }

    @Test
    void shouldWriteTheSameWeightsForTheSameSeedAndOthersForAnother() throws IOException {
        Path again = dir.resolve("again.onnx");
        Path other = dir.resolve("other.onnx");
        ModelSynth.write(again, Arch.WAV2LIP, null, SIZE, 42);
        ModelSynth.write(other, Arch.WAV2LIP, null, SIZE, 43);
        String sha = OnnxModelReader.read(onnx).weightsSha256();
        assertEquals(sha, OnnxModelReader.read(again).weightsSha256());
        assertNotEquals(sha, OnnxModelReader.read(other).weightsSha256());
    }

    @Test
    void shouldRefuseFaceSizesOtherThan96ForWav2Lip() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelSynth.write(dir.resolve("x.onnx"), Arch.WAV2LIP, null, 192, 0));
    }

    /** Runs two pairs whose mel windows come from {@code melSeed}, with fixed faces. */
    private static float[] run(Wav2LipModel model, long melSeed) throws InferenceException {
        RandomPairs faces = RandomPairs.random(PAIRS, SIZE, 99);
        RandomPairs audio = RandomPairs.random(PAIRS, SIZE, melSeed);
        FloatBuffer out = Wav2LipModel.directFloats(PAIRS * Wav2LipShapes.outputValues(SIZE));
        model.run(audio.mel, faces.face, PAIRS, out);
        float[] values = new float[out.capacity()];
        out.get(0, values);
        return values;
    }
}
