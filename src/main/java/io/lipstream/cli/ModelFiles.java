package io.lipstream.cli;

import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.ModelRejectedException;
import io.lipstream.inference.Wav2LipModel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared by the {@code model} subcommands: opening model files with one-line user errors. */
final class ModelFiles {
    private ModelFiles() {}

    /** Fails with a {@link UserError} unless {@code file} is a readable regular file. */
    /** The {@code --batch} value that asks for a dynamic batch dimension. */
    static final String DYNAMIC_BATCH = "dynamic";

    /** Parses {@code --batch}: a positive size, or null for {@value #DYNAMIC_BATCH}. */
    static Integer parseBatch(String value) {
        if (value.trim().equalsIgnoreCase(DYNAMIC_BATCH)) {
            return null;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("--batch must be a positive number or 'dynamic', got '" + value + "'");
    }

    static void requireReadable(Path file, String what) {
        if (!Files.exists(file)) {
            throw new UserError(what + " not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UserError(what + " is not a readable file: " + file);
        }
    }

    /** Loads a model, turning a rejection or an unreadable file into a {@link UserError}. */
    static Wav2LipModel load(Path onnx, InferenceDevice device) {
        requireReadable(onnx, "model file");
        try {
            return Wav2LipModel.load(onnx, device, 0);
        } catch (ModelRejectedException e) {
            throw new UserError(oneLine(e.getMessage()), e);
        } catch (UncheckedIOException e) {
            throw new UserError("cannot read model " + onnx + ": " + e.getCause().getMessage(), e);
        }
    }

    /** ONNX Runtime messages span lines; a user error is one. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
