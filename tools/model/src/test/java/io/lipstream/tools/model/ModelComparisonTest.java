package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.tools.model.ModelSynth.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelComparisonTest {
    /** Golden arrays written by tools/model/src/test/python/make_identity_reference.py. */
    static final String REFERENCE = "/io/lipstream/tools/model/reference/identity8/";

    private static final int REFERENCE_FACE_SIZE = 8;

    @TempDir Path dir;

    @Test
    void shouldFindNoDifferenceBetweenTwoExportsOfTheSameFunction() throws Exception {
        Path a = synth(Arch.IDENTITY, 128, Wav2LipShapes.FACE_SIZE);
        Path b = synth(Arch.IDENTITY_EXPORT_NAMES, null, Wav2LipShapes.FACE_SIZE);
        try (Wav2LipModel first = Wav2LipModel.load(a, InferenceDevice.CPU, 1);
                Wav2LipModel second = Wav2LipModel.load(b, InferenceDevice.CPU, 1)) {
            ModelComparison.Difference d = ModelComparison.compare(first, second, 5, 1);
            assertEquals(0.0, d.maxAbs());
            assertEquals(5, d.pairs());
        }
    }

    @Test
    void shouldMatchTheNumpyReferenceOutputs() throws Exception {
        Path reference = copyReference(dir.resolve("ref"));
        Path onnx = synth(Arch.IDENTITY, null, REFERENCE_FACE_SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 1)) {
            ModelComparison.Difference d = ModelComparison.againstReference(model, reference);
            assertEquals(0.0, d.maxAbs());
            assertEquals(2, d.pairs());
        }
    }

    @Test
    void shouldRefuseReferenceArraysOfAnotherFaceSize() throws Exception {
        Path reference = copyReference(dir.resolve("ref"));
        Path onnx = synth(Arch.IDENTITY, null, Wav2LipShapes.FACE_SIZE);
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 1)) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> ModelComparison.againstReference(model, reference));
            assertEquals(
                    "face.npy has shape [2, 6, 8, 8]; expected [2, 6, 96, 96] for this model",
                    e.getMessage());
        }
    }

    @Test
    void shouldRefuseNpyFilesThatAreNotFloat32() throws IOException {
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
        byte[] preamble = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0};
        Path file = dir.resolve("f8.npy");
        Files.write(file, preamble);
        Files.writeString(
                file, header, StandardCharsets.ISO_8859_1, java.nio.file.StandardOpenOption.APPEND);
        Files.write(file, new byte[8], java.nio.file.StandardOpenOption.APPEND);
        IOException e = assertThrows(IOException.class, () -> Npy.readFloat32(file));
        assertTrue(
                e.getMessage().endsWith("holds dtype '<f8'; expected float32 ('<f4')"),
                e.getMessage());
    }

    /** Copies the golden reference folder out of the test classpath. */
    static Path copyReference(Path target) throws IOException {
        Files.createDirectories(target);
        for (String name :
                new String[] {
                    ModelComparison.MEL_FILE,
                    ModelComparison.FACE_FILE,
                    ModelComparison.EXPECTED_FILE
                }) {
            try (InputStream in = ModelComparisonTest.class.getResourceAsStream(REFERENCE + name)) {
                Files.copy(in, target.resolve(name));
            }
        }
        return target;
    }

    private Path synth(Arch arch, Integer batch, int size) throws IOException {
        Path onnx = dir.resolve(arch + "-" + batch + "-" + size + ".onnx");
        ModelSynth.write(onnx, arch, batch, size, 0);
        return onnx;
    }
}
