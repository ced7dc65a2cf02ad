package io.lipstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lipstream.inference.SignatureBinder.Tensor;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SignatureBinderTest {
    private static final long B = SignatureBinder.DYNAMIC;

    @Test
    void shouldBindTheSeedsFixedBatchExport() {
        ModelSignature s =
                SignatureBinder.bind(
                        List.of(tensor("x0", 128, 1, 80, 16), tensor("x1", 128, 6, 96, 96)),
                        List.of(tensor("y", 128, 3, 96, 96)));
        assertEquals(new ModelSignature("x0", "x1", "y", 96, OptionalInt.of(128)), s);
    }

    @Test
    void shouldTakeTheFixedBatchWhenOnlyOneInputFixesIt() {
        ModelSignature s =
                SignatureBinder.bind(
                        List.of(tensor("target", 8, 6, 96, 96), tensor("source", B, 1, 80, 16)),
                        List.of(tensor("out", B, 3, 96, 96)));
        assertEquals(new ModelSignature("source", "target", "out", 96, OptionalInt.of(8)), s);
    }

    @Test
    void shouldPickTheThreeChannelOutputAmongSeveral() {
        ModelSignature s =
                SignatureBinder.bind(
                        List.of(tensor("mel", B, 1, 80, 16), tensor("face", B, 6, 96, 96)),
                        List.of(tensor("features", B, 512, 1, 1), tensor("img", B, 3, 96, 96)));
        assertEquals("img", s.output());
    }

    @Test
    void shouldRejectDifferentFixedBatchesOnTheInputs() {
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () ->
                                SignatureBinder.bind(
                                        List.of(
                                                tensor("mel", 4, 1, 80, 16),
                                                tensor("face", 8, 6, 96, 96)),
                                        List.of(tensor("out", B, 3, 96, 96))));
        assertEquals(
                "model inputs mel [4,1,80,16], face [8,6,96,96] have different fixed batches;"
                        + " expected the same batch on both",
                e.getMessage());
    }

    @Test
    void shouldRejectAnInputWithTheWrongMelWindowNamingBoth() {
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () ->
                                SignatureBinder.bind(
                                        List.of(
                                                tensor("mel", B, 1, 80, 20),
                                                tensor("face", B, 6, 96, 96)),
                                        List.of(tensor("out", B, 3, 96, 96))));
        assertEquals(
                "model inputs mel [B,1,80,20], face [B,6,96,96] do not match Wav2Lip's;"
                        + " expected two float inputs, a mel window [B,1,80,16] (80 mel bands x"
                        + " 16 columns) and a face [B,6,S,S] (masked + reference BGR face), under"
                        + " any names and in any order",
                e.getMessage());
    }

    @Test
    void shouldRejectAThirdInput() {
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () ->
                                SignatureBinder.bind(
                                        List.of(
                                                tensor("mel", B, 1, 80, 16),
                                                tensor("face", B, 6, 96, 96),
                                                tensor("speaker", B, 1, 1, 1)),
                                        List.of(tensor("out", B, 3, 96, 96))));
        assertEquals(
                "model has 3 inputs (mel [B,1,80,16], face [B,6,96,96], speaker [B,1,1,1])",
                e.getMessage().substring(0, e.getMessage().indexOf(';')));
    }

    @Test
    void shouldRejectAnOutputAtAnotherFaceSize() {
        ModelRejectedException e =
                assertThrows(
                        ModelRejectedException.class,
                        () ->
                                SignatureBinder.bind(
                                        List.of(
                                                tensor("mel", 128, 1, 80, 16),
                                                tensor("face", 128, 6, 96, 96)),
                                        List.of(tensor("out", 128, 3, 192, 192))));
        assertEquals(
                "model output out has shape [128,3,192,192]; expected [128,3,96,96]"
                        + " (Wav2Lip's generated face, 3 BGR channels)",
                e.getMessage());
    }

    private static Tensor tensor(String name, long... shape) {
        return new Tensor(name, shape, true);
    }
}
