package io.lipstream.tools.model;

import io.lipstream.inference.Wav2LipShapes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The Wav2Lip generator of Rudrabha/Wav2Lip ({@code models/wav2lip.py}, class {@code Wav2Lip}),
 * layer by layer, for 96x96 faces. {@link #forward} walks it in the order of {@code
 * Wav2Lip.forward} and hands each layer to a {@link Layers} that either builds a graph or counts
 * parameters, so both come from this one description.
 *
 * <p>In wav2lip.py a {@code Conv2d} block is conv, BatchNorm, optional residual add of the block's
 * input, ReLU; a {@code Conv2dTranspose} block is transposed conv, BatchNorm, ReLU. The audio
 * encoder turns the mel window {@code [B,1,80,16]} into an embedding {@code [B,512,1,1]}; the face
 * encoder keeps each block's output (96, 48, 24, 12, 6, 3, 1 pixels); the decoder starts from the
 * audio embedding and after each block concatenates the deepest unused face feature on the channel
 * axis ({@code x = torch.cat((x, feats[-1]), dim=1); feats.pop()}); the output block is a {@code
 * Conv2d} block 80 to 32, a plain 1x1 conv 32 to 3 and a sigmoid.
 */
final class Wav2LipArchitecture {
    /** The face side this architecture is defined for: hparams.img_size. */
    static final int FACE_SIZE = Wav2LipShapes.FACE_SIZE;

    /**
     * One convolution as wav2lip.py declares it.
     *
     * @param batchNorm followed by BatchNorm2d (all but the last 1x1 conv)
     * @param residual adds the block's input before the ReLU ({@code residual=True})
     * @param relu followed by ReLU
     */
    record Conv(
            int cin,
            int cout,
            int kernel,
            int strideH,
            int strideW,
            int padding,
            int outputPadding,
            boolean transposed,
            boolean batchNorm,
            boolean residual,
            boolean relu) {

        long weightCount() {
            return (long) cin * cout * kernel * kernel;
        }

        /** PyTorch parameters: weight, bias, and BatchNorm's weight and bias (not its stats). */
        long parameterCount() {
            return weightCount() + cout + (batchNorm ? 2L * cout : 0);
        }

        /** Parameters once BatchNorm is folded into the conv: weight and bias. */
        long foldedParameterCount() {
            return weightCount() + cout;
        }
    }

    /**
     * A conv with the module path that holds its parameters in the published checkpoints, for
     * example {@code face_encoder_blocks.1.0} ({@code Conv2d}/{@code Conv2dTranspose} blocks keep
     * the conv at {@code <path>.conv_block.0} and BatchNorm at {@code <path>.conv_block.1}) or
     * {@code output_block.1} (the plain last conv, parameters at {@code <path>.weight} and {@code
     * <path>.bias}). Rudrabha/Wav2Lip and PaddleGAN use the same paths.
     */
    record Module(String path, Conv conv) {}

    /** Receives the layers in forward order; each method returns the name of its result. */
    interface Layers {
        String conv(String input, Conv conv);

        /** Concatenation on the channel axis, {@code first} then {@code second}. */
        String concat(String first, String second);

        String sigmoid(String input);
    }

    private static final List<Conv> AUDIO_ENCODER =
            List.of(
                    block(1, 32, 3, 1, 1, 1),
                    residual(32),
                    residual(32),
                    block(32, 64, 3, 3, 1, 1),
                    residual(64),
                    residual(64),
                    block(64, 128, 3, 3, 3, 1),
                    residual(128),
                    residual(128),
                    block(128, 256, 3, 3, 2, 1),
                    residual(256),
                    block(256, 512, 3, 1, 1, 0),
                    block(512, 512, 1, 1, 1, 0));

    private static final List<List<Conv>> FACE_ENCODER =
            List.of(
                    List.of(block(6, 16, 7, 1, 1, 3)), // 96x96
                    List.of(block(16, 32, 3, 2, 2, 1), residual(32), residual(32)), // 48x48
                    List.of(
                            block(32, 64, 3, 2, 2, 1),
                            residual(64),
                            residual(64),
                            residual(64)), // 24x24
                    List.of(block(64, 128, 3, 2, 2, 1), residual(128), residual(128)), // 12x12
                    List.of(block(128, 256, 3, 2, 2, 1), residual(256), residual(256)), // 6x6
                    List.of(block(256, 512, 3, 2, 2, 1), residual(512)), // 3x3
                    List.of(block(512, 512, 3, 1, 1, 0), block(512, 512, 1, 1, 1, 0))); // 1x1

    private static final List<List<Conv>> FACE_DECODER =
            List.of(
                    List.of(block(512, 512, 1, 1, 1, 0)), // 1x1
                    List.of(transposed(1024, 512, 1, 0, 0), residual(512)), // 3x3
                    List.of(transposed(1024, 512, 2, 1, 1), residual(512), residual(512)), // 6x6
                    List.of(transposed(768, 384, 2, 1, 1), residual(384), residual(384)), // 12x12
                    List.of(transposed(512, 256, 2, 1, 1), residual(256), residual(256)), // 24x24
                    List.of(transposed(320, 128, 2, 1, 1), residual(128), residual(128)), // 48x48
                    List.of(transposed(160, 64, 2, 1, 1), residual(64), residual(64))); // 96x96

    private static final List<Conv> OUTPUT_BLOCK =
            List.of(
                    block(80, 32, 3, 1, 1, 1),
                    new Conv(32, 3, 1, 1, 1, 0, 0, false, false, false, false));

    private Wav2LipArchitecture() {}

    /** Emits the generator into {@code layers}; returns the name of the sigmoid output. */
    static String forward(Layers layers, String mel, String face) {
        String audio = mel;
        for (Conv c : AUDIO_ENCODER) {
            audio = layers.conv(audio, c);
        }
        Deque<String> feats = new ArrayDeque<>();
        String x = face;
        for (List<Conv> block : FACE_ENCODER) {
            for (Conv c : block) {
                x = layers.conv(x, c);
            }
            feats.push(x);
        }
        x = audio;
        for (List<Conv> block : FACE_DECODER) {
            for (Conv c : block) {
                x = layers.conv(x, c);
            }
            x = layers.concat(x, feats.pop());
        }
        for (Conv c : OUTPUT_BLOCK) {
            x = layers.conv(x, c);
        }
        return layers.sigmoid(x);
    }

    /**
     * Every conv with its module path, in the order {@link #forward} emits them: the audio encoder
     * ({@code audio_encoder.i}), the face encoder ({@code face_encoder_blocks.b.i}), the decoder
     * ({@code face_decoder_blocks.b.i}) and the output block ({@code output_block.0}, {@code
     * output_block.1}).
     */
    static List<Module> modules() {
        List<Module> modules = new java.util.ArrayList<>();
        for (int i = 0; i < AUDIO_ENCODER.size(); i++) {
            modules.add(new Module("audio_encoder." + i, AUDIO_ENCODER.get(i)));
        }
        addBlocks(modules, "face_encoder_blocks", FACE_ENCODER);
        addBlocks(modules, "face_decoder_blocks", FACE_DECODER);
        for (int i = 0; i < OUTPUT_BLOCK.size(); i++) {
            modules.add(new Module("output_block." + i, OUTPUT_BLOCK.get(i)));
        }
        return List.copyOf(modules);
    }

    private static void addBlocks(List<Module> into, String name, List<List<Conv>> blocks) {
        for (int b = 0; b < blocks.size(); b++) {
            for (int i = 0; i < blocks.get(b).size(); i++) {
                into.add(new Module(name + "." + b + "." + i, blocks.get(b).get(i)));
            }
        }
    }

    /** PyTorch's parameter count of the generator (BatchNorm unfolded): 36,298,035. */
    static long parameterCount() {
        long[] total = {0};
        forward(counting(c -> total[0] += c.parameterCount()), "mel", "face");
        return total[0];
    }

    /** Parameters left once every BatchNorm is folded into its conv: 36,275,283. */
    static long foldedParameterCount() {
        long[] total = {0};
        forward(counting(c -> total[0] += c.foldedParameterCount()), "mel", "face");
        return total[0];
    }

    private static Layers counting(java.util.function.Consumer<Conv> sink) {
        return new Layers() {
            @Override
            public String conv(String input, Conv conv) {
                sink.accept(conv);
                return input;
            }

            @Override
            public String concat(String first, String second) {
                return first;
            }

            @Override
            public String sigmoid(String input) {
                return input;
            }
        };
    }

    /** wav2lip.py {@code Conv2d(cin, cout, kernel_size, stride=(sh, sw), padding)}. */
    private static Conv block(int cin, int cout, int kernel, int strideH, int strideW, int pad) {
        return new Conv(cin, cout, kernel, strideH, strideW, pad, 0, false, true, false, true);
    }

    /** wav2lip.py {@code Conv2d(c, c, kernel_size=3, stride=1, padding=1, residual=True)}. */
    private static Conv residual(int channels) {
        return new Conv(channels, channels, 3, 1, 1, 1, 0, false, true, true, true);
    }

    /** wav2lip.py {@code Conv2dTranspose(cin, cout, kernel_size=3, stride, padding, out_pad)}. */
    private static Conv transposed(int cin, int cout, int stride, int pad, int outputPadding) {
        return new Conv(cin, cout, 3, stride, stride, pad, outputPadding, true, true, false, true);
    }
}
