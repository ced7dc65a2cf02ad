package io.lipstream.job.faces;

import io.lipstream.schema.ImageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test helper: the golden files written by {@code job/src/test/python/face_oracle.py} into {@code
 * face-golden/} (an independent Python/OpenCV re-implementation of Wav2Lip's recipe).
 */
final class FaceGolden {

    static final String DIR = "/face-golden/";

    private static final Pattern CASE =
            Pattern.compile(
                    "\"name\":\\s*\"(\\w+)\",\\s*\"x1\":\\s*(\\d+),\\s*\"y1\":\\s*(\\d+),"
                            + "\\s*\"x2\":\\s*(\\d+),\\s*\"y2\":\\s*(\\d+)");
    private static final Pattern PASTE_CASE =
            Pattern.compile("\"paste\":\\s*\\{\\s*\"case\":\\s*\"(\\w+)\"");

    record Case(String name, FaceBox box) {}

    private FaceGolden() {}

    static List<Case> cases() {
        Matcher m = CASE.matcher(text("cases.json"));
        List<Case> cases = new ArrayList<>();
        while (m.find()) {
            cases.add(
                    new Case(
                            m.group(1),
                            new FaceBox(
                                    Integer.parseInt(m.group(2)),
                                    Integer.parseInt(m.group(3)),
                                    Integer.parseInt(m.group(4)),
                                    Integer.parseInt(m.group(5)))));
        }
        return cases;
    }

    static Case pasteCase() {
        Matcher m = PASTE_CASE.matcher(text("cases.json"));
        if (!m.find()) {
            throw new IllegalStateException("cases.json names no paste case");
        }
        return cases().stream().filter(c -> c.name().equals(m.group(1))).findFirst().orElseThrow();
    }

    /** The fixture frame (640x360, PNG so that it decodes losslessly). */
    static BgrImage frame() {
        return png("frame.png", ClipFrames.WIDTH, ClipFrames.HEIGHT);
    }

    static BgrImage png(String name, int width, int height) {
        return FrameImages.decode(
                ImageCodec.PNG, bytes(name), width, height, FrameLimits.defaults());
    }

    static Npy npy(String name) {
        return Npy.readResource(DIR + name);
    }

    static byte[] bytes(String name) {
        try (InputStream in = FaceGolden.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing golden file " + DIR + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }
}
