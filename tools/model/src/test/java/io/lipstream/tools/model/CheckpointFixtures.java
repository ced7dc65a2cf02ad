package io.lipstream.tools.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/**
 * The checkpoints written by tools/model/src/test/python/make_checkpoints.py (full-size Wav2Lip
 * generators with seeded random values, committed gzipped twice), unpacked into a folder for a
 * test.
 */
public final class CheckpointFixtures {
    /** Folder of the fixtures on the test class path. */
    public static final String RESOURCES = "/io/lipstream/tools/model/checkpoints/";

    /** NumPy oracle for the random checkpoints: mel.npy, face.npy, expected.npy. */
    public static final String ORACLE = "/io/lipstream/tools/model/reference/wav2lip-random/";

    /** Rudrabha-style torch zip: state_dict wrapper, module. prefix, optimizer state. */
    public static final String TORCH_ZIP = "wav2lip-random.pth";

    /** The same checkpoint in PyTorch's legacy (pre-1.6) format. */
    public static final String TORCH_LEGACY = "wav2lip-random-legacy.pth";

    /** PaddleGAN .pdparams, pickle protocol 2, NumPy 1.x globals. */
    public static final String PADDLE = "wav2lip-random.pdparams";

    /** PaddleGAN .pdparams, pickle protocol 4, NumPy 2.x globals. */
    public static final String PADDLE_P4 = "wav2lip-random-p4.pdparams";

    /** Paddle, without face_decoder_blocks.3.1. */
    public static final String MISSING_LAYER = "wav2lip-missing-layer.pdparams";

    /** Bare torch state dict, one transposed-conv weight in Conv2d layout, one extra tensor. */
    public static final String WRONG_SHAPE = "wav2lip-wrong-shape.pth";

    /** Bare torch state dict whose BatchNorm layers all hold initial statistics. */
    public static final String UNTRAINED_BATCHNORM = "wav2lip-untrained-batchnorm.pth";

    private CheckpointFixtures() {}

    /** Unpacks fixture {@code name} into {@code dir} (once) and returns its path. */
    public static Path unpack(String name, Path dir) {
        Path target = dir.resolve(name);
        if (Files.exists(target)) {
            return target;
        }
        String resource = RESOURCES + name + ".gz.gz";
        try (InputStream packed = CheckpointFixtures.class.getResourceAsStream(resource)) {
            if (packed == null) {
                throw new IllegalStateException("fixture " + resource + " not on the class path");
            }
            try (InputStream in = new GZIPInputStream(new GZIPInputStream(packed, 1 << 16))) {
                Path partial = dir.resolve(name + ".partial");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The NumPy oracle folder, copied out of the class path into {@code dir}. */
    public static Path oracle(Path dir) {
        Path target = dir.resolve("oracle");
        try {
            Files.createDirectories(target);
            for (String f :
                    new String[] {
                        ModelComparison.MEL_FILE,
                        ModelComparison.FACE_FILE,
                        ModelComparison.EXPECTED_FILE
                    }) {
                try (InputStream in = CheckpointFixtures.class.getResourceAsStream(ORACLE + f)) {
                    Files.copy(in, target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
