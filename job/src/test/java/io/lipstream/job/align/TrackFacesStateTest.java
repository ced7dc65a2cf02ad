package io.lipstream.job.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.FaceTrackState;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.samples.Samples;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.VideoFrame;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.ToolProvider;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TrackFaces' keyed state: written by Flink's POJO serializer (no Kryo), empty with no timers once
 * a stream ends, and restored from savepoints, also from one taken before a field was added.
 */
class TrackFacesStateTest {
    private static final int FACE = 96;
    private static final FacesOptions.Settings SETTINGS =
            new FacesOptions.Settings(5, 320, null, Blend.HARD, 4096, 4096, 32 << 20);
    private static byte[] portrait;

    @BeforeAll
    static void read() throws IOException {
        portrait = Files.readAllBytes(Samples.FACE_PNG.path());
    }

    @Test
    void shouldDescribeItsStateWithAPojoSerializerNotKryo() {
        var config = new org.apache.flink.api.common.ExecutionConfig();
        // Any part that Flink would hand to Kryo throws here.
        ((SerializerConfigImpl) config.getSerializerConfig()).setGenericTypes(false);
        ValueStateDescriptor<FaceTrackState> descriptor = TrackFaces.stateDescriptor();
        descriptor.initializeSerializerUnlessSet(config);
        assertInstanceOf(PojoSerializer.class, descriptor.getSerializer());
    }

    @Test
    void shouldEndEveryStreamWithNoStateAndNoTimersWhenGenericTypesAreOff() throws Exception {
        var harness = harness();
        ((SerializerConfigImpl) harness.getExecutionConfig().getSerializerConfig())
                .setGenericTypes(false);
        harness.open();
        for (long i : new long[] {0, 2, 1, 3, 5, 4, 6}) {
            harness.processElement(new StreamRecord<>(frame("a", i, i == 6), i));
            harness.processElement(new StreamRecord<>(frame("b", i, i == 6), i));
        }
        assertEquals(14, harness.extractOutputValues().size());
        assertEquals(0, harness.numKeyedStateEntries());
        assertEquals(0, harness.numProcessingTimeTimers());
        assertEquals(0, harness.numEventTimeTimers());
        harness.close();
    }

    @Test
    void shouldContinueFromASavepointAsIfNeverStopped() throws Exception {
        long[] before = {0, 1, 3, 2, 5};
        long[] after = {4, 6, 7, 8};
        final long last = 8;
        List<FaceFrame> uninterrupted = run(harness(), last, before, after);

        var first = harness();
        first.open();
        feed(first, before, last);
        OperatorSubtaskState savepoint = savepoint(first);
        List<FaceFrame> out = new ArrayList<>(first.extractOutputValues());
        first.close();

        var second = harness();
        second.initializeState(savepoint);
        second.open();
        feed(second, after, last);
        out.addAll(second.extractOutputValues());

        assertSameFrames(uninterrupted, out);
        assertEquals(0, second.numKeyedStateEntries());
        second.close();
    }

    /**
     * A savepoint written with {@link FaceTrackState} as it was before {@code nearDetections} was
     * added (that class compiled from a resource into its own class loader) restores into today's
     * operator, which carries on: the new field starts empty (the next detection scans the whole
     * frame).
     */
    @Test
    void shouldRestoreASavepointTakenBeforeAFieldWasAdded(@TempDir Path dir) throws Exception {
        long[] before = {0, 1, 2, 4, 3, 5, 6};
        long[] after = {7, 8, 9, 10, 11};
        final long last = 11;
        List<FaceFrame> uninterrupted = run(harness(), last, before, after);

        // Today's state after the first frames, copied into the old class shape.
        var first = harness();
        first.open();
        feed(first, before, last);
        List<FaceFrame> out = new ArrayList<>(first.extractOutputValues());
        OperatorSubtaskState today = savepoint(first);
        first.close();
        FaceTrackState current = readState(today);

        ClassLoader oldLoader = compileOldShape(dir);
        Class<?> oldClass = oldLoader.loadClass(FaceTrackState.class.getName());
        assertTrue(
                java.util.Arrays.stream(oldClass.getDeclaredFields())
                        .noneMatch(f -> f.getName().equals("nearDetections")),
                "the old shape lacks the field");
        Object old = copyBeanProperties(current, oldClass.getConstructor().newInstance());

        var writer =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new WriteState(oldClass, old)),
                        (String key) -> key,
                        Types.STRING,
                        new MockEnvironmentBuilder().setUserCodeClassLoader(oldLoader).build());
        writer.open();
        writer.processElement(new StreamRecord<>("s", 0));
        OperatorSubtaskState oldSavepoint = savepoint(writer);
        writer.close();

        var restored = harness();
        restored.initializeState(oldSavepoint);
        restored.open();
        feed(restored, after, last);
        out.addAll(restored.extractOutputValues());

        assertEquals(indices(uninterrupted), indices(out));
        assertTrue(out.stream().allMatch(FaceFrame::hasFace), "every frame keeps its face");
        for (int i = 0; i < out.size(); i++) {
            // A whole-frame scan instead of a look around the last box may move it a little.
            FaceFrame a = uninterrupted.get(i);
            FaceFrame b = out.get(i);
            int shift =
                    Math.max(Math.abs(a.box.x1() - b.box.x1()), Math.abs(a.box.y2() - b.box.y2()));
            assertTrue(shift <= 8, "frame " + i + ": " + a.box + " vs " + b.box);
        }
        assertEquals(0, restored.numKeyedStateEntries());
        assertEquals(0, restored.numProcessingTimeTimers());
        restored.close();
    }

    /** Writes one given value as the {@link TrackFaces#STATE_NAME} state of the record's key. */
    private static final class WriteState extends KeyedProcessFunction<String, String, String> {
        private final transient Class<?> type;
        private final transient Object value;
        private transient ValueState<Object> state;

        WriteState(Class<?> type, Object value) {
            this.type = type;
            this.value = value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            state =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            TrackFaces.STATE_NAME,
                                            (TypeInformation<Object>) TypeInformation.of(type)));
        }

        @Override
        public void processElement(String key, Context ctx, Collector<String> out)
                throws Exception {
            state.update(value);
        }
    }

    /** Reads stream "s"'s state back out of a savepoint, through the operator's own state. */
    private static FaceTrackState readState(OperatorSubtaskState savepoint) throws Exception {
        FaceTrackState[] found = new FaceTrackState[1];
        var reader =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new KeyedProcessFunction<String, String, String>() {
                                    @Override
                                    public void processElement(
                                            String key, Context ctx, Collector<String> out)
                                            throws Exception {
                                        found[0] =
                                                getRuntimeContext()
                                                        .getState(TrackFaces.stateDescriptor())
                                                        .value();
                                    }
                                }),
                        (String key) -> key,
                        Types.STRING);
        reader.initializeState(savepoint);
        reader.open();
        reader.processElement(new StreamRecord<>("s", 0));
        reader.close();
        return found[0];
    }

    private static Object copyBeanProperties(Object from, Object to) throws Exception {
        for (var setter : to.getClass().getMethods()) {
            if (setter.getName().startsWith("set") && setter.getParameterCount() == 1) {
                var getter = from.getClass().getMethod("get" + setter.getName().substring(3));
                setter.invoke(to, getter.invoke(from));
            }
        }
        return to;
    }

    /** Compiles the old FaceTrackState into a loader that prefers it over today's class. */
    private static ClassLoader compileOldShape(Path dir) throws IOException {
        Path source = dir.resolve("src/io/lipstream/job/faces/FaceTrackState.java");
        Files.createDirectories(source.getParent());
        try (InputStream in =
                TrackFacesStateTest.class.getResourceAsStream(
                        "/io/lipstream/job/faces/FaceTrackState-before-near-detections.java.txt")) {
            Files.write(source, in.readAllBytes());
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int rc =
                ToolProvider.getSystemJavaCompiler()
                        .run(
                                null,
                                null,
                                null,
                                "-proc:none",
                                "-classpath",
                                // Only what the class refers to: the whole test class path is slow.
                                locationOf(FaceTrackState.class)
                                        + java.io.File.pathSeparator
                                        + locationOf(ImageCodec.class)
                                        + java.io.File.pathSeparator
                                        + locationOf(org.apache.avro.specific.SpecificRecord.class),
                                "-d",
                                classes.toString(),
                                source.toString());
        assertEquals(0, rc, "the old shape compiles");
        String name = FaceTrackState.class.getName();
        return new URLClassLoader(
                new URL[] {classes.toUri().toURL()}, TrackFacesStateTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve)
                    throws ClassNotFoundException {
                if (!className.equals(name)) {
                    return super.loadClass(className, resolve);
                }
                synchronized (getClassLoadingLock(className)) {
                    Class<?> loaded = findLoadedClass(className);
                    return loaded != null ? loaded : findClass(className);
                }
            }
        };
    }

    private static String locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, VideoFrame, FaceFrame> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TrackFaces(SETTINGS, FACE, "video")),
                VideoFrame::getStreamId,
                Types.STRING);
    }

    private static OperatorSubtaskState savepoint(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h)
            throws Exception {
        return h.snapshotWithLocalState(
                        1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                .getJobManagerOwnedState();
    }

    private static List<FaceFrame> run(
            KeyedOneInputStreamOperatorTestHarness<String, VideoFrame, FaceFrame> h,
            long lastIndex,
            long[]... parts)
            throws Exception {
        h.open();
        for (long[] part : parts) {
            feed(h, part, lastIndex);
        }
        List<FaceFrame> out = new ArrayList<>(h.extractOutputValues());
        h.close();
        return out;
    }

    /** Feeds frames of stream "s"; frame {@code lastIndex} ends the stream. */
    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, VideoFrame, FaceFrame> h,
            long[] part,
            long lastIndex)
            throws Exception {
        for (long i : part) {
            h.processElement(new StreamRecord<>(frame("s", i, i == lastIndex), i));
        }
    }

    private static List<Long> indices(List<FaceFrame> frames) {
        return frames.stream().map(f -> f.frameIndex).toList();
    }

    private static void assertSameFrames(List<FaceFrame> expected, List<FaceFrame> actual) {
        assertEquals(indices(expected), indices(actual));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).box, actual.get(i).box, "frame " + i);
            assertArrayEquals(expected.get(i).crop, actual.get(i).crop, "frame " + i);
        }
    }

    private static VideoFrame frame(String stream, long i, boolean last) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(i)
                .setPtsMicros(i * 40_000)
                .setFrameRate(new FrameRate(25, 1))
                .setWidth(512)
                .setHeight(512)
                .setCodec(ImageCodec.PNG)
                .setImage(ByteBuffer.wrap(portrait))
                .setFace(null)
                .setLast(last)
                .build();
    }
}
