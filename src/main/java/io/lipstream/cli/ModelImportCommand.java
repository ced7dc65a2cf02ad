package io.lipstream.cli;

import io.lipstream.tools.model.CheckpointException;
import io.lipstream.tools.model.CheckpointImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync model import CHECKPOINT --out M.onnx}: converts a Wav2Lip generator checkpoint
 * (Rudrabha/Wav2Lip {@code .pth}, PaddleGAN {@code .pdparams}) into the ONNX model the pipeline
 * runs, and proves it against a plain-Java forward pass before keeping it (see {@link
 * CheckpointImport}).
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Convert a Wav2Lip checkpoint (.pth of Rudrabha/Wav2Lip, .pdparams of PaddleGAN)",
            "into an ONNX model, without Python. Every parameter is matched by name and shape;",
            "a checkpoint that does not match is refused with the list of what is missing,",
            "unexpected or mis-shaped. BatchNorm is folded into the convs. The model is then run",
            "by ONNX Runtime on random pairs and compared with a plain-Java forward pass of the",
            "checkpoint; it is kept only within the tolerance. Exit code 2 when refused."
        })
final class ModelImportCommand implements Callable<Integer> {
    private static final double MB = 1e6;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "wav2lip.pth, .pdparams...")
    Path checkpoint;

    @Mixin ModelOutputOptions output;

    @Option(
            names = "--fp16",
            description = {
                "Store float16 weights and compute in half precision (float32 inputs and output;",
                "half the file size; checked with a tolerance of 1e-2 unless --tolerance)."
            })
    boolean fp16;

    @Option(
            names = "--check-pairs",
            defaultValue = "2",
            description = "Random pairs compared with the Java forward pass (default: 2).")
    int checkPairs;

    @Option(
            names = "--tolerance",
            description = "Largest absolute difference kept (default: 1e-4, 1e-2 with --fp16).")
    Double tolerance;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the random pairs (default: 0).")
    long seed;

    @Option(
            names = "--allow-untrained-batchnorm",
            description = "Export even when every BatchNorm holds its initial statistics.")
    boolean allowInitialStatistics;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        ModelFiles.requireReadable(checkpoint, "checkpoint");
        Path out = output.checkedOut();
        CheckpointImport.Options options =
                new CheckpointImport.Options(
                        output.fixedBatch(),
                        output.faceSize,
                        fp16,
                        checkPairs,
                        tolerance,
                        seed,
                        allowInitialStatistics);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(
                Locale.ROOT,
                "importing %s; the check runs %d random pair(s) through a plain-Java forward"
                        + " pass (about 10-20 s each)%n",
                checkpoint,
                checkPairs);
        o.flush();
        CheckpointImport.Result r;
        try {
            r = CheckpointImport.run(checkpoint, out, options);
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot import " + checkpoint + ": " + e.getMessage(), e);
        }
        o.printf(
                Locale.ROOT,
                "read      %s, %s: %d parameter tensors, %,d values%n",
                r.format(),
                r.naming(),
                r.tensors(),
                r.checkpointValues());
        for (String note : r.notes()) {
            o.println("          " + note);
        }
        for (String warning : r.warnings()) {
            o.println("warning: " + warning);
        }
        o.printf(
                Locale.ROOT,
                "wrote     %s: %s, %s weights, BatchNorm folded, %,d parameters, %.1f MB%n",
                out,
                options.batch() == null ? "dynamic batch" : "batch fixed at " + options.batch(),
                fp16 ? "float16" : "float32",
                r.modelParameters(),
                r.modelBytes() / MB);
        o.printf(
                Locale.ROOT,
                "checked   largest absolute difference %.3g over %d random pair(s) against the"
                        + " Java forward pass of the checkpoint; tolerance %.1e: PASS%n",
                r.maxDifference(),
                r.pairsChecked(),
                r.tolerance());
        o.printf(
                Locale.ROOT,
                "time      read %s, write %s, check %s%n",
                seconds(r.readTime()),
                seconds(r.writeTime()),
                seconds(r.checkTime()));
        o.flush();
        return 0;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
