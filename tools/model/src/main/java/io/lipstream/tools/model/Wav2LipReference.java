package io.lipstream.tools.model;

import io.lipstream.inference.Wav2LipShapes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The Wav2Lip generator's forward pass in plain Java loops, in double precision, straight from a
 * checkpoint's parameters: conv2d, conv-transpose2d, BatchNorm with its running statistics (not
 * folded), residual add, ReLU, channel concatenation and sigmoid. It checks an imported ONNX model
 * against something that shares none of its code: the layer list below is transcribed from {@code
 * Wav2Lip.__init__} and {@code forward} in models/wav2lip.py of Rudrabha/Wav2Lip independently of
 * {@link Wav2LipArchitecture}, and kernel and channel counts come from the weights' shapes.
 *
 * <p>Cost: about 4 GMAC per pair; output channels run in parallel on the common fork-join pool
 * (tens of seconds per pair on two cores). Each layer's weights are read once for all pairs.
 */
final class Wav2LipReference {
    /** torch.nn.BatchNorm2d / paddle.nn.BatchNorm2D default epsilon. */
    private static final double BATCH_NORM_EPS = 1e-5;

    private static final int FACE_SIZE = Wav2LipShapes.FACE_SIZE;

    /**
     * One {@code Conv2d} or {@code Conv2dTranspose} block of wav2lip.py (conv, BatchNorm2d,
     * optional residual, ReLU), or the final plain conv when {@code plain}.
     */
    private record Block(
            String path,
            int strideH,
            int strideW,
            int padding,
            boolean residual,
            boolean transposed,
            int outputPadding,
            boolean plain) {}

    /** An activation: channels x height x width, one array per pair. */
    private record Activation(int channels, int height, int width, double[][] values) {}

    private static final List<Block> AUDIO_ENCODER = audioEncoder();
    private static final List<List<Block>> FACE_ENCODER = faceEncoder();
    private static final List<List<Block>> FACE_DECODER = faceDecoder();
    private static final Block OUTPUT_CONV_BLOCK = conv("output_block.0", 1, 1, 1);
    private static final Block OUTPUT_CONV =
            new Block("output_block.1", 1, 1, 0, false, false, 0, true);

    private Wav2LipReference() {}

    /**
     * Runs {@code pairs} pairs.
     *
     * @param mel {@code [pairs,1,80,16]}
     * @param face {@code [pairs,6,96,96]}
     * @return {@code [pairs,3,96,96]}, in (0, 1)
     */
    static float[] forward(Wav2LipParameters p, float[] mel, float[] face, int pairs)
            throws CheckpointException {
        Activation audio =
                input(
                        mel,
                        pairs,
                        Wav2LipShapes.MEL_CHANNELS,
                        Wav2LipShapes.MEL_BANDS,
                        Wav2LipShapes.MEL_STEP);
        for (Block b : AUDIO_ENCODER) {
            audio = block(p, b, audio);
        }
        List<Activation> feats = new ArrayList<>();
        Activation x = input(face, pairs, Wav2LipShapes.FACE_CHANNELS, FACE_SIZE, FACE_SIZE);
        for (List<Block> seq : FACE_ENCODER) {
            for (Block b : seq) {
                x = block(p, b, x);
            }
            feats.add(x);
        }
        x = audio;
        for (List<Block> seq : FACE_DECODER) {
            for (Block b : seq) {
                x = block(p, b, x);
            }
            // torch.cat((x, feats[-1]), dim=1); feats.pop()
            x = concat(x, feats.remove(feats.size() - 1));
        }
        x = block(p, OUTPUT_CONV_BLOCK, x);
        x = block(p, OUTPUT_CONV, x);
        int per = x.channels() * x.height() * x.width();
        float[] out = new float[pairs * per];
        for (int n = 0; n < pairs; n++) {
            for (int i = 0; i < per; i++) {
                out[n * per + i] = (float) (1 / (1 + Math.exp(-x.values()[n][i])));
            }
        }
        return out;
    }

    private static Activation input(float[] values, int pairs, int c, int h, int w) {
        int per = c * h * w;
        if (values.length != pairs * per) {
            throw new IllegalArgumentException(
                    "input holds " + values.length + " values; expected " + pairs * per);
        }
        double[][] v = new double[pairs][per];
        for (int n = 0; n < pairs; n++) {
            for (int i = 0; i < per; i++) {
                v[n][i] = values[n * per + i];
            }
        }
        return new Activation(c, h, w, v);
    }

    private static Activation block(Wav2LipParameters p, Block b, Activation x)
            throws CheckpointException {
        String conv = b.plain() ? b.path() + "." : b.path() + ".conv_block.0.";
        float[] weight = p.values(conv + "weight");
        float[] bias = p.values(conv + "bias");
        int cout = bias.length;
        int k = (int) Math.round(Math.sqrt(weight.length / (double) (cout * x.channels())));
        Activation y =
                b.transposed()
                        ? convTranspose(x, weight, bias, cout, k, b.strideH(), b.padding(), b)
                        : conv(x, weight, bias, cout, k, b.strideH(), b.strideW(), b.padding());
        if (b.plain()) {
            return y;
        }
        String bn = b.path() + ".conv_block.1.";
        float[] gamma = p.values(bn + "weight");
        float[] beta = p.values(bn + "bias");
        float[] mean = p.values(bn + "running_mean");
        float[] var = p.values(bn + "running_var");
        int plane = y.height() * y.width();
        for (double[] v : y.values()) {
            for (int c = 0; c < cout; c++) {
                double scale = gamma[c] / Math.sqrt(var[c] + BATCH_NORM_EPS);
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    v[i] = (v[i] - mean[c]) * scale + beta[c];
                }
            }
        }
        for (int n = 0; n < y.values().length; n++) {
            double[] v = y.values()[n];
            double[] in = x.values()[n];
            for (int i = 0; i < v.length; i++) {
                double s = b.residual() ? v[i] + in[i] : v[i];
                v[i] = s > 0 ? s : 0;
            }
        }
        return y;
    }

    /** A conv's geometry: input channels and size, kernel, strides, padding, output size. */
    private record Geometry(
            int cin, int h, int w, int k, int sh, int sw, int pad, int ho, int wo) {}

    /** Conv2d: weight {@code [C_out, C_in, k, k]}, zero padding. */
    private static Activation conv(
            Activation x, float[] weight, float[] bias, int cout, int k, int sh, int sw, int pad) {
        int ho = (x.height() + 2 * pad - k) / sh + 1;
        int wo = (x.width() + 2 * pad - k) / sw + 1;
        Geometry g = new Geometry(x.channels(), x.height(), x.width(), k, sh, sw, pad, ho, wo);
        double[][] out = new double[x.values().length][cout * ho * wo];
        for (int n = 0; n < out.length; n++) {
            double[] in = x.values()[n];
            double[] o = out[n];
            IntStream.range(0, cout)
                    .parallel()
                    .forEach(co -> convChannel(g, in, weight, bias[co], co, o));
        }
        return new Activation(cout, ho, wo, out);
    }

    /**
     * Output channel {@code co} of a Conv2d: {@code out[oy,ox] += w * in[oy*s - pad + kh, ...]}.
     */
    private static void convChannel(
            Geometry g, double[] in, float[] weight, double bias, int co, double[] out) {
        double[] acc = new double[g.ho() * g.wo()];
        java.util.Arrays.fill(acc, bias);
        int k = g.k();
        for (int ci = 0; ci < g.cin(); ci++) {
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    double wv = weight[((co * g.cin() + ci) * k + kh) * k + kw];
                    // The output columns whose input column lies inside the image.
                    int oxFrom = Math.max(0, ceilDiv(g.pad() - kw, g.sw()));
                    int oxTo =
                            Math.min(g.wo() - 1, Math.floorDiv(g.w() - 1 + g.pad() - kw, g.sw()));
                    for (int oy = 0; oy < g.ho(); oy++) {
                        int iy = oy * g.sh() - g.pad() + kh;
                        if (iy < 0 || iy >= g.h()) {
                            continue;
                        }
                        int row = (ci * g.h() + iy) * g.w() - g.pad() + kw;
                        int orow = oy * g.wo();
                        for (int ox = oxFrom; ox <= oxTo; ox++) {
                            acc[orow + ox] += wv * in[row + ox * g.sw()];
                        }
                    }
                }
            }
        }
        System.arraycopy(acc, 0, out, co * acc.length, acc.length);
    }

    /** ConvTranspose2d: weight {@code [C_in, C_out, k, k]}. */
    private static Activation convTranspose(
            Activation x, float[] weight, float[] bias, int cout, int k, int s, int pad, Block b) {
        int ho = (x.height() - 1) * s - 2 * pad + k + b.outputPadding();
        int wo = (x.width() - 1) * s - 2 * pad + k + b.outputPadding();
        Geometry g = new Geometry(x.channels(), x.height(), x.width(), k, s, s, pad, ho, wo);
        double[][] out = new double[x.values().length][cout * ho * wo];
        for (int n = 0; n < out.length; n++) {
            double[] in = x.values()[n];
            double[] o = out[n];
            IntStream.range(0, cout)
                    .parallel()
                    .forEach(co -> convTransposeChannel(g, in, weight, bias[co], co, cout, o));
        }
        return new Activation(cout, ho, wo, out);
    }

    /**
     * Output channel {@code co} of a ConvTranspose2d: every input pixel scatters into {@code
     * out[iy*s - pad + kh, ix*s - pad + kw]}.
     */
    private static void convTransposeChannel(
            Geometry g, double[] in, float[] weight, double bias, int co, int cout, double[] out) {
        double[] acc = new double[g.ho() * g.wo()];
        java.util.Arrays.fill(acc, bias);
        int k = g.k();
        int s = g.sh();
        for (int ci = 0; ci < g.cin(); ci++) {
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    double wv = weight[((ci * cout + co) * k + kh) * k + kw];
                    // The input columns whose output column lies inside the image.
                    int ixFrom = Math.max(0, ceilDiv(g.pad() - kw, s));
                    int ixTo = Math.min(g.w() - 1, Math.floorDiv(g.wo() - 1 + g.pad() - kw, s));
                    for (int iy = 0; iy < g.h(); iy++) {
                        int oy = iy * s - g.pad() + kh;
                        if (oy < 0 || oy >= g.ho()) {
                            continue;
                        }
                        int row = (ci * g.h() + iy) * g.w();
                        int orow = oy * g.wo() - g.pad() + kw;
                        for (int ix = ixFrom; ix <= ixTo; ix++) {
                            acc[orow + ix * s] += wv * in[row + ix];
                        }
                    }
                }
            }
        }
        System.arraycopy(acc, 0, out, co * acc.length, acc.length);
    }

    private static Activation concat(Activation a, Activation b) {
        if (a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalStateException(
                    "cannot concatenate "
                            + a.height()
                            + "x"
                            + a.width()
                            + " with "
                            + b.height()
                            + "x"
                            + b.width());
        }
        int sa = a.values()[0].length;
        int sb = b.values()[0].length;
        double[][] v = new double[a.values().length][sa + sb];
        for (int n = 0; n < v.length; n++) {
            System.arraycopy(a.values()[n], 0, v[n], 0, sa);
            System.arraycopy(b.values()[n], 0, v[n], sa, sb);
        }
        return new Activation(a.channels() + b.channels(), a.height(), a.width(), v);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    // --- wav2lip.py, transcribed ---

    /** {@code Conv2d(cin, cout, kernel_size, stride, padding)}. */
    private static Block conv(String path, int strideH, int strideW, int padding) {
        return new Block(path, strideH, strideW, padding, false, false, 0, false);
    }

    /** {@code Conv2d(c, c, kernel_size=3, stride=1, padding=1, residual=True)}. */
    private static Block res(String path) {
        return new Block(path, 1, 1, 1, true, false, 0, false);
    }

    /** {@code Conv2dTranspose(cin, cout, kernel_size=3, stride, padding, output_padding)}. */
    private static Block convT(String path, int stride, int padding, int outputPadding) {
        return new Block(path, stride, stride, padding, false, true, outputPadding, false);
    }

    private static List<Block> audioEncoder() {
        String a = "audio_encoder.";
        return List.of(
                conv(a + 0, 1, 1, 1),
                res(a + 1),
                res(a + 2),
                conv(a + 3, 3, 1, 1),
                res(a + 4),
                res(a + 5),
                conv(a + 6, 3, 3, 1),
                res(a + 7),
                res(a + 8),
                conv(a + 9, 3, 2, 1),
                res(a + 10),
                conv(a + 11, 1, 1, 0),
                conv(a + 12, 1, 1, 0));
    }

    private static List<List<Block>> faceEncoder() {
        String f = "face_encoder_blocks.";
        return List.of(
                List.of(conv(f + "0.0", 1, 1, 3)),
                List.of(conv(f + "1.0", 2, 2, 1), res(f + "1.1"), res(f + "1.2")),
                List.of(conv(f + "2.0", 2, 2, 1), res(f + "2.1"), res(f + "2.2"), res(f + "2.3")),
                List.of(conv(f + "3.0", 2, 2, 1), res(f + "3.1"), res(f + "3.2")),
                List.of(conv(f + "4.0", 2, 2, 1), res(f + "4.1"), res(f + "4.2")),
                List.of(conv(f + "5.0", 2, 2, 1), res(f + "5.1")),
                List.of(conv(f + "6.0", 1, 1, 0), conv(f + "6.1", 1, 1, 0)));
    }

    private static List<List<Block>> faceDecoder() {
        String d = "face_decoder_blocks.";
        List<List<Block>> blocks = new ArrayList<>();
        blocks.add(List.of(conv(d + "0.0", 1, 1, 0)));
        blocks.add(List.of(convT(d + "1.0", 1, 0, 0), res(d + "1.1")));
        for (int b = 2; b <= 6; b++) {
            blocks.add(List.of(convT(d + b + ".0", 2, 1, 1), res(d + b + ".1"), res(d + b + ".2")));
        }
        return List.copyOf(blocks);
    }
}
