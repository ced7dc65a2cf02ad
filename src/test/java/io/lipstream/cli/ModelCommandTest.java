package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelCommandTest {
    /** Golden arrays of the job module's tests (make_identity_reference.py), face size 8. */
    private static final String REFERENCE = "/io/lipstream/tools/model/reference/identity8/";

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path wav2lip;
    private static Path wav2lipOtherSeed;

    /** What one run printed and returned. */
    private record Run(int exit, String out, String err) {}

    @BeforeAll
    static void synthesize() throws IOException {
        wav2lip = shared.resolve("wav2lip.onnx");
        wav2lipOtherSeed = shared.resolve("wav2lip-seed2.onnx");
        ModelSynth.write(wav2lip, Arch.WAV2LIP, null, 96, 1);
        ModelSynth.write(wav2lipOtherSeed, Arch.WAV2LIP, null, 96, 2);
    }

    @Test
    void shouldInspectShapesBindingAndUntrainedWeights() {
        Run r = lipsync("model", "inspect", wav2lip.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("mel [batch,1,80,16]"), r.out());
        assertTrue(r.out().contains("face [batch,6,96,96]"), r.out());
        assertTrue(r.out().contains("generated [batch,3,96,96]"), r.out());
        assertTrue(r.out().contains("<- mel window"), r.out());
        assertTrue(r.out().contains("<- face"), r.out());
        assertTrue(r.out().contains("batch       dynamic"), r.out());
        assertTrue(r.out().contains("face size   96x96"), r.out());
        assertTrue(r.out().contains("opset 17"), r.out());
        assertTrue(r.out().matches("(?s).*weights     sha256 [0-9a-f]{64}.*"), r.out());
        assertTrue(r.out().contains("warning: weights look untrained"), r.out());
    }

    @Test
    void shouldInspectAFixedBatchExportWithRenamedInputs() throws IOException {
        Path onnx = dir.resolve("export.onnx");
        ModelSynth.write(onnx, Arch.IDENTITY_EXPORT_NAMES, 128, 96, 0);
        Run r = lipsync("model", "inspect", onnx.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(
                r.out().matches("(?s).*audio_sequences \\[128,1,80,16] +float32 +<- mel.*"),
                r.out());
        assertTrue(
                r.out().matches("(?s).*face_sequences +\\[128,6,96,96] +float32 +<- face.*"),
                r.out());
        assertTrue(r.out().contains("batch       fixed at 128"), r.out());
    }

    @Test
    void shouldExitTwoWithTheRefusalForAWrongOutput() throws IOException {
        Path onnx = dir.resolve("six.onnx");
        ModelSynth.write(onnx, Arch.SIX_CHANNEL_OUTPUT, null, 96, 0);
        Run r = lipsync("model", "inspect", onnx.toString());
        assertEquals(2, r.exit());
        assertEquals(
                "lipsync: model output generated has shape [B,6,96,96]; expected [B,3,96,96]"
                        + " (Wav2Lip's generated face, 3 BGR channels)",
                r.err().strip());
    }

    @Test
    void shouldExitTwoWithOneLineForAMissingFile() {
        Path missing = dir.resolve("missing.onnx");
        for (String[] args :
                new String[][] {
                    {"model", "inspect", missing.toString()},
                    {"model", "verify", missing.toString(), "--against", wav2lip.toString()}
                }) {
            Run r = lipsync(args);
            assertEquals(2, r.exit());
            assertEquals("lipsync: model file not found: " + missing, r.err().strip());
        }
    }

    @Test
    void shouldPassVerifyingAFixedBatchExportAgainstTheModelItCameFrom() throws IOException {
        // The same weights (same seed) in another file: batch fixed at 4, so the 3 pairs are
        // padded; verify must run both and find them equal.
        Path fixed = dir.resolve("wav2lip-batch4.onnx");
        ModelSynth.write(fixed, Arch.WAV2LIP, 4, 96, 1);
        Run r =
                lipsync(
                        "model",
                        "verify",
                        fixed.toString(),
                        "--against",
                        wav2lip.toString(),
                        "--batch",
                        "3");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("over 3 pairs"), r.out());
        assertTrue(r.out().strip().endsWith("PASS"), r.out());
    }

    @Test
    void shouldPassVerifyingAnExportWithRenamedAndReorderedInputs() throws IOException {
        // face_sequences first, audio_sequences second: bound by shape, the outputs agree.
        Path identity = dir.resolve("identity.onnx");
        Path exported = dir.resolve("identity-export.onnx");
        ModelSynth.write(identity, Arch.IDENTITY, null, 96, 0);
        ModelSynth.write(exported, Arch.IDENTITY_EXPORT_NAMES, null, 96, 0);
        Run r =
                lipsync(
                        "model",
                        "verify",
                        exported.toString(),
                        "--against",
                        identity.toString(),
                        "--batch",
                        "2");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("largest absolute difference 0.00"), r.out());
        assertTrue(r.out().strip().endsWith("PASS"), r.out());
    }

    @Test
    void shouldFailWithExitOneAgainstAnotherSeed() {
        Run r =
                lipsync(
                        "model",
                        "verify",
                        wav2lip.toString(),
                        "--against",
                        wav2lipOtherSeed.toString(),
                        "--batch",
                        "2",
                        "--tolerance",
                        "1e-3");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().strip().endsWith("FAIL"), r.out());
    }

    @Test
    void shouldVerifyAgainstReferenceArrays() throws IOException {
        Path reference = Files.createDirectories(dir.resolve("reference"));
        for (String name : new String[] {"mel.npy", "face.npy", "expected.npy"}) {
            try (InputStream in = getClass().getResourceAsStream(REFERENCE + name)) {
                Files.copy(in, reference.resolve(name));
            }
        }
        Path onnx = dir.resolve("identity8.onnx");
        assertEquals(
                0,
                lipsync(
                                "model",
                                "synth",
                                "--arch",
                                "identity",
                                "--face-size",
                                "8",
                                "--out",
                                onnx.toString())
                        .exit());
        Run r = lipsync("model", "verify", onnx.toString(), "--reference", reference.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("over 2 pairs"), r.out());
        assertTrue(r.out().strip().endsWith("PASS"), r.out());
    }

    @Test
    void shouldSynthesizeALoadableModel() {
        Path onnx = dir.resolve("identity.onnx");
        Run r =
                lipsync(
                        "model",
                        "synth",
                        "--arch",
                        "identity",
                        "--batch",
                        "128",
                        "--face-size",
                        "192",
                        "--out",
                        onnx.toString());
        assertEquals(0, r.exit(), r.err());
        try (Wav2LipModel model = Wav2LipModel.load(onnx, InferenceDevice.CPU, 1)) {
            assertEquals(192, model.faceSize());
            assertEquals(OptionalInt.of(128), model.signature().fixedBatch());
        }
    }

    @Test
    void shouldExitTwoForAnUnknownArch() {
        Run r = lipsync("model", "synth", "--arch", "unet", "--out", dir.resolve("x").toString());
        assertEquals(2, r.exit());
        assertEquals(
                "lipsync: unknown --arch 'unet'; expected one of identity, wav2lip,"
                        + " identity-export-names, six-channel-output",
                r.err().strip());
    }

    @Test
    void shouldOfferHelpOnEveryModelCommand() {
        for (String sub : new String[] {"inspect", "verify", "synth", "import"}) {
            Run r = lipsync("model", sub, "--help");
            assertEquals(0, r.exit());
            assertTrue(r.out().startsWith("Usage: lipsync model " + sub), r.out());
        }
    }

    private static Run lipsync(String... args) {
        CommandLine cli = Lipsync.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
