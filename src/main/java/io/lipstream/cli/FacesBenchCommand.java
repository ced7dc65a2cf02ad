package io.lipstream.cli;

import io.lipstream.job.faces.FaceDetector;
import io.lipstream.tools.bench.FaceBench;
import io.lipstream.tools.bench.FaceScenes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lipsync bench faces}: Haar against BlazeFace on labelled frames. */
@Command(
        name = "faces",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Score the face detectors on labelled frames made from the bundled portrait (scales,"
                    + " positions, tilts up to 30 degrees, brightness, two faces, none): recall,"
                    + " false positives, mean IoU and centre error against the known boxes, and"
                    + " CPU ms per frame."
        })
public final class FacesBenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--picture",
            paramLabel = "FILE.png",
            description =
                    "Also write a picture of the portrait's face with the label, Haar's box,"
                            + " BlazeFace's box and keypoints and the box mapped for Wav2Lip.")
    Path picture;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<FaceScenes.Scene> scenes = FaceScenes.all();
        List<FaceBench.Candidate> candidates = FaceBench.defaultCandidates();
        out.println(FaceBench.table(FaceBench.run(candidates, scenes)));
        for (FaceBench.Candidate c : candidates) {
            try (FaceDetector detector = c.open().get()) {
                out.println(c.name() + ": " + FaceBench.perGroup(detector, scenes));
            }
        }
        if (picture != null) {
            FaceBench.writePicture(picture);
            out.println("picture: " + picture);
        }
        out.flush();
        return 0;
    }
}
