package io.lipstream.cli;

import io.lipstream.job.audio.AudioDecodeException;
import io.lipstream.job.audio.AudioFiles;
import io.lipstream.job.audio.StreamingMel;
import io.lipstream.job.audio.Wav2LipAudio;
import io.lipstream.tools.model.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lipsync mel}: Wav2Lip's mel spectrogram of an audio (or video) file as a (80, T) float32
 * .npy, and with {@code --fps} the (N, 80, 16) windows Wav2Lip's inference.py pairs with frames 0
 * .. N-1, so a Python reference can be compared with lipstream column for column.
 */
@Command(
        name = "mel",
        mixinStandardHelpOptions = true,
        description = {
            "Compute Wav2Lip's log-mel spectrogram of a file (any format FFmpeg reads),",
            "and optionally the per-frame 80x16 windows Wav2Lip's inference picks."
        })
public final class MelCommand implements Callable<Integer> {
    @Option(
            names = "--wav",
            required = true,
            paramLabel = "IN",
            description = "Input audio or video; decoded to 16 kHz mono.")
    private Path input;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "MEL.npy",
            description = "Where to write the (80, T) float32 mel.")
    private Path out;

    @Option(
            names = "--fps",
            paramLabel = "NUM/DEN|NUM",
            description = "Video frame rate, e.g. 25 or 30000/1001; needs --chunks.")
    private String fps;

    @Option(
            names = "--chunks",
            paramLabel = "CHUNKS.npy",
            description = "Where to write the (N, 80, 16) float32 windows; needs --fps.")
    private Path chunks;

    @Spec private CommandSpec spec;

    @Override
    public Integer call() {
        if ((fps == null) != (chunks == null)) {
            throw new UserError("--fps and --chunks go together: give both or neither");
        }
        Double rate = fps == null ? null : parseFps(fps);
        if (!Files.isRegularFile(input)) {
            throw new UserError("no such file: " + input);
        }
        float[] samples;
        try {
            samples = AudioFiles.decodeTo16kMono(input);
        } catch (AudioDecodeException e) {
            throw new UserError(e.getMessage(), e);
        }

        StreamingMel mel = new StreamingMel();
        mel.push(samples, 0, samples.length);
        mel.finish();
        int columns = Math.toIntExact(mel.completedColumns());
        float[] flat = new float[Wav2LipAudio.NUM_MELS * columns];
        float[] column = new float[Wav2LipAudio.NUM_MELS];
        for (int t = 0; t < columns; t++) {
            mel.column(t, column, 0);
            for (int m = 0; m < Wav2LipAudio.NUM_MELS; m++) {
                flat[m * columns + t] = column[m];
            }
        }
        Npy.write(out, flat, Wav2LipAudio.NUM_MELS, columns);
        String summary =
                String.format(
                        "%s: %d samples, mel (%d, %d) -> %s",
                        input, samples.length, Wav2LipAudio.NUM_MELS, columns, out);

        if (rate != null) {
            int windows = writeWindows(mel, columns, rate);
            summary +=
                    String.format(
                            ", %d windows (%d, %d) at %s fps -> %s",
                            windows, Wav2LipAudio.NUM_MELS, Wav2LipAudio.MEL_STEP, fps, chunks);
        }
        spec.commandLine().getOut().println(summary);
        return 0;
    }

    private int writeWindows(StreamingMel mel, long columns, double rate) {
        int[] starts;
        try {
            starts = Wav2LipAudio.inferenceWindowStarts(columns, rate);
        } catch (IllegalArgumentException e) {
            throw new UserError("audio too short for a window: " + e.getMessage(), e);
        }
        int size = Wav2LipAudio.NUM_MELS * Wav2LipAudio.MEL_STEP;
        float[] data = new float[starts.length * size];
        for (int i = 0; i < starts.length; i++) {
            mel.window(starts[i], data, i * size);
        }
        Npy.write(chunks, data, starts.length, Wav2LipAudio.NUM_MELS, Wav2LipAudio.MEL_STEP);
        return starts.length;
    }

    /** "25", "29.97" or "30000/1001" as a double, the way Wav2Lip holds fps. */
    static double parseFps(String text) {
        String[] parts = text.trim().split("/", -1);
        double value = Double.NaN;
        try {
            if (parts.length == 1) {
                value = Double.parseDouble(parts[0]);
            } else if (parts.length == 2) {
                value = Long.parseLong(parts[0].trim()) / (double) Long.parseLong(parts[1].trim());
            }
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new UserError(
                    "bad --fps '"
                            + text
                            + "': expected NUM/DEN or NUM above 0, e.g. 25 or 30000/1001");
        }
        return value;
    }
}
