package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.tools.model.ModelSynth.Arch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightStatisticsTest {
    private static final int KERNELS = 6;
    private static final long[] KERNEL = {32, 16, 3, 3};

    @TempDir Path dir;

    @Test
    void shouldCallTheSynthesizedWav2LipUntrained() throws IOException {
        Path onnx = dir.resolve("wav2lip.onnx");
        ModelSynth.write(onnx, Arch.WAV2LIP, null, Wav2LipShapes.FACE_SIZE, 1);
        WeightStatistics.Verdict v =
                WeightStatistics.assess(OnnxModelReader.read(onnx).initializers());
        assertTrue(v.looksUntrained(), v.summary());
        assertTrue(v.meanKurtosis() < -1.1, v.summary());
    }

    @Test
    void shouldAcceptPeakedKernelsAsTrained() throws IOException {
        WeightStatistics.Verdict v = assess(false, false);
        assertFalse(v.looksUntrained(), v.summary());
        assertEquals(KERNELS, v.kernels());
        assertEquals(0, v.uniformKernels());
    }

    @Test
    void shouldFlagUniformKernels() throws IOException {
        WeightStatistics.Verdict v = assess(true, false);
        assertTrue(v.looksUntrained(), v.summary());
        assertEquals(KERNELS, v.uniformKernels());
    }

    @Test
    void shouldFlagFreshBatchNormVectorsEvenWithPeakedKernels() throws IOException {
        WeightStatistics.Verdict v = assess(false, true);
        assertTrue(v.looksUntrained(), v.summary());
        assertEquals(4 * KERNELS, v.constantVectors());
    }

    /**
     * Kernels drawn uniform or Laplace (trained-like, excess kurtosis 3), plus BatchNorm vectors.
     */
    private WeightStatistics.Verdict assess(boolean uniformKernels, boolean freshNorms)
            throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        OnnxGraphBuilder g = new OnnxGraphBuilder("stats");
        int n = (int) Arrays.stream(KERNEL).reduce(1, (a, b) -> a * b);
        for (int k = 0; k < KERNELS; k++) {
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] =
                        uniformKernels
                                ? (float) random.nextDouble(-0.1, 0.1)
                                : (float) laplace(random, 0.05);
            }
            g.floatInitializer("k" + k, KERNEL, w);
            for (String stat : new String[] {"scale", "shift", "mean", "var"}) {
                float[] vec = new float[(int) KERNEL[0]];
                for (int i = 0; i < vec.length; i++) {
                    vec[i] =
                            freshNorms
                                    ? (stat.equals("scale") || stat.equals("var") ? 1 : 0)
                                    : (float) random.nextDouble(0.5, 1.5);
                }
                g.floatInitializer("bn" + k + "." + stat, new long[] {vec.length}, vec);
            }
        }
        Path file = dir.resolve("stats.onnx");
        g.write(file, "test");
        return WeightStatistics.assess(OnnxModelReader.read(file).initializers());
    }

    private static double laplace(SplittableRandom random, double scale) {
        double u = random.nextDouble(-0.5, 0.5);
        return -scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
    }
}
