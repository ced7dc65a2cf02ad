package io.lipstream.job.faces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lipstream.schema.ImageCodec;
import io.lipstream.tools.model.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: the golden files written by {@code job/src/test/python/face_oracle.py} into {@code
 * face-golden/} (an independent Python/OpenCV re-implementation of Wav2Lip's recipe).
 */
final class FaceGolden {

    static final String DIR = "/face-golden/";

    private static final ObjectMapper JSON = new ObjectMapper();

    record Case(String name, FaceBox box) {}

    private FaceGolden() {}

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : casesJson().path("cases")) {
            cases.add(
                    new Case(
                            c.path("name").asText(),
                            new FaceBox(
                                    c.path("x1").asInt(),
                                    c.path("y1").asInt(),
                                    c.path("x2").asInt(),
                                    c.path("y2").asInt())));
        }
        return cases;
    }

    static Case pasteCase() {
        String name = casesJson().path("paste").path("case").asText(null);
        if (name == null) {
            throw new IllegalStateException("cases.json names no paste case");
        }
        return cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode casesJson() {
        try {
            return JSON.readTree(bytes("cases.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cases.json is not JSON", e);
        }
    }

    /** The fixture frame (640x360, PNG so that it decodes losslessly). */
    static BgrImage frame() {
        return png("frame.png", ClipFrames.WIDTH, ClipFrames.HEIGHT);
    }

    static BgrImage png(String name, int width, int height) {
        return FrameImages.decode(
                ImageCodec.PNG, bytes(name), width, height, FrameLimits.defaults());
    }

    static Npy.Array npy(String name) {
        return Npy.resource(FaceGolden.class, DIR + name);
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
}
