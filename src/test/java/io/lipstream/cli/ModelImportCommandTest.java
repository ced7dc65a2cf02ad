package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.tools.model.CheckpointFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lipsync model import} on checkpoints written by make_checkpoints.py. */
class ModelImportCommandTest {
    @TempDir static Path fixtures;
    @TempDir Path dir;

    /** What one run printed and returned. */
    private record Run(int exit, String out, String err) {}

    @Test
    void shouldImportAPaddleCheckpointThatInspectThenBindsWithAFixedBatch() {
        Path pdparams = CheckpointFixtures.unpack(CheckpointFixtures.PADDLE_P4, fixtures);
        Path onnx = dir.resolve("wav2lip.onnx");
        Run r =
                lipsync(
                        "model",
                        "import",
                        pdparams.toString(),
                        "--out",
                        onnx.toString(),
                        "--batch",
                        "128",
                        "--check-pairs",
                        "1");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(
                r.out().contains("PaddlePaddle names (PaddleGAN): 302 parameter tensors"), r.out());
        assertTrue(
                r.out()
                        .contains(
                                "skipped 1 entries that are not tensors: StructuredToParameterName@@"),
                r.out());
        assertTrue(r.out().contains("batch fixed at 128, float32 weights"), r.out());
        assertTrue(
                r.out().matches("(?s).*checked   largest absolute difference .* PASS.*"), r.out());

        Run inspect = lipsync("model", "inspect", onnx.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("producer    lipstream model import"), inspect.out());
        assertTrue(inspect.out().contains("batch       fixed at 128"), inspect.out());
        assertTrue(inspect.out().contains("parameters  36,275,283"), inspect.out());
    }

    @Test
    void shouldExitTwoListingWhatDoesNotMatch() {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.WRONG_SHAPE, fixtures);
        Path onnx = dir.resolve("wrong.onnx");
        Run r = lipsync("model", "import", pth.toString(), "--out", onnx.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("does not match the Wav2Lip generator"), r.err());
        assertTrue(
                r.err()
                        .contains(
                                "  wrong shape: face_decoder_blocks.2.0.conv_block.0.weight is"
                                        + " [512, 1024, 3, 3], expected [1024, 512, 3, 3]"),
                r.err());
        assertTrue(r.err().contains("  unexpected: audio_encoder.13.conv_block.0.weight"), r.err());
        assertFalse(Files.exists(onnx));
    }

    @Test
    void shouldExitTwoForAFileThatIsNotACheckpoint() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.pth"), "not a checkpoint");
        Run r =
                lipsync(
                        "model",
                        "import",
                        text.toString(),
                        "--out",
                        dir.resolve("m.onnx").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("is neither a zip archive nor a pickle"), r.err());

        Path missing = dir.resolve("missing.pth");
        r =
                lipsync(
                        "model",
                        "import",
                        missing.toString(),
                        "--out",
                        dir.resolve("m.onnx").toString());
        assertEquals(2, r.exit());
        assertEquals("lipsync: checkpoint not found: " + missing, r.err().strip());
    }

    @Test
    void shouldRefuseAFaceSizeOtherThanNinetySix() {
        Path pth = CheckpointFixtures.unpack(CheckpointFixtures.WRONG_SHAPE, fixtures);
        Run r =
                lipsync(
                        "model",
                        "import",
                        pth.toString(),
                        "--out",
                        dir.resolve("m.onnx").toString(),
                        "--face-size",
                        "192");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("defined for 96x96 faces"), r.err());
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
