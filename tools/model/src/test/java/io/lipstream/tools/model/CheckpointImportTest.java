package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.ModelSignature;
import io.lipstream.inference.Wav2LipModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import onnx.Onnx.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Importing full-size Wav2Lip checkpoints written by Python (make_checkpoints.py): both formats
 * import and their ONNX output matches the NumPy oracle; broken checkpoints are refused with the
 * list of differences and nothing is written.
 */
class CheckpointImportTest {
    /** Issue 8: imported float32 models agree with a reference forward pass within 1e-4. */
    private static final double FP32_TOLERANCE = 1e-4;

    @TempDir static Path fixtures;
    @TempDir Path dir;

    @Test
    void shouldImportTheTorchCheckpointAndReproduceTheNumpyOracle() throws Exception {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.TORCH_ZIP, fixtures);
        Path onnx = dir.resolve("wav2lip.onnx");
        CheckpointImport.Result r =
                CheckpointImport.run(pth, onnx, CheckpointImport.Options.defaults());
        assertEquals(Checkpoint.Format.TORCH_ZIP, r.format());
        assertEquals(Wav2LipParameters.Naming.PYTORCH, r.naming());
        assertTrue(r.maxDifference() <= FP32_TOLERANCE, "against the Java reference: " + r);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 0)) {
            assertEquals(
                    new ModelSignature("mel", "face", "generated", 96, OptionalInt.empty()),
                    model.signature());
            ModelComparison.Difference d =
                    ModelComparison.againstReference(model, CheckpointFixtures.oracle(dir));
            assertTrue(d.maxAbs() <= FP32_TOLERANCE, "against the NumPy oracle: " + d);
        }
    }

    @Test
    void shouldImportThePaddleCheckpointWithAFixedBatch() throws Exception {
        Path pdparams = CheckpointFixtures.unpack(CheckpointFixtures.PADDLE, fixtures);
        Path onnx = dir.resolve("paddle.onnx");
        CheckpointImport.Result r =
                CheckpointImport.run(
                        pdparams,
                        onnx,
                        CheckpointImport.Options.defaults().withBatch(2).withCheckPairs(1));
        assertEquals(Checkpoint.Format.NUMPY_PICKLE, r.format());
        assertEquals(Wav2LipParameters.Naming.PADDLE, r.naming());
        assertTrue(r.maxDifference() <= FP32_TOLERANCE, "against the Java reference: " + r);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 0)) {
            assertEquals(OptionalInt.of(2), model.signature().fixedBatch());
            ModelComparison.Difference d =
                    ModelComparison.againstReference(model, CheckpointFixtures.oracle(dir));
            assertTrue(d.maxAbs() <= FP32_TOLERANCE, "against the NumPy oracle: " + d);
        }
    }

    @Test
    void shouldRefuseAMissingLayerListingEveryMissingParameter() throws Exception {
        Path pdparams = CheckpointFixtures.unpack(CheckpointFixtures.MISSING_LAYER, fixtures);
        Path onnx = dir.resolve("missing.onnx");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () ->
                                CheckpointImport.run(
                                        pdparams, onnx, CheckpointImport.Options.defaults()));
        String m = e.getMessage();
        assertTrue(m.contains("6 missing, 0 unexpected, 0 with the wrong shape"), m);
        for (String p :
                new String[] {
                    "conv_block.0.weight [384, 384, 3, 3]",
                    "conv_block.0.bias [384]",
                    "conv_block.1.weight [384]",
                    "conv_block.1.bias [384]",
                    "conv_block.1._mean [384]",
                    "conv_block.1._variance [384]"
                }) {
            assertTrue(m.contains("missing: face_decoder_blocks.3.1." + p), p + " in " + m);
        }
        assertFalse(Files.exists(onnx));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing left in the output folder");
        }
    }

    @Test
    void shouldRefuseWrongShapesAndUnexpectedTensorsLeavingAnExistingModelAlone() throws Exception {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.WRONG_SHAPE, fixtures);
        Path onnx = dir.resolve("existing.onnx");
        Files.write(onnx, new byte[] {1, 2, 3});
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> CheckpointImport.run(pth, onnx, CheckpointImport.Options.defaults()));
        String m = e.getMessage();
        assertTrue(m.contains("0 missing, 1 unexpected, 1 with the wrong shape"), m);
        assertTrue(
                m.contains(
                        "wrong shape: face_decoder_blocks.2.0.conv_block.0.weight is"
                                + " [512, 1024, 3, 3], expected [1024, 512, 3, 3]"),
                m);
        assertTrue(
                m.contains("unexpected: audio_encoder.13.conv_block.0.weight [512, 512, 1, 1]"), m);
        assertEquals(List.of(onnx), list(dir));
        assertEquals(3, Files.size(onnx), "the existing file is untouched");
    }

    @Test
    void shouldRefuseUntrainedBatchNormUnlessAllowed() throws Exception {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.UNTRAINED_BATCHNORM, fixtures);
        Path onnx = dir.resolve("untrained.onnx");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> CheckpointImport.run(pth, onnx, CheckpointImport.Options.defaults()));
        assertTrue(
                e.getMessage()
                        .contains(
                                "50 of 50 BatchNorm layers hold their initial running statistics"),
                e.getMessage());
        assertEquals(List.of(), list(dir));

        CheckpointImport.Result r =
                CheckpointImport.run(
                        pth,
                        onnx,
                        CheckpointImport.Options.defaults()
                                .withAllowInitialStatistics(true)
                                .withCheckPairs(1));
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.maxDifference() <= FP32_TOLERANCE, r.toString());
        assertTrue(Files.exists(onnx));
    }

    @Test
    void shouldImportWithFloat16WeightsWithinTheHalfPrecisionTolerance() throws Exception {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.TORCH_LEGACY, fixtures);
        Path onnx = dir.resolve("fp16.onnx");
        CheckpointImport.Result r =
                CheckpointImport.run(
                        pth,
                        onnx,
                        CheckpointImport.Options.defaults().withFp16(true).withCheckPairs(1));
        System.out.println("fp16 import: " + r);
        assertEquals(Checkpoint.Format.TORCH_LEGACY, r.format());
        assertTrue(r.maxDifference() <= CheckpointImport.FP16_TOLERANCE, r.toString());
        OnnxModelReader.Model model = OnnxModelReader.read(onnx);
        assertTrue(
                model.initializers().stream()
                        .allMatch(i -> i.dataType() == TensorProto.DataType.FLOAT16_VALUE),
                "every weight is float16");
        assertTrue(r.modelBytes() < r.modelParameters() * 2 + 1_000_000, "half the bytes: " + r);
        try (Wav2LipModel loaded = Wav2LipModel.load(onnx, InferenceDevice.CPU, 0)) {
            ModelComparison.Difference d =
                    ModelComparison.againstReference(loaded, CheckpointFixtures.oracle(dir));
            System.out.println("fp16 against the NumPy oracle: " + d);
            assertTrue(d.maxAbs() <= CheckpointImport.FP16_TOLERANCE, d.toString());
        }
    }

    private static List<Path> list(Path folder) throws java.io.IOException {
        try (var files = Files.list(folder)) {
            return files.toList();
        }
    }
}
