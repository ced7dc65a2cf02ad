package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Face detection with any ONNX model that follows this contract, run by ONNX Runtime on CPU:
 *
 * <ul>
 *   <li>one input, float32 {@code [1, 3, H, W]} with fixed {@code H} and {@code W} read from the
 *       model: the whole frame resized (stretched, bilinear) to {@code W x H}, planar, in the
 *       model's {@link ChannelOrder}, divided by 255 (values in [0, 1]);
 *   <li>first output, float32 {@code [N, 5]} (or {@code [1, N, 5]}), N may be dynamic: one row per
 *       candidate, {@code x1, y1, x2, y2, score}, corners normalised to [0, 1] of the image width
 *       and height ({@code x2, y2} exclusive).
 * </ul>
 *
 * Rows scoring below {@code minScore} are ignored; of the rest the largest box is returned, clamped
 * to the frame. Boxes are not padded. Models breaking the contract are refused when loaded. Not
 * thread-safe.
 */
public final class OnnxFaceDetector implements FaceDetector {

    /** Colour order of the model's three input planes. */
    public enum ChannelOrder {
        RGB,
        BGR
    }

    /** Default minimum score of a face. */
    public static final float DEFAULT_MIN_SCORE = 0.5f;

    /** Default intra-op threads: one, since Flink runs one detector per task slot. */
    public static final int DEFAULT_THREADS = 1;

    /** Values per output row: x1, y1, x2, y2, score. */
    public static final int BOX_VALUES = 5;

    private static final int IMAGE_RANK = 4, PLANES = 3;
    private static final float PIXEL_MAX = 255f;

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String inputName;
    private final int inputWidth;
    private final int inputHeight;
    private final int[] planeOfChannel;
    private final float minScore;
    private final FloatBuffer input;

    /** RGB input, {@link #DEFAULT_MIN_SCORE}, {@link #DEFAULT_THREADS}. */
    public OnnxFaceDetector(Path model) {
        this(model, ChannelOrder.RGB, DEFAULT_MIN_SCORE, DEFAULT_THREADS);
    }

    /**
     * @param model an ONNX file following the class contract
     * @param channelOrder the colour order the model expects
     * @param minScore rows scoring below are not faces
     * @param threads ONNX Runtime intra-op threads
     * @throws FaceDetectionException if the model does not load or breaks the contract
     */
    public OnnxFaceDetector(Path model, ChannelOrder channelOrder, float minScore, int threads) {
        this.environment = OrtEnvironment.getEnvironment();
        this.minScore = minScore;
        // Frame bytes are BGR: plane p of the input takes byte channel planeOfChannel[p].
        this.planeOfChannel =
                channelOrder == ChannelOrder.BGR ? new int[] {0, 1, 2} : new int[] {2, 1, 0};
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            this.session = environment.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new FaceDetectionException(
                    "cannot load face model " + model + ": " + e.getMessage(), e);
        }
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1) {
                throw contract(
                        model, "1 input [1,3,H,W]", inputs.size() + " inputs " + inputs.keySet());
            }
            NodeInfo in = inputs.values().iterator().next();
            long[] shape = tensorShape(model, in, "input");
            if (shape.length != IMAGE_RANK
                    || (shape[0] != 1 && shape[0] != -1)
                    || shape[1] != PLANES
                    || shape[2] <= 0
                    || shape[3] <= 0) {
                throw contract(
                        model,
                        "input [1,3,H,W] with fixed H and W",
                        in.getName() + " " + Arrays.toString(shape));
            }
            this.inputName = in.getName();
            this.inputHeight = (int) shape[2];
            this.inputWidth = (int) shape[3];
            NodeInfo out = session.getOutputInfo().values().iterator().next();
            checkOutputShape(model, out.getName(), tensorShape(model, out, "output"));
        } catch (OrtException | RuntimeException e) {
            closeQuietly();
            if (e instanceof FaceDetectionException f) {
                throw f;
            }
            throw new FaceDetectionException(
                    "cannot read face model " + model + ": " + e.getMessage(), e);
        }
        this.input =
                ByteBuffer.allocateDirect(Float.BYTES * PLANES * inputHeight * inputWidth)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
    }

    /** The model's input width and height, {W, H}. */
    public int[] inputSize() {
        return new int[] {inputWidth, inputHeight};
    }

    @Override
    public Optional<FaceBox> detect(BgrImage frame) {
        fillInput(frame);
        long[] shape = {1, PLANES, inputHeight, inputWidth};
        try (OnnxTensor tensor = OnnxTensor.createTensor(environment, input, shape);
                OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            OnnxValue value = result.get(0);
            if (!(value instanceof OnnxTensor boxes)) {
                throw new FaceDetectionException(
                        "expected a tensor of boxes, found " + value.getType());
            }
            long[] outShape = boxes.getInfo().getShape();
            checkOutputShape(null, "output", outShape);
            return largest(boxes.getFloatBuffer(), (int) outShape[outShape.length - 2], frame);
        } catch (OrtException e) {
            throw new FaceDetectionException("face model failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new FaceDetectionException("cannot close the face model: " + e.getMessage(), e);
        }
    }

    private void fillInput(BgrImage frame) {
        byte[] pixels;
        try (Mat mat = Mats.of(frame);
                Mat resized = new Mat();
                Size target = new Size(inputWidth, inputHeight)) {
            resize(mat, resized, target, 0, 0, INTER_LINEAR);
            pixels = Mats.bytes(resized);
        }
        int plane = inputWidth * inputHeight;
        for (int p = 0; p < PLANES; p++) {
            int channel = planeOfChannel[p];
            int base = p * plane;
            for (int i = 0; i < plane; i++) {
                input.put(base + i, (pixels[i * BgrImage.CHANNELS + channel] & 0xFF) / PIXEL_MAX);
            }
        }
    }

    private Optional<FaceBox> largest(FloatBuffer rows, int count, BgrImage frame) {
        FaceBox best = null;
        long bestArea = -1;
        for (int r = 0; r < count; r++) {
            int at = r * BOX_VALUES;
            float score = rows.get(at + 4);
            if (!(score >= minScore)) {
                continue;
            }
            int x1 = toPixel(rows.get(at), frame.width());
            int y1 = toPixel(rows.get(at + 1), frame.height());
            int x2 = toPixel(rows.get(at + 2), frame.width());
            int y2 = toPixel(rows.get(at + 3), frame.height());
            long area = (long) (x2 - x1) * (y2 - y1);
            if (x2 > x1 && y2 > y1 && area > bestArea) {
                bestArea = area;
                best = new FaceBox(x1, y1, x2, y2);
            }
        }
        return Optional.ofNullable(best);
    }

    /** A normalised coordinate in pixels, clamped to the frame (NaN reads as 0). */
    private static int toPixel(float normalised, int extent) {
        double pixel = Math.round(normalised * (double) extent);
        return (int) Math.max(0, Math.min(extent, pixel));
    }

    private static long[] tensorShape(Path model, NodeInfo node, String what) {
        if (!(node.getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
            throw contract(
                    model, "a float32 tensor " + what, node.getName() + " " + node.getInfo());
        }
        return info.getShape();
    }

    private static void checkOutputShape(Path model, String name, long[] shape) {
        boolean rows = shape.length == 2 && shape[1] == BOX_VALUES;
        boolean batched =
                shape.length == 3 && (shape[0] == 1 || shape[0] == -1) && shape[2] == BOX_VALUES;
        if (!rows && !batched) {
            throw contract(
                    model,
                    "output [N,5] or [1,N,5] (x1,y1,x2,y2,score)",
                    name + " " + Arrays.toString(shape));
        }
    }

    private static FaceDetectionException contract(Path model, String expected, String found) {
        return new FaceDetectionException(
                "face model "
                        + (model == null ? "" : model + " ")
                        + "breaks the contract: expected "
                        + expected
                        + ", found "
                        + found);
    }

    private void closeQuietly() {
        try {
            session.close();
        } catch (OrtException suppressed) {
            // already failing with a clearer message
        }
    }
}
