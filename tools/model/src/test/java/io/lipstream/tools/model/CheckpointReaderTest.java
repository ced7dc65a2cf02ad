package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same Wav2Lip checkpoint, written by Python in four container formats, reads the same. */
class CheckpointReaderTest {
    @TempDir static Path dir;

    private static Path torchZip;

    @BeforeAll
    static void unpack() {
        torchZip = CheckpointFixtures.unpack(CheckpointFixtures.TORCH_ZIP, dir);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                CheckpointFixtures.TORCH_LEGACY,
                CheckpointFixtures.PADDLE,
                CheckpointFixtures.PADDLE_P4
            })
    void shouldReadEveryParameterAsTheTorchZipArchiveHasIt(String fixture) throws Exception {
        Path other = CheckpointFixtures.unpack(fixture, dir);
        try (Checkpoint reference = CheckpointReader.read(torchZip);
                Checkpoint checkpoint = CheckpointReader.read(other)) {
            Wav2LipParameters expected = Wav2LipParameters.match(reference.tensors());
            Wav2LipParameters actual = Wav2LipParameters.match(checkpoint.tensors());
            assertEquals(expected.valueCount(), actual.valueCount());
            int compared = 0;
            for (String name :
                    Wav2LipParameters.expected(Wav2LipParameters.Naming.PYTORCH).keySet()) {
                assertArrayEquals(expected.values(name), actual.values(name), name);
                compared++;
            }
            assertEquals(302, compared);
        }
    }

    @Test
    void shouldUnwrapTheStateDictAndDropTheDataParallelPrefix() throws Exception {
        try (Checkpoint checkpoint = CheckpointReader.read(torchZip)) {
            assertEquals(Checkpoint.Format.TORCH_ZIP, checkpoint.format());
            // 302 parameters and 50 BatchNorm step counters, as Rudrabha/Wav2Lip saves them.
            assertEquals(352, checkpoint.tensors().size());
            assertTrue(
                    checkpoint.tensors().keySet().stream().noneMatch(k -> k.startsWith("module.")));
            assertEquals(
                    List.of(
                            "parameters read from its 'state_dict' entry (the file also holds"
                                    + " [global_epoch, global_step, optimizer])",
                            "removed the 'module.' prefix (torch.nn.DataParallel) from 352 names"),
                    checkpoint.notes());
            CheckpointTensor counter =
                    checkpoint.tensors().get("audio_encoder.0.conv_block.1.num_batches_tracked");
            assertEquals(ElementType.INT64, counter.type());
            assertArrayEquals(new float[] {1000}, counter.toFloats());
        }
    }

    @Test
    void shouldSkipPaddlesNameTable() throws Exception {
        Path pdparams = CheckpointFixtures.unpack(CheckpointFixtures.PADDLE, dir);
        try (Checkpoint checkpoint = CheckpointReader.read(pdparams)) {
            assertEquals(Checkpoint.Format.NUMPY_PICKLE, checkpoint.format());
            assertEquals(302, checkpoint.tensors().size());
            assertEquals(
                    List.of("skipped 1 entries that are not tensors: StructuredToParameterName@@"),
                    checkpoint.notes());
        }
    }
}
