package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.faces.OnnxFaceDetector.ChannelOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxFaceDetectorTest {

    private static final int SIDE = 32;

    @TempDir Path dir;

    @Test
    void shouldMapANormalisedModelBoxToFramePixels() throws IOException {
        Path model =
                write(
                        "constant.onnx",
                        new TinyOnnx()
                                .input("image", 1, 3, SIDE, SIDE)
                                .output("boxes", 1, 5)
                                .constant(
                                        "boxes",
                                        new float[] {0.25f, 0.1f, 0.5f, 0.6f, 0.9f},
                                        1,
                                        5));
        try (OnnxFaceDetector detector = new OnnxFaceDetector(model)) {
            assertEquals(
                    Arrays.toString(new int[] {SIDE, SIDE}), Arrays.toString(detector.inputSize()));
            Optional<FaceBox> face = detector.detect(ClipFrames.frame(0));
            // 640x360 frame: x 0.25..0.5 -> 160..320, y 0.1..0.6 -> 36..216
            assertEquals(Optional.of(new FaceBox(160, 36, 320, 216)), face);
        }
    }

    @Test
    void shouldPickTheLargestBoxAboveTheMinimumScore() throws IOException {
        float[] rows = {
            0.1f, 0.1f, 0.2f, 0.2f, 0.99f, // small, confident
            0.4f, 0.2f, 0.8f, 0.9f, 0.6f, // large, confident enough
            0.0f, 0.0f, 1.0f, 1.0f, 0.3f // largest, below the minimum score
        };
        Path model =
                write(
                        "three.onnx",
                        new TinyOnnx()
                                .input("image", 1, 3, SIDE, SIDE)
                                .output("boxes", -1, 5)
                                .constant("boxes", rows, 3, 5));
        BgrImage frame = uniform(100, 50, 10, 20, 30);
        try (OnnxFaceDetector detector = new OnnxFaceDetector(model, ChannelOrder.RGB, 0.5f, 1)) {
            assertEquals(Optional.of(new FaceBox(40, 10, 80, 45)), detector.detect(frame));
        }
        try (OnnxFaceDetector strict = new OnnxFaceDetector(model, ChannelOrder.RGB, 0.999f, 1)) {
            assertEquals(Optional.empty(), strict.detect(frame));
        }
    }

    /**
     * The model outputs {@code (0.1, 0.2, mean(plane 0), mean(plane 1), mean(plane 2))}: the box's
     * far corner and score reveal which colour went into which plane, and the /255 scaling.
     */
    @Test
    void shouldFeedTheFrameInTheModelsChannelOrderScaledToUnit() throws IOException {
        Path model =
                write(
                        "means.onnx",
                        new TinyOnnx()
                                .input("image", 1, 3, SIDE, 2 * SIDE)
                                .output("boxes", 1, 5)
                                .reduceMean("image", "means", 2, 3)
                                .constant("corner", new float[] {0.1f, 0.2f}, 1, 2)
                                .concat("boxes", 1, "corner", "means"));
        // B = 51 (0.2), G = 153 (0.6), R = 204 (0.8)
        BgrImage frame = uniform(200, 100, 51, 153, 204);
        try (OnnxFaceDetector rgb = new OnnxFaceDetector(model, ChannelOrder.RGB, 0.1f, 1)) {
            // planes R, G, B: corner (0.8, 0.6), score 0.2
            assertEquals(Optional.of(new FaceBox(20, 20, 160, 60)), rgb.detect(frame));
        }
        try (OnnxFaceDetector bgr = new OnnxFaceDetector(model, ChannelOrder.BGR, 0.5f, 1)) {
            // planes B, G, R: corner (0.2, 0.6), score 0.8
            assertEquals(Optional.of(new FaceBox(20, 20, 40, 60)), bgr.detect(frame));
        }
        try (OnnxFaceDetector rgbStrict = new OnnxFaceDetector(model, ChannelOrder.RGB, 0.5f, 1)) {
            assertEquals(Optional.empty(), rgbStrict.detect(frame), "RGB score is 0.2 < 0.5");
        }
    }

    @Test
    void shouldRefuseAModelWithAnotherInputShape() throws IOException {
        Path model =
                write(
                        "grey.onnx",
                        new TinyOnnx()
                                .input("image", 1, 1, SIDE, SIDE)
                                .output("boxes", 1, 5)
                                .constant("boxes", new float[5], 1, 5));
        FaceDetectionException e =
                assertThrows(FaceDetectionException.class, () -> new OnnxFaceDetector(model));
        assertTrue(e.getMessage().contains("expected input [1,3,H,W]"), e.getMessage());
        assertTrue(e.getMessage().contains("[1, 1, 32, 32]"), e.getMessage());
    }

    @Test
    void shouldRefuseAModelWithoutScoredBoxes() throws IOException {
        Path model =
                write(
                        "four.onnx",
                        new TinyOnnx()
                                .input("image", 1, 3, SIDE, SIDE)
                                .output("boxes", 1, 4)
                                .constant("boxes", new float[4], 1, 4));
        FaceDetectionException e =
                assertThrows(FaceDetectionException.class, () -> new OnnxFaceDetector(model));
        assertTrue(e.getMessage().contains("[N,5]"), e.getMessage());
        assertTrue(e.getMessage().contains("[1, 4]"), e.getMessage());
    }

    @Test
    void shouldRefuseAFileThatIsNoModel() throws IOException {
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {1, 2, 3, 4, 5});
        assertThrows(FaceDetectionException.class, () -> new OnnxFaceDetector(junk));
    }

    private Path write(String name, TinyOnnx model) throws IOException {
        return Files.write(dir.resolve(name), model.build());
    }

    private static BgrImage uniform(int width, int height, int b, int g, int r) {
        byte[] bgr = new byte[width * height * 3];
        for (int i = 0; i < bgr.length; i += 3) {
            bgr[i] = (byte) b;
            bgr[i + 1] = (byte) g;
            bgr[i + 2] = (byte) r;
        }
        return new BgrImage(width, height, bgr);
    }
}
