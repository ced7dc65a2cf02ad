package io.lipstream.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The public-domain media bundled with lipstream (see {@code samples/README.md}), for the demo and
 * the tests. Files are copied out of the classpath on first use, since FFmpeg reads paths.
 */
public enum Samples {
    /** 640x360, 25 fps H.264 + AAC, 11.6 s: a portrait drifting in the frame, with speech. */
    TALKING_ASTRONAUT_MP4("talking_astronaut_25fps.mp4"),
    /** 11.6 s of English speech, 16 kHz mono s16le. */
    SPEECH_WAV("speech_en_16k.wav"),
    /** 512x512 frontal portrait. */
    FACE_PNG("face_astronaut.png");

    private final String fileName;

    Samples(String fileName) {
        this.fileName = fileName;
    }

    /** A readable file holding this sample (extracted once per JVM into a temporary folder). */
    public synchronized Path path() {
        Path dir = Holder.DIR;
        Path file = dir.resolve(fileName);
        if (!Files.exists(file)) {
            try (InputStream in =
                    Samples.class.getResourceAsStream("/io/lipstream/samples/" + fileName)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "sample missing from the classpath: " + fileName);
                }
                Path tmp = Files.createTempFile(dir, fileName, ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract sample " + fileName, e);
            }
        }
        return file;
    }

    private static final class Holder {
        static final Path DIR;

        static {
            try {
                DIR = Files.createTempDirectory("lipstream-samples");
                DIR.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
