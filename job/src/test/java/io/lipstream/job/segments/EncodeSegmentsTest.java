package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.ImageCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link AssembleSegments} then {@link EncodeSegments} as Flink runs them (keyed state, snapshots,
 * the ordered async encoding stage), on synthetic frames that carry their index in their pixels:
 * frames arriving in any order come out in order, in whole segments, and a restore from a snapshot
 * taken mid-stream loses and repeats nothing.
 */
class EncodeSegmentsTest {
    private static final String STREAM = "s";
    private static final int WIDTH = 160;
    private static final int HEIGHT = 96;
    private static final int FPS = 25;

    /** 400 ms segments at 25 fps: 10 frames each. */
    private static final int SEGMENT_FRAMES = 10;

    private static final int FRAMES = 3 * SEGMENT_FRAMES;

    @Test
    void shouldEncodeFramesThatArriveOutOfOrderInOrderAndClearItsState() throws Exception {
        List<EncodedSegment> out;
        int stateLeft;
        try (var harness = harness()) {
            harness.open();
            harness.processElement2(new StreamRecord<>(audio(), 0));
            for (long i : shuffled(0, FRAMES, 1)) {
                harness.processElement1(new StreamRecord<>(frame(i), i));
            }
            out = encode(harness.extractOutputValues());
            stateLeft = harness.numKeyedStateEntries();
        }

        assertSegmentsInOrderOnce(out);
        assertEquals(0, stateLeft, "state cleared after the last segment");
    }

    @Test
    void shouldResumeFromASnapshotWithoutLosingOrRepeatingAFrame() throws Exception {
        List<EncodedSegment> out = new ArrayList<>();
        OperatorSubtaskState snapshot;
        int stateLeft;
        try (var before = harness()) {
            before.open();
            before.processElement2(new StreamRecord<>(audio(), 0));
            // Frames 0..16 but 3, shuffled: segment 0 waits for frame 3, frames past it wait too.
            for (long i : shuffled(0, 17, 2)) {
                if (i != 3) {
                    before.processElement1(new StreamRecord<>(frame(i), i));
                }
            }
            assertEquals(List.of(), before.extractOutputValues(), "segment 0 lacks frame 3");
            snapshot = before.snapshot(1, 1);
        }
        try (var after = harness()) {
            after.initializeState(snapshot);
            after.open();
            after.processElement1(new StreamRecord<>(frame(3), 3));
            // A frame the snapshot already holds comes again (the source replays from its offset).
            after.processElement1(new StreamRecord<>(frame(16), 16));
            for (long i : shuffled(17, FRAMES, 3)) {
                after.processElement1(new StreamRecord<>(frame(i), i));
            }
            out.addAll(encode(after.extractOutputValues()));
            stateLeft = after.numKeyedStateEntries();
        }

        assertSegmentsInOrderOnce(out);
        assertEquals(0, stateLeft, "state cleared after the last segment");
    }

    /** Segments 0, 1, 2 once each, in order, each decoding to its own frames in order. */
    private static void assertSegmentsInOrderOnce(List<EncodedSegment> segments) throws Exception {
        assertEquals(
                List.of(0L, 1L, 2L),
                segments.stream().map(EncodedSegment::getSegmentIndex).toList(),
                "segment indices");
        List<Long> shown = new ArrayList<>();
        for (EncodedSegment s : segments) {
            assertEquals(s.getSegmentIndex() * SEGMENT_FRAMES, s.getFirstFrameIndex());
            assertEquals(SEGMENT_FRAMES, s.getFrameCount());
            assertEquals(s.getSegmentIndex() == 2, s.getLast(), "last flag");
            DecodedMedia decoded = DecodedMedia.of(bytes(s.getData()));
            for (byte[] picture : decoded.frames()) {
                shown.add(SyntheticMedia.readIndex(picture, WIDTH));
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < FRAMES; i++) {
            expected.add(i);
        }
        assertEquals(expected, shown, "the frames each picture shows, in playing order");
    }

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, SyncedFace, AudioSpan, AssembledSegment>
            harness() throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(
                        new AssembleSegments(SegmentOptions.Settings.from(config()))),
                (SyncedFace f) -> f.frame.streamId,
                (AudioSpan a) -> a.streamId,
                Types.STRING);
    }

    /** The assembled segments through the ordered async encoding stage, as the job runs it. */
    private static List<EncodedSegment> encode(List<AssembledSegment> assembled) throws Exception {
        Configuration config = config();
        SegmentOptions.Settings settings = SegmentOptions.Settings.from(config);
        try (var encoder =
                new OneInputStreamOperatorTestHarness<AssembledSegment, EncodedSegment>(
                        new AsyncWaitOperatorFactory<>(
                                new EncodeSegments(settings, FacesOptions.Settings.from(config)),
                                Duration.ofMinutes(5).toMillis(),
                                EncodeSegments.capacity(settings),
                                AsyncDataStream.OutputMode.ORDERED),
                        TypeInformation.of(AssembledSegment.class)
                                .createSerializer(new SerializerConfigImpl()))) {
            encoder.open();
            long time = 0;
            for (AssembledSegment segment : assembled) {
                encoder.processElement(new StreamRecord<>(segment, time++));
            }
            encoder.endInput();
            return encoder.extractOutputValues();
        }
    }

    private static Configuration config() {
        Configuration config = new Configuration();
        config.setString("segments.duration", SEGMENT_FRAMES * 1000 / FPS + " ms");
        return config;
    }

    /** The indices {@code from .. to - 1} in a seeded random order. */
    private static List<Long> shuffled(long from, long to, long seed) {
        List<Long> indices = new ArrayList<>();
        for (long i = from; i < to; i++) {
            indices.add(i);
        }
        Collections.shuffle(indices, new Random(seed));
        return indices;
    }

    /** The stream's whole audio, ended. */
    private static AudioSpan audio() {
        return new AudioSpan(STREAM, 0, SyntheticMedia.tonesForFrames(0, FRAMES, FPS, 1), true);
    }

    /** Frame {@code index} as raw BGR24 with its index in its pixels; passed through (no face). */
    private static SyncedFace frame(long index) {
        FaceFrame f = new FaceFrame();
        f.streamId = STREAM;
        f.frameIndex = index;
        f.ptsMicros = index * 1_000_000 / FPS;
        f.fpsNum = FPS;
        f.fpsDen = 1;
        f.width = WIDTH;
        f.height = HEIGHT;
        f.codec = ImageCodec.BGR24;
        f.image = SyntheticMedia.frame(WIDTH, HEIGHT, index);
        f.last = index == FRAMES - 1;
        return SyncedFace.passThrough(f, SyncedFace.Outcome.NO_FACE);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
