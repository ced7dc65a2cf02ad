package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * Frontal-face detection with OpenCV's Viola-Jones cascade {@value #CASCADE_FILE} (shipped inside
 * the opencv jar), run on an equalised grey copy of the frame scaled down so that its longer side
 * is {@code downscaleTo} pixels. Finds every face ({@link #detectAll}) or the largest ({@link
 * #detect}), in frame pixels.
 *
 * <p>Fast on CPU and dependency-free, but less accurate than a CNN detector ({@link
 * OnnxFaceDetector}): frontal faces only, and its boxes are squares from the brows to just below
 * the mouth, tighter at the chin than the S3FD boxes Wav2Lip was trained on. Faces narrower than
 * {@code minFaceFraction} of the frame's longer side are not looked for. Not thread-safe; OpenCV
 * may spread one call over its own worker threads ({@code opencv_core.setNumThreads}).
 */
public final class HaarFaceDetector implements FaceDetector {

    /** Longer side of the image the cascade scans by default (a 640x360 frame is halved). */
    public static final double DEFAULT_DOWNSCALE_TO = 320;

    /**
     * The cascade, in the opencv jar under {@code share/opencv4/haarcascades/}. Chosen over {@code
     * _default} and {@code _alt2} because it gave no false positive on the bundled clip (the others
     * took the space shuttle behind the astronaut for a larger face).
     */
    static final String CASCADE_FILE = "haarcascade_frontalface_alt.xml";

    /** The cascade's training window (20x20 in the XML): nothing smaller can be found. */
    private static final int CASCADE_WINDOW = 20;

    /**
     * Smallest face looked for by default, as a fraction of the frame's longer side (64 px in a 640
     * px frame). The smallest scales cost the most: 0.15 halves the detection time.
     */
    public static final double DEFAULT_MIN_FACE_FRACTION = 0.1;

    /**
     * Pyramid step for detectMultiScale: OpenCV's usual 10 % per level. 1.15 costs a third less but
     * tracked the bundled clip's face less steadily (worst centre error 5.1 px against 4.5).
     */
    private static final double SCALE_STEP = 1.1;

    /** Overlapping hits needed to accept a face (OpenCV's facedetect sample uses 2 to 3). */
    private static final int MIN_NEIGHBOURS = 3;

    /** Around a known face, the region scanned extends this share of the box on every side. */
    static final double NEAR_MARGIN = 0.5;

    /** Around a known face, the region is scaled so that the face is this wide (never enlarged). */
    static final double NEAR_FACE_PX = 64;

    /** Around a known face, faces from this share of its width... */
    static final double NEAR_MIN_RATIO = 0.7;

    /** ...to this share are looked for. */
    static final double NEAR_MAX_RATIO = 1.4;

    private final double downscaleTo;
    private final double minFaceFraction;
    private final CascadeClassifier classifier;
    private final Mat colour = new Mat();
    private final Mat grey = new Mat();
    private final Mat small = new Mat();

    /** Detects on a grey copy whose longer side is {@link #DEFAULT_DOWNSCALE_TO} pixels. */
    public HaarFaceDetector() {
        this(DEFAULT_DOWNSCALE_TO);
    }

    /**
     * @param downscaleTo the longer side, in pixels, of the grey copy the cascade scans (frames
     *     already smaller are scanned as they are)
     * @throws FaceDetectionException if the cascade cannot be loaded
     */
    public HaarFaceDetector(double downscaleTo) {
        this(downscaleTo, DEFAULT_MIN_FACE_FRACTION);
    }

    /**
     * @param downscaleTo the longer side, in pixels, of the grey copy the cascade scans (frames
     *     already smaller are scanned as they are)
     * @param minFaceFraction the smallest face width looked for, as a fraction of the frame's
     *     longer side (never below the cascade's 20 px window in the scanned copy)
     * @throws FaceDetectionException if the cascade cannot be loaded
     */
    public HaarFaceDetector(double downscaleTo, double minFaceFraction) {
        if (!(downscaleTo >= CASCADE_WINDOW)) {
            throw new IllegalArgumentException(
                    "downscaleTo must be >= " + CASCADE_WINDOW + " px, found " + downscaleTo);
        }
        if (!(minFaceFraction >= 0 && minFaceFraction < 1)) {
            throw new IllegalArgumentException(
                    "minFaceFraction must be in [0, 1), found " + minFaceFraction);
        }
        this.downscaleTo = downscaleTo;
        this.minFaceFraction = minFaceFraction;
        Path file = CascadeFile.get();
        CascadeClassifier loaded = new CascadeClassifier(file.toString());
        if (loaded.empty()) {
            loaded.close();
            throw new FaceDetectionException(
                    "expected OpenCV to load the face cascade " + file + ", found it empty");
        }
        this.classifier = loaded;
    }

    @Override
    public Optional<FaceBox> detect(BgrImage frame) {
        greyOf(frame);
        double scale = Math.min(1.0, downscaleTo / Math.max(frame.width(), frame.height()));
        int longer = (int) Math.round(Math.max(frame.width(), frame.height()) * scale);
        int minFace = Math.max(CASCADE_WINDOW, (int) (minFaceFraction * longer));
        return largest(scan(grey, 0, 0, scale, minFace, 0, frame));
    }

    /** Every face the cascade finds over the whole frame, in frame pixels. */
    @Override
    public List<FaceBox> detectAll(BgrImage frame) {
        greyOf(frame);
        double scale = Math.min(1.0, downscaleTo / Math.max(frame.width(), frame.height()));
        int longer = (int) Math.round(Math.max(frame.width(), frame.height()) * scale);
        int minFace = Math.max(CASCADE_WINDOW, (int) (minFaceFraction * longer));
        return scan(grey, 0, 0, scale, minFace, 0, frame);
    }

    private static Optional<FaceBox> largest(List<FaceBox> faces) {
        return faces.stream().max(java.util.Comparator.comparingLong(FaceBox::area));
    }

    /**
     * Scans only around {@code previous}: a region {@link #NEAR_MARGIN} of the box's size wider on
     * every side, scaled so the box is {@link #NEAR_FACE_PX} pixels wide, for faces between {@link
     * #NEAR_MIN_RATIO} and {@link #NEAR_MAX_RATIO} of its size. A few times cheaper than {@link
     * #detect} on a 640x360 frame, more on larger ones; falls back to {@link #detect} when the face
     * is not there.
     */
    @Override
    public Optional<FaceBox> detectNear(BgrImage frame, FaceBox previous) {
        int marginX = (int) Math.round(previous.width() * NEAR_MARGIN);
        int marginY = (int) Math.round(previous.height() * NEAR_MARGIN);
        int x1 = clamp(previous.x1() - marginX, frame.width() - 1);
        int y1 = clamp(previous.y1() - marginY, frame.height() - 1);
        int x2 = clamp(previous.x2() + marginX, frame.width());
        int y2 = clamp(previous.y2() + marginY, frame.height());
        double scale = Math.min(1.0, NEAR_FACE_PX / (double) Math.max(1, previous.width()));
        int minFace = Math.max(CASCADE_WINDOW, (int) (NEAR_MIN_RATIO * previous.width() * scale));
        int maxFace = (int) Math.ceil(NEAR_MAX_RATIO * previous.width() * scale);
        if (x2 - x1 < CASCADE_WINDOW || y2 - y1 < CASCADE_WINDOW || maxFace <= minFace) {
            return detect(frame);
        }
        greyOf(frame);
        Optional<FaceBox> found;
        try (Rect roi = new Rect(x1, y1, x2 - x1, y2 - y1);
                Mat region = grey.apply(roi)) {
            found = largest(scan(region, x1, y1, scale, minFace, maxFace, frame));
        }
        return found.isPresent() ? found : detect(frame);
    }

    /** The frame, as grey, in {@link #grey}. */
    private void greyOf(BgrImage frame) {
        colour.create(frame.height(), frame.width(), CV_8UC3);
        colour.data().put(frame.bgr(), 0, frame.bgr().length);
        cvtColor(colour, grey, COLOR_BGR2GRAY);
    }

    /**
     * The faces in {@code region} (whose top-left corner is at {@code offsetX, offsetY} of the
     * frame) scanned at {@code scale}, with face widths in scanned pixels between {@code minFace}
     * and {@code maxFace} (0: no upper bound); in frame pixels.
     */
    private List<FaceBox> scan(
            Mat region,
            int offsetX,
            int offsetY,
            double scale,
            int minFace,
            int maxFace,
            BgrImage frame) {
        Mat scanned = region;
        if (scale < 1.0) {
            int w = Math.max(1, (int) Math.round(region.cols() * scale));
            int h = Math.max(1, (int) Math.round(region.rows() * scale));
            try (Size target = new Size(w, h)) {
                resize(region, small, target, 0, 0, INTER_AREA);
            }
            scanned = small;
        } else {
            region.copyTo(small);
            scanned = small;
        }
        equalizeHist(scanned, scanned);
        double backX = region.cols() / (double) scanned.cols();
        double backY = region.rows() / (double) scanned.rows();
        List<FaceBox> found = new ArrayList<>();
        try (RectVector faces = new RectVector();
                Size minSize = new Size(minFace, minFace);
                Size maxSize = new Size(maxFace, maxFace)) {
            classifier.detectMultiScale(
                    scanned, faces, SCALE_STEP, MIN_NEIGHBOURS, 0, minSize, maxSize);
            for (long i = 0; i < faces.size(); i++) {
                try (Rect r = faces.get(i)) {
                    int x1 = clamp(offsetX + (int) Math.round(r.x() * backX), frame.width() - 1);
                    int y1 = clamp(offsetY + (int) Math.round(r.y() * backY), frame.height() - 1);
                    int x2 =
                            clamp(
                                    offsetX + (int) Math.round((r.x() + r.width()) * backX),
                                    frame.width());
                    int y2 =
                            clamp(
                                    offsetY + (int) Math.round((r.y() + r.height()) * backY),
                                    frame.height());
                    found.add(new FaceBox(x1, y1, Math.max(x2, x1 + 1), Math.max(y2, y1 + 1)));
                }
            }
        }
        return found;
    }

    @Override
    public void close() {
        small.close();
        grey.close();
        colour.close();
        classifier.close();
    }

    private static int clamp(int value, int max) {
        return Math.max(0, Math.min(max, value));
    }

    /** The cascade copied out of the opencv jar once per JVM, since OpenCV reads files only. */
    private static final class CascadeFile {
        private static Path path;

        static synchronized Path get() {
            if (path == null) {
                path = extract();
            }
            return path;
        }

        private static Path extract() {
            String resource =
                    "/org/bytedeco/opencv/"
                            + Loader.getPlatform()
                            + "/share/opencv4/haarcascades/"
                            + CASCADE_FILE;
            try (InputStream in = CascadeClassifier.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new FaceDetectionException(
                            "expected the face cascade on the classpath at "
                                    + resource
                                    + ", found nothing (is the opencv native jar there?)");
                }
                Path file = Files.createTempFile("lipstream-", "-" + CASCADE_FILE);
                file.toFile().deleteOnExit();
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the face cascade " + resource, e);
            }
        }
    }
}
