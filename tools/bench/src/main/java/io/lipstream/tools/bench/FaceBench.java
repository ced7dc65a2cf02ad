package io.lipstream.tools.bench;

import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.BlazeFaceDetector;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FaceDetector;
import io.lipstream.job.faces.HaarFaceDetector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The labelled face benchmark ({@code lipsync bench faces}): each detector runs over {@link
 * FaceScenes#all()} and is scored against the known boxes. A known face counts as found when a
 * detection overlaps it by at least {@link #MATCH_IOU}; every other detection is a false positive.
 * CPU time is the detecting thread's, per frame, after a warm-up pass.
 */
public final class FaceBench {

    /**
     * Overlap that makes a detection the known face (the usual detection benchmarks' 0.5 is too
     * strict for Haar's tighter box shape).
     */
    public static final double MATCH_IOU = 0.3;

    /** Timed passes over the scenes after the warm-up. */
    public static final int PASSES = 3;

    /** A detector under test. */
    public record Candidate(String name, Supplier<FaceDetector> open) {}

    /** Scores of one detector; centre error as a share of the known box's height. */
    public record Score(
            String detector,
            int faces,
            int found,
            int falsePositives,
            double meanIou,
            double meanCentreError,
            double cpuMsPerFrame) {
        public double recall() {
            return faces == 0 ? 0 : (double) found / faces;
        }
    }

    private FaceBench() {}

    /** Haar (the job's settings) and BlazeFace short and full range. */
    public static List<Candidate> defaultCandidates() {
        return List.of(
                new Candidate(
                        "Haar (detect-size 320)",
                        () -> new HaarFaceDetector(HaarFaceDetector.DEFAULT_DOWNSCALE_TO)),
                new Candidate(
                        "BlazeFace short range",
                        () ->
                                new BlazeFaceDetector(
                                        BlazeFaceDetector.Range.SHORT,
                                        BlazeFaceDetector.DEFAULT_MIN_SCORE,
                                        1)),
                new Candidate(
                        "BlazeFace full range",
                        () ->
                                new BlazeFaceDetector(
                                        BlazeFaceDetector.Range.FULL,
                                        BlazeFaceDetector.DEFAULT_MIN_SCORE,
                                        1)));
    }

    public static List<Score> run(List<Candidate> candidates, List<FaceScenes.Scene> scenes) {
        List<Score> scores = new ArrayList<>();
        for (Candidate c : candidates) {
            try (FaceDetector detector = c.open().get()) {
                scores.add(score(c.name(), detector, scenes));
            }
        }
        return scores;
    }

    static Score score(String name, FaceDetector detector, List<FaceScenes.Scene> scenes) {
        return score(name, detector, scenes, PASSES);
    }

    /** Scores with {@code passes} timed passes after the first (0: no timing). */
    static Score score(
            String name, FaceDetector detector, List<FaceScenes.Scene> scenes, int passes) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<List<FaceBox>> found = new ArrayList<>();
        for (FaceScenes.Scene s : scenes) {
            found.add(detector.detectAll(s.frame()));
        }
        long cpu = threads.getCurrentThreadCpuTime();
        for (int pass = 0; pass < passes; pass++) {
            for (FaceScenes.Scene s : scenes) {
                detector.detectAll(s.frame());
            }
        }
        double cpuMs =
                passes == 0
                        ? 0
                        : (threads.getCurrentThreadCpuTime() - cpu)
                                / 1e6
                                / (passes * scenes.size());
        int faces = 0, matched = 0, falsePositives = 0;
        double iouSum = 0, centreSum = 0;
        for (int i = 0; i < scenes.size(); i++) {
            List<FaceBox> detections = new ArrayList<>(found.get(i));
            for (FaceBox known : scenes.get(i).faces()) {
                faces++;
                FaceBox best = null;
                double bestIou = 0;
                for (FaceBox d : detections) {
                    if (d.iou(known) > bestIou) {
                        bestIou = d.iou(known);
                        best = d;
                    }
                }
                if (best != null && bestIou >= MATCH_IOU) {
                    matched++;
                    iouSum += bestIou;
                    centreSum +=
                            Math.hypot(
                                            best.centerX() - known.centerX(),
                                            best.centerY() - known.centerY())
                                    / known.height();
                    detections.remove(best);
                }
            }
            falsePositives += detections.size();
        }
        return new Score(
                name,
                faces,
                matched,
                falsePositives,
                matched == 0 ? 0 : iouSum / matched,
                matched == 0 ? 0 : centreSum / matched,
                cpuMs);
    }

    /** Per group of scenes: known faces found, mean IoU, false positives, e.g. "tilt 6/6 0.85". */
    public static String perGroup(FaceDetector detector, List<FaceScenes.Scene> scenes) {
        StringBuilder out = new StringBuilder();
        java.util.Map<String, List<FaceScenes.Scene>> groups = new java.util.LinkedHashMap<>();
        for (FaceScenes.Scene s : scenes) {
            groups.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s);
        }
        groups.forEach(
                (group, members) -> {
                    Score s = score(group, detector, members, 0);
                    out.append(
                            String.format(
                                    Locale.ROOT,
                                    "%s %d/%d IoU %.2f%s; ",
                                    group,
                                    s.found(),
                                    s.faces(),
                                    s.meanIou(),
                                    s.falsePositives() > 0
                                            ? " +" + s.falsePositives() + " false"
                                            : ""));
                });
        return out.toString();
    }

    /** The scores as a Markdown table. */
    public static String table(List<Score> scores) {
        StringBuilder md = new StringBuilder();
        md.append(
                "| detector | recall | false positives | mean IoU | centre error (of face"
                        + " height) | CPU ms/frame |\n");
        md.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Score s : scores) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d/%d (%.0f%%) | %d | %.2f | %.1f%% | %.1f |%n",
                            s.detector(),
                            s.found(),
                            s.faces(),
                            100 * s.recall(),
                            s.falsePositives(),
                            s.meanIou(),
                            100 * s.meanCentreError(),
                            s.cpuMsPerFrame()));
        }
        return md.toString();
    }

    /**
     * Writes a PNG of the portrait's face with the hand-drawn label (green), Haar's box (blue),
     * BlazeFace's own box and keypoints (yellow) and the box mapped to Wav2Lip's extent (red).
     */
    public static void writePicture(java.nio.file.Path png) {
        BgrImage portrait = FaceScenes.portrait();
        FaceBox haar;
        try (HaarFaceDetector h = new HaarFaceDetector()) {
            haar = h.detect(portrait).orElse(null);
        }
        io.lipstream.job.faces.BlazeFaceDecoder.Detection face;
        FaceBox mapped;
        try (BlazeFaceDetector b = new BlazeFaceDetector()) {
            face = b.faces(portrait).get(0);
            mapped =
                    b.range().extent(face).toBox(portrait.width(), portrait.height()).orElseThrow();
        }
        int x0 = 140, y0 = 40, w = 180, h = 180;
        try (var mat =
                        new org.bytedeco.opencv.opencv_core.Mat(
                                portrait.height(),
                                portrait.width(),
                                org.bytedeco.opencv.global.opencv_core.CV_8UC3);
                var roi = new org.bytedeco.opencv.opencv_core.Rect(x0, y0, w, h)) {
            mat.data().put(portrait.bgr(), 0, portrait.bgr().length);
            rect(mat, FaceScenes.PORTRAIT_FACE, 0, 200, 0);
            if (haar != null) {
                rect(mat, haar, 255, 128, 0);
            }
            rect(
                    mat,
                    new FaceBox(
                            Math.round(face.x1()),
                            Math.round(face.y1()),
                            Math.round(face.x2()),
                            Math.round(face.y2())),
                    0,
                    220,
                    255);
            for (int k = 0; k < io.lipstream.job.faces.BlazeFaceDecoder.KEYPOINTS; k++) {
                try (var p =
                                new org.bytedeco.opencv.opencv_core.Point(
                                        Math.round(face.keypointX(k)),
                                        Math.round(face.keypointY(k)));
                        var c = new org.bytedeco.opencv.opencv_core.Scalar(0, 220, 255, 0)) {
                    org.bytedeco.opencv.global.opencv_imgproc.circle(mat, p, 2, c, -1, 8, 0);
                }
            }
            rect(mat, mapped, 0, 0, 255);
            try (var crop = mat.apply(roi);
                    var out = crop.clone()) {
                org.bytedeco.opencv.global.opencv_imgcodecs.imwrite(png.toString(), out);
            }
        }
    }

    private static void rect(
            org.bytedeco.opencv.opencv_core.Mat mat, FaceBox box, int b, int g, int r) {
        try (var p1 = new org.bytedeco.opencv.opencv_core.Point(box.x1(), box.y1());
                var p2 = new org.bytedeco.opencv.opencv_core.Point(box.x2() - 1, box.y2() - 1);
                var colour = new org.bytedeco.opencv.opencv_core.Scalar(b, g, r, 0)) {
            org.bytedeco.opencv.global.opencv_imgproc.rectangle(mat, p1, p2, colour, 1, 8, 0);
        }
    }
}
