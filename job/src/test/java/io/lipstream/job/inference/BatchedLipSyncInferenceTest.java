package io.lipstream.job.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.job.stream.SyncedFace.Outcome;
import io.lipstream.tools.model.ModelSynth;
import io.lipstream.tools.model.ModelSynth.Arch;
import io.lipstream.tools.model.OnnxGraphBuilder;
import io.lipstream.tools.model.OnnxGraphBuilder.Dim;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import onnx.Onnx.TensorProto;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchedLipSyncInference} inside Flink's real async operator ({@link
 * AsyncWaitOperatorFactory}, unordered, as {@code LipSyncJob} wires it), on small generated models:
 * batching, partial flushes, face wiring, pass-through, failing batches, timeouts and restore.
 *
 * <p>The harness's task thread is the test thread: results handed back by the inference threads
 * wait in the task mailbox until {@link OperatorRun#awaitOutputs} runs its mails.
 */
class BatchedLipSyncInferenceTest {
    /** Small faces keep the runs quick; the identity model takes any face size. */
    private static final int FACE = 16;

    private static final int BATCH = 4;
    private static final int MAX_IN_FLIGHT = 2;

    /** Capacity of the async operator's queue, as LipSyncJob sizes it. */
    private static final int CAPACITY = BATCH * (MAX_IN_FLIGHT + 1);

    /** A max-wait no test reaches: a batch that runs did so because it was full. */
    private static final Duration NEVER = Duration.ofMinutes(10);

    /** Async operator timeout on the harness's manual clock; only the timeout test advances it. */
    private static final long TIMEOUT_MS = 60_000;

    /** How long to wait for results before the test fails. */
    private static final Duration AWAIT = Duration.ofSeconds(30);

    /** A mel value the guarded model refuses (its guard index is out of bounds). */
    private static final float POISON = 1000f;

    /** Guard table length of the guarded model: valid mel values (-4..4) index inside it. */
    private static final int GUARD_SIZE = 9;

    private static final int MEL_FLOATS = Wav2LipShapes.melValues();

    @TempDir Path dir;

    private final List<OperatorRun> runs = new ArrayList<>();
    private final Random random = new Random(7);

    @AfterEach
    void closeRuns() throws Exception {
        for (OperatorRun run : runs) {
            run.close();
        }
    }

    @ParameterizedTest(name = "fixed batch {0}")
    @ValueSource(ints = {0, BATCH})
    void shouldRunAFullBatchAtOnce(int fixedBatch) throws Exception {
        OperatorRun run = open(identity(fixedBatch), NEVER);
        for (int i = 0; i < BATCH; i++) {
            run.process(pair(i));
        }

        List<SyncedFace> out = run.awaitOutputs(BATCH);

        assertEquals(BATCH, out.size());
        out.forEach(face -> assertEquals(Outcome.SYNCED, face.outcome));
        Histogram sizes = run.metric("batchSize");
        assertEquals(1, sizes.getCount());
        assertEquals(BATCH, sizes.getStatistics().getMax());
        assertEquals(1.0, run.<Gauge<Double>>metric("batchFillRatio").getValue());
        assertEquals(0, run.<Counter>metric("paddedSlots").getCount());
        assertEquals(1, run.<Meter>metric("batchesPerSecond").getCount());
        // The busy time adds up the batches' latencies: here the one batch's.
        assertEquals(
                run.<Histogram>metric("inferenceLatencyMs").getStatistics().getMax(),
                run.<Meter>metric("inferenceBusyMsPerSecond").getCount());
    }

    @ParameterizedTest(name = "fixed batch {0}")
    @ValueSource(ints = {0, BATCH})
    void shouldFlushAPartialBatchAfterMaxWait(int fixedBatch) throws Exception {
        Duration maxWait = Duration.ofMillis(300);
        OperatorRun run = open(identity(fixedBatch), maxWait);
        int partial = BATCH - 1;
        long firstQueued = System.nanoTime();
        for (int i = 0; i < partial; i++) {
            run.process(pair(i));
        }

        List<SyncedFace> out = run.awaitOutputs(partial);

        long waitedMs = (System.nanoTime() - firstQueued) / 1_000_000;
        assertTrue(waitedMs >= maxWait.toMillis(), "flushed after " + waitedMs + " ms");
        assertEquals(partial, out.size());
        Histogram sizes = run.metric("batchSize");
        assertEquals(1, sizes.getCount());
        assertEquals(partial, sizes.getStatistics().getMax());
        assertEquals(
                (double) partial / BATCH, run.<Gauge<Double>>metric("batchFillRatio").getValue());
        // A fixed-batch model runs the partial batch padded to its size.
        long padding = fixedBatch == 0 ? 0 : fixedBatch - partial;
        assertEquals(padding, run.<Counter>metric("paddedSlots").getCount());
    }

    @Test
    void shouldGenerateTheReferenceHalfOfEachPairsCropWithTheIdentityModel() throws Exception {
        OperatorRun run = open(identity(0), NEVER);
        Map<Long, byte[]> crops = new HashMap<>();
        for (int i = 0; i < BATCH * 2; i++) {
            MelFacePair p = pair(i);
            crops.put(p.frame.frameIndex, p.frame.crop.clone());
            run.process(p);
        }

        for (SyncedFace face : run.awaitOutputs(BATCH * 2)) {
            assertEquals(Outcome.SYNCED, face.outcome);
            assertArrayEquals(
                    crops.get(face.frame.frameIndex),
                    face.generated,
                    "frame " + face.frame.frameIndex);
        }
    }

    @Test
    void shouldPassFramesWithoutAFaceThroughAtOnce() throws Exception {
        OperatorRun run = open(identity(0), NEVER);
        run.process(pair(0)); // waits for a batch that never fills
        MelFacePair noFace = pair(1);
        noFace.frame.box = null;
        noFace.frame.crop = null;
        run.process(noFace);

        List<SyncedFace> out = run.awaitOutputs(1);

        assertEquals(1, out.size());
        assertEquals(1, out.get(0).frame.frameIndex);
        assertEquals(Outcome.NO_FACE, out.get(0).outcome);
        assertNull(out.get(0).generated);
        assertEquals(1, run.<Counter>metric("passThrough").getCount());
    }

    @Test
    void shouldRetryAFailingBatchOnceThenPassItsFramesThroughAndGoOn() throws Exception {
        OperatorRun run = open(guardedIdentity(), NEVER);
        for (int i = 0; i < BATCH; i++) {
            MelFacePair p = pair(i);
            if (i == 2) {
                Arrays.fill(p.mel, POISON); // ONNX Runtime fails the whole batch on this pair
            }
            run.process(p);
        }

        List<SyncedFace> failed = run.awaitOutputs(BATCH);

        failed.forEach(face -> assertEquals(Outcome.MODEL_ERROR, face.outcome));
        assertEquals(1, run.<Counter>metric("failedBatches").getCount());
        assertEquals(1, run.<Counter>metric("batchRetries").getCount());
        assertEquals(BATCH, run.<Counter>metric("passThrough").getCount());

        Map<Long, byte[]> crops = new HashMap<>();
        for (int i = BATCH; i < BATCH * 2; i++) {
            MelFacePair p = pair(i);
            crops.put(p.frame.frameIndex, p.frame.crop.clone());
            run.process(p);
        }
        List<SyncedFace> all = run.awaitOutputs(BATCH * 2);
        for (SyncedFace face : all.subList(BATCH, all.size())) {
            assertEquals(Outcome.SYNCED, face.outcome, "frame " + face.frame.frameIndex);
            assertArrayEquals(crops.get(face.frame.frameIndex), face.generated);
        }
        assertEquals(1, run.<Counter>metric("failedBatches").getCount());
    }

    @Test
    void shouldPassAMalformedPairThroughWithoutFailingItsBatch() throws Exception {
        OperatorRun run = open(identity(0), NEVER);
        for (int i = 0; i < BATCH; i++) {
            MelFacePair p = pair(i);
            if (i == 1) {
                p.frame.crop = new byte[FACE * FACE]; // one channel instead of three
            }
            run.process(p);
        }

        Map<Long, Outcome> outcomes = outcomes(run.awaitOutputs(BATCH));

        assertEquals(Outcome.MODEL_ERROR, outcomes.get(1L));
        for (long i : List.of(0L, 2L, 3L)) {
            assertEquals(Outcome.SYNCED, outcomes.get(i), "frame " + i);
        }
        assertEquals(0, run.<Counter>metric("failedBatches").getCount());
        assertEquals(1, run.<Counter>metric("passThrough").getCount());
    }

    @Test
    void shouldEmitAndCountATimedOutPairOnceWhenItsBatchRunsLater() throws Exception {
        OperatorRun run = open(identity(0), NEVER);
        run.harness.setProcessingTime(0);
        run.process(pair(0));
        run.process(pair(1));
        run.harness.setProcessingTime(TIMEOUT_MS + 1);
        List<SyncedFace> timedOut = run.awaitOutputs(2);
        timedOut.forEach(face -> assertEquals(Outcome.TIMEOUT, face.outcome));

        // Two more fill the batch that still holds the timed-out pairs.
        run.process(pair(2));
        run.process(pair(3));
        List<SyncedFace> out = run.awaitOutputs(4);
        run.runMailsFor(Duration.ofMillis(300));

        assertEquals(4, run.harness.extractOutputValues().size(), "no pair emitted twice");
        Map<Long, Outcome> outcomes = outcomes(out);
        assertEquals(Outcome.TIMEOUT, outcomes.get(0L));
        assertEquals(Outcome.TIMEOUT, outcomes.get(1L));
        assertEquals(Outcome.SYNCED, outcomes.get(2L));
        assertEquals(Outcome.SYNCED, outcomes.get(3L));
        assertEquals(4, run.<Counter>metric("pairsOut").getCount());
        assertEquals(2, run.<Counter>metric("passThrough").getCount());
        assertEquals(2, run.<Histogram>metric("batchSize").getStatistics().getMax());
    }

    @Test
    void shouldLoseNothingWhenRestoredWithPairsInFlight() throws Exception {
        Path model = identity(0);
        OperatorRun first = open(model, NEVER);
        for (int i = 0; i < BATCH - 1; i++) {
            first.process(pair(i));
        }
        OperatorSubtaskState snapshot = first.harness.snapshot(1L, 1L);
        first.runMailsFor(Duration.ofMillis(100));
        assertEquals(0, first.harness.extractOutputValues().size(), "pairs were in flight");
        first.close(); // the failure: whatever was gathering is gone with this instance
        runs.remove(first);

        OperatorRun restored = new OperatorRun(settings(model, NEVER));
        runs.add(restored);
        restored.harness.initializeState(snapshot);
        restored.harness.open(); // re-invokes the function for the pairs in flight
        for (int i = BATCH - 1; i < BATCH * 2; i++) {
            restored.process(pair(i));
        }

        List<SyncedFace> out = restored.awaitOutputs(BATCH * 2);
        restored.runMailsFor(Duration.ofMillis(300));

        Map<Long, Long> timesSeen =
                restored.harness.extractOutputValues().stream()
                        .collect(
                                Collectors.groupingBy(
                                        f -> f.frame.frameIndex,
                                        TreeMap::new,
                                        Collectors.counting()));
        Map<Long, Long> once = new TreeMap<>();
        for (long i = 0; i < BATCH * 2; i++) {
            once.put(i, 1L);
        }
        assertEquals(once, timesSeen);
        out.forEach(face -> assertEquals(Outcome.SYNCED, face.outcome));
    }

    // ---------------------------------------------------------------------------------------

    private OperatorRun open(Path model, Duration maxWait) throws Exception {
        OperatorRun run = new OperatorRun(settings(model, maxWait));
        runs.add(run);
        run.harness.open();
        return run;
    }

    private static InferenceOptions.Settings settings(Path model, Duration maxWait) {
        return new InferenceOptions.Settings(
                model.toString(),
                "cpu",
                false,
                BATCH,
                maxWait,
                MAX_IN_FLIGHT,
                Duration.ofMillis(TIMEOUT_MS),
                1);
    }

    /** The identity model, dynamic batch when {@code fixedBatch} is 0. */
    private Path identity(int fixedBatch) throws Exception {
        Path onnx = dir.resolve("identity-" + fixedBatch + ".onnx");
        ModelSynth.write(onnx, Arch.IDENTITY, fixedBatch == 0 ? null : fixedBatch, FACE, 0);
        return onnx;
    }

    /**
     * The identity model plus a guard that makes ONNX Runtime fail a whole run when any mel value
     * in the batch is {@link #POISON}: {@code generated = face[:,3:6] + guard[int(max(mel))]} with
     * a zero guard table, so a valid batch comes out exactly as with the identity model and a
     * poisoned one ends in Gather's out-of-bounds error, a real runtime failure of the session.
     */
    private Path guardedIdentity() throws Exception {
        Dim b = Dim.symbolic(ModelSynth.BATCH_DIM);
        Dim s = Dim.of(FACE);
        OnnxGraphBuilder g = new OnnxGraphBuilder("guarded_identity");
        g.input(
                        "mel",
                        b,
                        Dim.of(Wav2LipShapes.MEL_CHANNELS),
                        Dim.of(Wav2LipShapes.MEL_BANDS),
                        Dim.of(Wav2LipShapes.MEL_STEP))
                .input("face", b, Dim.of(Wav2LipShapes.FACE_CHANNELS), s, s)
                .output("generated", b, Dim.of(Wav2LipShapes.OUTPUT_CHANNELS), s, s);
        long[] one = {1};
        g.int64Initializer("starts", one, new long[] {Wav2LipShapes.REFERENCE_CHANNEL});
        g.int64Initializer("ends", one, new long[] {Wav2LipShapes.FACE_CHANNELS});
        g.int64Initializer("axes", one, new long[] {1});
        g.floatInitializer("guard", new long[] {GUARD_SIZE}, new float[GUARD_SIZE]);
        g.node("Slice", List.of("face", "starts", "ends", "axes"), List.of("reference"));
        g.node(
                "ReduceMax",
                List.of("mel"),
                List.of("melMax"),
                OnnxGraphBuilder.intAttr("keepdims", 0));
        g.node(
                "Cast",
                List.of("melMax"),
                List.of("guardIndex"),
                OnnxGraphBuilder.intAttr("to", TensorProto.DataType.INT64_VALUE));
        g.node("Gather", List.of("guard", "guardIndex"), List.of("guardValue"));
        g.node("Add", List.of("reference", "guardValue"), List.of("generated"));
        Path onnx = dir.resolve("guarded-identity.onnx");
        g.write(onnx, ModelSynth.PRODUCER);
        return onnx;
    }

    /** A pair of stream "s" with a random crop and a valid mel window. */
    private MelFacePair pair(long index) {
        FaceFrame frame = new FaceFrame();
        frame.streamId = "s";
        frame.frameIndex = index;
        frame.fpsNum = 25;
        frame.fpsDen = 1;
        frame.width = FACE;
        frame.height = FACE;
        frame.image = new byte[0];
        frame.box = new FaceBox(0, 0, FACE, FACE);
        frame.crop = new byte[FACE * FACE * 3];
        random.nextBytes(frame.crop);
        frame.faceSize = FACE;
        float[] mel = new float[MEL_FLOATS];
        for (int i = 0; i < mel.length; i++) {
            mel[i] = random.nextFloat() * 8 - 4; // Wav2Lip's mel range [-4, 4]
        }
        return new MelFacePair(frame, mel);
    }

    private static Map<Long, Outcome> outcomes(List<SyncedFace> faces) {
        Map<Long, Outcome> outcomes = new HashMap<>();
        faces.forEach(f -> outcomes.put(f.frame.frameIndex, f.outcome));
        return outcomes;
    }

    /** One harnessed async operator with its metrics, on its own mock task. */
    private static final class OperatorRun implements AutoCloseable {
        final OneInputStreamOperatorTestHarness<MelFacePair, SyncedFace> harness;
        private final MockEnvironment environment;
        private final Map<String, Metric> metrics = new ConcurrentHashMap<>();
        private boolean closed;

        OperatorRun(InferenceOptions.Settings settings) throws Exception {
            TestingMetricRegistry registry =
                    TestingMetricRegistry.builder()
                            .setRegisterConsumer(
                                    (metric, name, group) ->
                                            metrics.put(group.getMetricIdentifier(name), metric))
                            .build();
            TaskMetricGroup task =
                    TaskManagerMetricGroup.createTaskManagerMetricGroup(
                                    registry, "localhost", ResourceID.generate())
                            .addJob(new JobID(), "job")
                            .addTask(ExecutionAttemptID.randomId(), "task");
            environment = new MockEnvironmentBuilder().setMetricGroup(task).build();
            harness =
                    new OneInputStreamOperatorTestHarness<>(
                            new AsyncWaitOperatorFactory<>(
                                    new BatchedLipSyncInference(settings),
                                    TIMEOUT_MS,
                                    CAPACITY,
                                    OutputMode.UNORDERED),
                            TypeInformation.of(MelFacePair.class)
                                    .createSerializer(new SerializerConfigImpl()),
                            environment);
        }

        void process(MelFacePair pair) throws Exception {
            harness.processElement(new StreamRecord<>(pair, pair.frame.frameIndex));
        }

        /** Runs the task's mails until {@code n} results are out; fails after {@link #AWAIT}. */
        List<SyncedFace> awaitOutputs(int n) throws Exception {
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (harness.extractOutputValues().size() < n) {
                if (!runOneMail()) {
                    if (System.nanoTime() > deadline) {
                        fail(
                                "expected "
                                        + n
                                        + " results within "
                                        + AWAIT
                                        + ", found "
                                        + harness.extractOutputValues().size());
                    }
                    Thread.sleep(2);
                }
            }
            return harness.extractOutputValues();
        }

        /** Runs whatever mail arrives during {@code time}: lets a stray duplicate show up. */
        void runMailsFor(Duration time) throws Exception {
            long end = System.nanoTime() + time.toNanos();
            while (System.nanoTime() < end) {
                if (!runOneMail()) {
                    Thread.sleep(2);
                }
            }
        }

        private boolean runOneMail() throws Exception {
            Optional<Mail> mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isEmpty()) {
                return false;
            }
            mail.get().run();
            return true;
        }

        /** The operator's {@code lipsync.<name>} metric. */
        @SuppressWarnings("unchecked")
        <M extends Metric> M metric(String name) {
            String suffix = ".lipsync." + name;
            List<Metric> found =
                    metrics.entrySet().stream()
                            .filter(e -> e.getKey().endsWith(suffix))
                            .map(Map.Entry::getValue)
                            .toList();
            assertEquals(1, found.size(), "metrics ending in " + suffix + ": " + metrics.keySet());
            return (M) found.get(0);
        }

        @Override
        public void close() throws Exception {
            if (closed) {
                return;
            }
            closed = true;
            try {
                harness.close();
            } finally {
                environment.close();
            }
        }
    }
}
