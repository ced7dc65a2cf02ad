package io.lipstream.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded Wav2Lip ONNX model: one ONNX Runtime session bound to Wav2Lip's tensors by shape.
 *
 * <p>Start-up binds the mel input {@code [B,1,80,16]} and the face input {@code [B,6,S,S]} whatever
 * their names or order, and checks for an output {@code [B,3,S,S]}; any other model is a {@link
 * ModelRejectedException}. {@link #run} takes any number of pairs: a dynamic-batch model runs them
 * in one call; a fixed-batch model (the common {@code 128,...} exports) runs full batches in place,
 * pads a partial batch with zeros and drops the padding's outputs.
 *
 * <p>Device: see {@link InferenceDevice}. CUDA is tried only where an NVIDIA GPU is visible; if its
 * provider fails to load, the model runs on the CPU and {@link #fallbackReason()} says why. {@link
 * #run} is thread-safe (ONNX Runtime sessions are); {@link #close} must not race a run.
 */
public final class Wav2LipModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Wav2LipModel.class);

    /** Where TensorRT keeps built engines; building one takes minutes, loading it seconds. */
    private static final String TENSORRT_CACHE_DIR = "lipstream-tensorrt-cache";

    /** ONNX Runtime session option: whether idle intra-op threads spin before sleeping. */
    private static final String INTRA_OP_SPINNING = "session.intra_op.allow_spinning";

    /**
     * The first GPU provider failure in this JVM. Each {@code addCUDA} unpacks a 583 MB library, so
     * once it has failed later loads go straight to the CPU with the same reason.
     */
    private static final AtomicReference<String> GPU_PROVIDER_FAILURE = new AtomicReference<>();

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSignature signature;
    private final String deviceInUse;
    private final Optional<String> fallbackReason;
    private final Path path;
    private final int melValues;
    private final int faceValues;
    private final int outputValues;

    /** Padding buffers for partial fixed batches, one per concurrent caller at most. */
    private final ConcurrentLinkedQueue<PaddedBatch> paddedBatches = new ConcurrentLinkedQueue<>();

    private volatile boolean closed;

    /** Runs allowed at once; unlimited until {@link #limitConcurrentRuns}. */
    private volatile Semaphore runSlots;

    private volatile int maxConcurrentRuns;

    private Wav2LipModel(
            OrtEnvironment env,
            OrtSession session,
            ModelSignature signature,
            String deviceInUse,
            Optional<String> fallbackReason,
            Path path) {
        this.env = env;
        this.session = session;
        this.signature = signature;
        this.deviceInUse = deviceInUse;
        this.fallbackReason = fallbackReason;
        this.path = path;
        this.melValues = Wav2LipShapes.melValues();
        this.faceValues = Wav2LipShapes.faceValues(signature.faceSize());
        this.outputValues = Wav2LipShapes.outputValues(signature.faceSize());
    }

    /**
     * Loads and binds a model.
     *
     * @param intraOpThreads ONNX Runtime intra-op threads; 0 or less means one per available
     *     processor
     * @throws ModelRejectedException when the file is not a loadable ONNX model or not Wav2Lip's
     *     shape
     * @throws UncheckedIOException when the file is missing or unreadable
     */
    public static Wav2LipModel load(Path onnx, InferenceDevice device, int intraOpThreads) {
        if (!Files.isRegularFile(onnx) || !Files.isReadable(onnx)) {
            throw new UncheckedIOException(
                    new NoSuchFileException(
                            onnx.toString(), null, "model file missing or unreadable"));
        }
        int threads =
                intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
        DeviceSelection.Choice choice = DeviceSelection.choose(device, NvidiaGpus.visible());
        OrtEnvironment env = OrtRuntime.environment();
        InferenceDevice target = choice.target();
        Optional<String> fallback = choice.fallbackReason();
        String earlierFailure = GPU_PROVIDER_FAILURE.get();
        if (target.wantsGpu() && earlierFailure != null) {
            fallback = Optional.of(target + " not tried again: " + earlierFailure);
            target = InferenceDevice.CPU;
        }
        OrtSession session;
        try {
            session = openSession(env, onnx, target, threads);
        } catch (OrtException e) {
            if (target.kind() == InferenceDevice.Kind.CPU) {
                throw notLoadable(onnx, e);
            }
            String reason = target + " provider failed to load: " + e.getMessage();
            GPU_PROVIDER_FAILURE.compareAndSet(null, reason);
            fallback = Optional.of(reason);
            target = InferenceDevice.CPU;
            try {
                session = openSession(env, onnx, target, threads);
            } catch (OrtException cpuFailure) {
                throw notLoadable(onnx, cpuFailure);
            }
        }
        fallback.ifPresent(
                reason -> LOG.warn("Model {} runs on the CPU instead: {}", onnx, reason));
        try {
            ModelSignature signature =
                    SignatureBinder.bind(
                            declared(session.getInputInfo()), declared(session.getOutputInfo()));
            LOG.info("Loaded {} on {}: {}", onnx, target, signature);
            return new Wav2LipModel(env, session, signature, target.toString(), fallback, onnx);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            if (e instanceof ModelRejectedException rejected) {
                throw rejected;
            }
            throw notLoadable(onnx, e);
        }
    }

    /**
     * Batches worth running at once on a device when the user does not say: 1 on the CPU, where one
     * run already keeps every intra-op thread busy and a second only competes for the cores (and
     * for the CPU the rest of the pipeline needs), 2 on a GPU, where one batch's copies overlap the
     * other's compute.
     */
    public static int defaultConcurrentRuns(String deviceInUse) {
        return InferenceDevice.CPU.toString().equals(deviceInUse) ? 1 : 2;
    }

    /**
     * Runs allowed at once for the setting {@code inference.max-in-flight}: the value itself, or
     * for 0 the device's default ({@link #defaultConcurrentRuns}).
     */
    public static int concurrentRuns(int maxInFlight, String deviceInUse) {
        return maxInFlight > 0 ? maxInFlight : defaultConcurrentRuns(deviceInUse);
    }

    /** Lets at most {@code runs} calls of {@link #run} proceed at once; the others wait. */
    void limitConcurrentRuns(int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("concurrent runs must be >= 1, got " + runs);
        }
        maxConcurrentRuns = runs;
        runSlots = new Semaphore(runs, true);
    }

    /** How many {@link #run} calls may proceed at once; 0 when unlimited. */
    public int maxConcurrentRuns() {
        return maxConcurrentRuns;
    }

    public ModelSignature signature() {
        return signature;
    }

    public int faceSize() {
        return signature.faceSize();
    }

    /** What the model really runs on after any fallback: {@code cpu}, {@code cuda:0}, ... */
    public String deviceInUse() {
        return deviceInUse;
    }

    /** Why the model runs on the CPU although a GPU was asked for, if it does. */
    public Optional<String> fallbackReason() {
        return fallbackReason;
    }

    /** The file the model was loaded from. */
    public Path path() {
        return path;
    }

    /**
     * Runs {@code n} pairs.
     *
     * @param mel {@code n*80*16} floats, pair-major ({@code [n,1,80,16]}), read from index 0
     * @param face {@code n*6*S*S} floats ({@code [n,6,S,S]}), read from index 0
     * @param out receives {@code n*3*S*S} floats ({@code [n,3,S,S]}) from index 0; its position is
     *     left unchanged
     * @throws InferenceException when ONNX Runtime fails
     * @throws IllegalArgumentException when a buffer is too small for {@code n} pairs
     * @throws IllegalStateException after {@link #close}
     */
    public void run(FloatBuffer mel, FloatBuffer face, int n, FloatBuffer out)
            throws InferenceException {
        if (n <= 0) {
            throw new IllegalArgumentException("pair count must be positive, got " + n);
        }
        checkHolds("mel", mel, n, melValues);
        checkHolds("face", face, n, faceValues);
        checkHolds("out", out, n, outputValues);
        if (closed) {
            throw new IllegalStateException("model " + path + " is closed");
        }
        int chunk = signature.fixedBatch().orElse(n);
        Semaphore slots = runSlots;
        if (slots != null) {
            slots.acquireUninterruptibly();
        }
        try {
            for (int first = 0; first < n; first += chunk) {
                int count = Math.min(chunk, n - first);
                if (count == chunk) {
                    runInPlace(mel, face, out, first, count);
                } else {
                    runPadded(mel, face, out, first, count, chunk);
                }
            }
        } catch (OrtException e) {
            throw new InferenceException(
                    "ONNX Runtime failed on " + n + " pairs (" + deviceInUse + "): " + e, e);
        } finally {
            if (slots != null) {
                slots.release();
            }
        }
    }

    /** Runs pairs {@code [first, first+count)} straight from and into the caller's buffers. */
    private void runInPlace(
            FloatBuffer mel, FloatBuffer face, FloatBuffer out, int first, int count)
            throws OrtException {
        FloatBuffer outSlice = out.slice(first * outputValues, count * outputValues);
        try (OnnxTensor melTensor =
                        OnnxTensor.createTensor(
                                env,
                                mel.slice(first * melValues, count * melValues),
                                melShape(count));
                OnnxTensor faceTensor =
                        OnnxTensor.createTensor(
                                env,
                                face.slice(first * faceValues, count * faceValues),
                                faceShape(count))) {
            Map<String, OnnxTensor> inputs =
                    Map.of(signature.melInput(), melTensor, signature.faceInput(), faceTensor);
            if (writesInPlace(outSlice)) {
                try (OnnxTensor outTensor =
                                OnnxTensor.createTensor(env, outSlice, outputShape(count));
                        OrtSession.Result ignored =
                                session.run(inputs, Map.of(signature.output(), outTensor))) {
                    // ONNX Runtime wrote straight into the caller's buffer.
                }
            } else {
                try (OrtSession.Result result = session.run(inputs)) {
                    OnnxValue value =
                            result.get(signature.output())
                                    .orElseThrow(
                                            () ->
                                                    new IllegalStateException(
                                                            "no output " + signature.output()));
                    outSlice.put(0, ((OnnxTensor) value).getFloatBuffer(), 0, count * outputValues);
                }
            }
        }
    }

    /** Runs a partial batch padded with zeros to the model's fixed batch. */
    private void runPadded(
            FloatBuffer mel, FloatBuffer face, FloatBuffer out, int first, int count, int batch)
            throws OrtException {
        PaddedBatch padded = paddedBatches.poll();
        if (padded == null) {
            padded = new PaddedBatch(batch, melValues, faceValues, outputValues);
        }
        try {
            padded.fill(mel, face, first, count);
            runInPlace(padded.mel, padded.face, padded.out, 0, batch);
            out.put(first * outputValues, padded.out, 0, count * outputValues);
        } finally {
            paddedBatches.add(padded);
        }
    }

    private static boolean writesInPlace(FloatBuffer out) {
        // ONNX Runtime can only write into native-order direct memory.
        return out.isDirect() && out.order() == ByteOrder.nativeOrder() && !out.isReadOnly();
    }

    private long[] melShape(int n) {
        return new long[] {
            n, Wav2LipShapes.MEL_CHANNELS, Wav2LipShapes.MEL_BANDS, Wav2LipShapes.MEL_STEP
        };
    }

    private long[] faceShape(int n) {
        return new long[] {
            n, Wav2LipShapes.FACE_CHANNELS, signature.faceSize(), signature.faceSize()
        };
    }

    private long[] outputShape(int n) {
        return new long[] {
            n, Wav2LipShapes.OUTPUT_CHANNELS, signature.faceSize(), signature.faceSize()
        };
    }

    private static void checkHolds(String name, FloatBuffer buffer, int n, int perPair) {
        long needed = (long) n * perPair;
        if (buffer.limit() < needed) {
            throw new IllegalArgumentException(
                    name
                            + " buffer holds "
                            + buffer.limit()
                            + " floats; expected at least "
                            + needed
                            + " for "
                            + n
                            + " pairs of "
                            + perPair);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(session);
        paddedBatches.clear();
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Wav2LipModel[" + path + " on " + deviceInUse + ", " + signature + "]";
    }

    private static OrtSession openSession(
            OrtEnvironment env, Path onnx, InferenceDevice target, int threads)
            throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            // Idle intra-op threads sleep instead of spinning: spinning keeps the cores the rest
            // of the pipeline needs. On 2 CPU cores the 8-stream bench put out 29.0 frames/s
            // without spinning against 27.4 with it, for the same bare throughput (35.0 and 35.3
            // pairs/s at batch 128).
            options.addConfigEntry(INTRA_OP_SPINNING, "0");
            // Without memory-pattern planning a new batch shape costs no more than a known one
            // (with it, the first run at each new partial-batch size was up to 1.35x slower), and
            // steady runs cost the same: about 29 ms per pair either way at batch 60 to 64.
            options.setMemoryPatternOptimization(false);
            switch (target.kind()) {
                case TENSORRT:
                    OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(target.index());
                    trt.add("trt_fp16_enable", target.fp16() ? "1" : "0");
                    trt.add("trt_engine_cache_enable", "1");
                    trt.add(
                            "trt_engine_cache_path",
                            Path.of(System.getProperty("java.io.tmpdir"), TENSORRT_CACHE_DIR)
                                    .toString());
                    options.addTensorrt(trt);
                    // Nodes TensorRT does not take run on CUDA rather than on the CPU.
                    options.addCUDA(target.index());
                    break;
                case CUDA:
                    options.addCUDA(target.index());
                    break;
                default:
                    break;
            }
            // On a thread of its own, named for ONNX Runtime: the session's intra-op threads
            // inherit that name (see OrtRuntime.onOwnThread).
            return OrtRuntime.onOwnThread(
                    OrtRuntime.THREAD_NAME, () -> env.createSession(onnx.toString(), options));
        } catch (OrtException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("loading " + onnx + " failed: " + e.getMessage(), e);
        }
    }

    private static List<SignatureBinder.Tensor> declared(Map<String, NodeInfo> infos) {
        List<SignatureBinder.Tensor> tensors = new ArrayList<>();
        for (NodeInfo node : infos.values()) {
            ValueInfo info = node.getInfo();
            if (info instanceof TensorInfo tensor) {
                tensors.add(
                        new SignatureBinder.Tensor(
                                node.getName(),
                                tensor.getShape(),
                                tensor.type == OnnxJavaType.FLOAT));
            } else {
                tensors.add(new SignatureBinder.Tensor(node.getName(), new long[0], false));
            }
        }
        return tensors;
    }

    private static ModelRejectedException notLoadable(Path onnx, Exception e) {
        return new ModelRejectedException(
                "model " + onnx + " is not an ONNX model ONNX Runtime can load: " + e.getMessage(),
                e);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("Closing an ONNX Runtime session failed", e);
        }
    }

    /** Direct buffers of one fixed batch; the padding rows are kept at zero. */
    private static final class PaddedBatch {
        final FloatBuffer mel;
        final FloatBuffer face;
        final FloatBuffer out;
        private final int melValues;
        private final int faceValues;

        /** Pairs holding caller data from the last fill; rows past it are zero. */
        private int dirtyPairs;

        PaddedBatch(int batch, int melValues, int faceValues, int outputValues) {
            this.melValues = melValues;
            this.faceValues = faceValues;
            this.mel = directFloats(batch * melValues);
            this.face = directFloats(batch * faceValues);
            this.out = directFloats(batch * outputValues);
        }

        void fill(FloatBuffer melSource, FloatBuffer faceSource, int first, int count) {
            mel.put(0, melSource, first * melValues, count * melValues);
            face.put(0, faceSource, first * faceValues, count * faceValues);
            for (int i = count * melValues; i < dirtyPairs * melValues; i++) {
                mel.put(i, 0f);
            }
            for (int i = count * faceValues; i < dirtyPairs * faceValues; i++) {
                face.put(i, 0f);
            }
            dirtyPairs = count;
        }
    }

    /** A zeroed direct buffer in native order, as ONNX Runtime reads without copying. */
    public static FloatBuffer directFloats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}
