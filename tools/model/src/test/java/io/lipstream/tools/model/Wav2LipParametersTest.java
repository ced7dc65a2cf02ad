package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Matching tensors to the generator, from tensors built in memory. */
class Wav2LipParametersTest {
    /** Rudrabha/Wav2Lip's generator: 51 convs, 50 of them followed by BatchNorm. */
    private static final int PARAMETER_TENSORS = 50 * 6 + 2;

    @Test
    void shouldExpectTheWav2LipParameterNamesAndShapes() {
        Map<String, long[]> expected = Wav2LipParameters.expected(Wav2LipParameters.Naming.PYTORCH);
        assertEquals(PARAMETER_TENSORS, expected.size());
        // Shapes as models/wav2lip.py declares them.
        assertEquals(
                List.of(16L, 6L, 7L, 7L),
                box(expected.get("face_encoder_blocks.0.0.conv_block.0.weight")));
        assertEquals(
                List.of(1024L, 512L, 3L, 3L),
                box(expected.get("face_decoder_blocks.1.0.conv_block.0.weight")));
        assertEquals(List.of(3L, 32L, 1L, 1L), box(expected.get("output_block.1.weight")));
        assertEquals(List.of(256L), box(expected.get("audio_encoder.10.conv_block.1.running_var")));
        long values = 0;
        for (long[] shape : expected.values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            values += n;
        }
        // 36,298,035 trainable parameters plus 2 x 11,376 running statistics.
        assertEquals(36_298_035L + 2 * 11_376L, values);
    }

    @Test
    void shouldFindUntrainedBatchNormLayers() throws Exception {
        Map<String, CheckpointTensor> tensors = tensors(Wav2LipParameters.Naming.PADDLE, 0.5f);
        Wav2LipParameters trained = Wav2LipParameters.match(tensors);
        assertEquals(List.of(), trained.initialStatistics());

        String layer = "face_decoder_blocks.3.1.conv_block.1.";
        tensors.put(layer + "_mean", constant(0f, 384));
        tensors.put(layer + "_variance", constant(1f, 384));
        assertEquals(
                List.of("face_decoder_blocks.3.1"),
                Wav2LipParameters.match(tensors).initialStatistics());

        Map<String, CheckpointTensor> fresh = tensors(Wav2LipParameters.Naming.PADDLE, 0f);
        fresh.replaceAll(
                (name, t) -> name.endsWith("_variance") ? constant(1f, (int) t.elementCount()) : t);
        assertEquals(50, Wav2LipParameters.match(fresh).initialStatistics().size());
    }

    @Test
    void shouldRefuseIntegerParameters() {
        Map<String, CheckpointTensor> tensors = tensors(Wav2LipParameters.Naming.PYTORCH, 0.5f);
        long[] shape = {3};
        ByteBuffer bytes = ByteBuffer.allocate(3 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        tensors.put(
                "output_block.1.bias",
                new CheckpointTensor(
                        ElementType.INT64,
                        shape,
                        CheckpointTensor.contiguousStrides(shape),
                        0,
                        storage(bytes, 3)));
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> Wav2LipParameters.match(tensors));
        assertTrue(
                e.getMessage()
                        .contains("wrong type: output_block.1.bias is int64, expected a floating"),
                e.getMessage());
    }

    /** Every parameter, each filled with {@code value}. */
    private static Map<String, CheckpointTensor> tensors(
            Wav2LipParameters.Naming naming, float value) {
        Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
        Wav2LipParameters.expected(naming)
                .forEach(
                        (name, shape) -> {
                            long n = 1;
                            for (long d : shape) {
                                n *= d;
                            }
                            tensors.put(name, constant(value, (int) n, shape));
                        });
        return tensors;
    }

    private static CheckpointTensor constant(float value, int count, long... shape) {
        long[] dims = shape.length == 0 ? new long[] {count} : shape;
        // A single stored value viewed with stride 0, as torch's expand() saves it.
        ByteBuffer one = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        one.putFloat(0, value);
        return new CheckpointTensor(
                ElementType.FLOAT32, dims, new long[dims.length], 0, storage(one, 1));
    }

    private static CheckpointTensor.Storage storage(ByteBuffer bytes, long elements) {
        return new CheckpointTensor.Storage() {
            @Override
            public String describe() {
                return "test storage";
            }

            @Override
            public long elements() {
                return elements;
            }

            @Override
            public ByteBuffer bytes() {
                return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    private static List<Long> box(long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
