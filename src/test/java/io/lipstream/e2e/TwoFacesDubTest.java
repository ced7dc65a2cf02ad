package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.samples.Samples;
import io.lipstream.tools.model.ModelSynth;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsync dub} on a clip with two people (made from the bundled clip: its face on the left,
 * and a mirrored, smaller copy on the right), with the default detector (BlazeFace) and a model
 * that visibly changes the face (the Wav2Lip generator with random weights): in every frame the
 * larger, chosen face changes and the other comes out as the input's decoded frame, up to the H.264
 * re-encoding (measured as PSNR).
 */
class TwoFacesDubTest {
    private static final int FRAMES = 50;
    private static final int WIDTH = 640, HEIGHT = 360, HALF = WIDTH / 2;

    /** Left half: the bundled clip's columns from here, where its face drifts. */
    private static final int CROP_X = 113;

    /** Right half: the same columns mirrored, this much smaller, at this corner. */
    private static final double RIGHT_SCALE = 0.75;

    private static final int RIGHT_X = 360, RIGHT_Y = 45;

    /** Untouched pixels only lose what H.264 re-encoding loses: well above this. */
    private static final double UNTOUCHED_MIN_PSNR_DB = 30;

    /** A replaced face is far from the input: well below this. */
    private static final double CHANGED_MAX_PSNR_DB = 20;

    /** Half the side of the square around the chosen face's centre checked for change. */
    private static final int FACE_CORE = 30;

    @TempDir Path dir;

    @Test
    void shouldDubOnlyTheChosenFaceInEveryFrame() throws Exception {
        Path clip = twoFaceClip(dir.resolve("two-faces.mp4"));
        Path model = dir.resolve("wav2lip-random.onnx");
        ModelSynth.write(model, ModelSynth.Arch.WAV2LIP, null, 96, 7);
        Path out = dir.resolve("dubbed.mp4");
        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit =
                cli.execute(
                        "dub",
                        "--video",
                        clip.toString(),
                        "--audio",
                        Samples.SPEECH_WAV.path().toString(),
                        "--out",
                        out.toString(),
                        "--model",
                        model.toString(),
                        "-D",
                        "faces.select=largest",
                        "--dashboard-port",
                        "18083");
        assertEquals(0, exit, err.toString());

        List<byte[]> input = DecodedMedia.of(clip.toString(), true).frames();
        List<byte[]> output = DecodedMedia.of(out.toString(), true).frames();
        assertEquals(input.size(), output.size(), "frame count");
        double untouchedMin = Double.POSITIVE_INFINITY;
        double changedMax = 0;
        for (int i = 0; i < input.size(); i++) {
            double t = i / 25.0;
            int faceX = (int) Math.round(273 - 60 * Math.sin(0.9 * t)) - CROP_X;
            int faceY = (int) Math.round(130 - 25 * Math.cos(0.7 * t));
            double changed =
                    psnr(
                            input.get(i),
                            output.get(i),
                            faceX - FACE_CORE,
                            faceY - FACE_CORE,
                            faceX + FACE_CORE,
                            faceY + FACE_CORE);
            double untouched = psnr(input.get(i), output.get(i), HALF + 10, 0, WIDTH, HEIGHT);
            assertTrue(changed < CHANGED_MAX_PSNR_DB, "frame " + i + ": chosen face " + changed);
            assertTrue(
                    untouched > UNTOUCHED_MIN_PSNR_DB,
                    "frame " + i + ": the other face " + untouched + " dB");
            untouchedMin = Math.min(untouchedMin, untouched);
            changedMax = Math.max(changedMax, changed);
        }
        System.out.printf(
                Locale.ROOT,
                "two faces: the other face's half at >= %.1f dB PSNR in every frame, the chosen"
                        + " face's centre at <= %.1f dB%n",
                untouchedMin,
                changedMax);
    }

    /** PSNR in dB of BGR frames {@code b} against {@code a} over [x1, x2) x [y1, y2). */
    private static double psnr(byte[] a, byte[] b, int x1, int y1, int x2, int y2) {
        double squared = 0;
        long n = 0;
        for (int y = Math.max(0, y1); y < Math.min(HEIGHT, y2); y++) {
            for (int x = Math.max(0, x1) * 3; x < Math.min(WIDTH, x2) * 3; x++) {
                int d = (a[y * WIDTH * 3 + x] & 0xff) - (b[y * WIDTH * 3 + x] & 0xff);
                squared += d * d;
                n++;
            }
        }
        return 10 * Math.log10(255.0 * 255.0 / Math.max(squared / n, 1e-10));
    }

    /** The first {@link #FRAMES} frames of the bundled clip with two people, and its audio. */
    private static Path twoFaceClip(Path file) throws Exception {
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            return TestClips.firstFrames(
                    file,
                    FRAMES,
                    (picture, recorder) -> {
                        try (Mat source = converter.convert(picture).clone();
                                Mat canvas = twoFaces(source)) {
                            recorder.record(converter.convert(canvas));
                        }
                    });
        }
    }

    private static Mat twoFaces(Mat source) {
        Mat canvas = new Mat(HEIGHT, WIDTH, opencv_core.CV_8UC3, new Scalar(128, 128, 128, 0));
        try (Rect left = new Rect(CROP_X, 0, HALF, HEIGHT);
                Mat crop = source.apply(left);
                Rect leftHalf = new Rect(0, 0, HALF, HEIGHT);
                Mat target = canvas.apply(leftHalf);
                Mat mirrored = new Mat();
                Mat small = new Mat();
                Size size =
                        new Size(
                                (int) Math.round(HALF * RIGHT_SCALE),
                                (int) Math.round(HEIGHT * RIGHT_SCALE))) {
            crop.copyTo(target);
            opencv_core.flip(crop, mirrored, 1);
            opencv_imgproc.resize(mirrored, small, size, 0, 0, opencv_imgproc.INTER_AREA);
            try (Rect place = new Rect(RIGHT_X, RIGHT_Y, small.cols(), small.rows());
                    Mat right = canvas.apply(place)) {
                small.copyTo(right);
            }
        }
        return canvas;
    }
}
