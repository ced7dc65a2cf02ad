package io.lipstream.job.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.kafka.DecodeRecords;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.samples.Samples;
import io.lipstream.schema.FrameRate;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrackFacesTest {
    private static final int FACE = 96;

    private KeyedOneInputStreamOperatorTestHarness<String, VideoFrame, FaceFrame> harness;
    private byte[] portrait;

    @BeforeEach
    void open() throws Exception {
        portrait = Files.readAllBytes(Samples.FACE_PNG.path());
        FacesOptions.Settings settings =
                new FacesOptions.Settings(5, 320, null, Blend.HARD, 4096, 4096, 32 << 20);
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new TrackFaces(settings, FACE, "video")),
                        VideoFrame::getStreamId,
                        Types.STRING);
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void shouldFindTheFaceCropItAndClearStateAtTheEnd() throws Exception {
        for (int i = 0; i < 8; i++) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 7, null), i));
        }
        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(
                8, out.size(), "every frame comes out, smoothing lookahead flushed at the end");
        for (int i = 0; i < 8; i++) {
            assertEquals(i, out.get(i).frameIndex);
            assertTrue(out.get(i).hasFace(), "frame " + i);
            assertEquals(FACE * FACE * 3, out.get(i).crop.length);
        }
        assertEquals(0, harness.numKeyedStateEntries());
    }

    @Test
    void shouldDeadLetterAnUndecodableFrameAndKeepTheStreamGoing() throws Exception {
        harness.processElement(new StreamRecord<>(frame(0, portrait, false, null), 0));
        var upstreamBox = new io.lipstream.schema.FaceBox(10, 20, 100, 120);
        harness.processElement(
                new StreamRecord<>(frame(1, new byte[] {1, 2, 3}, false, upstreamBox), 1));
        for (int i = 2; i < 7; i++) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 6, null), i));
        }
        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(7, out.size(), "the broken frame keeps its place, without an image");
        assertNull(out.get(1).image);
        assertTrue(out.get(2).hasFace());
        var rejected = harness.getSideOutput(DecodeRecords.REJECTED);
        assertEquals(1, rejected.size());
        assertTrue(rejected.peek().getValue().getReason().contains("frame 1"));
        // The dead letter holds the frame as sent, ready to be replayed once fixed.
        VideoFrame original =
                SingleObjectCodec.of(VideoFrame.class)
                        .decode(Bytes.of(rejected.peek().getValue().getOriginal()));
        assertEquals(1, original.getFrameIndex());
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), original.getImage());
        assertEquals(upstreamBox, original.getFace());
    }

    @Test
    void shouldTreatAnEmptyUpstreamBoxAsNoFaceAndKeepItForTheDeadLetters() throws Exception {
        var empty = new io.lipstream.schema.FaceBox(10, 20, 0, 120);
        harness.processElement(new StreamRecord<>(frame(0, portrait, false, empty), 0));
        harness.processElement(new StreamRecord<>(frame(1, new byte[] {1, 2, 3}, false, empty), 1));
        for (int i = 2; i < 7; i++) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 6, null), i));
        }

        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(7, out.size(), "every frame comes out");
        assertTrue(out.get(6).hasFace(), "later frames detect the face themselves");
        var rejected = harness.getSideOutput(DecodeRecords.REJECTED);
        assertEquals(1, rejected.size(), "only the undecodable frame is a dead letter");
        VideoFrame original =
                SingleObjectCodec.of(VideoFrame.class)
                        .decode(Bytes.of(rejected.peek().getValue().getOriginal()));
        assertEquals(empty, original.getFace(), "the dead letter keeps the box as sent");
    }

    @Test
    void shouldDropRepeatedFramesInsteadOfFailing() throws Exception {
        harness.processElement(new StreamRecord<>(frame(0, portrait, false, null), 0));
        harness.processElement(new StreamRecord<>(frame(1, portrait, false, null), 1));
        harness.processElement(new StreamRecord<>(frame(1, portrait, false, null), 2));
        harness.processElement(new StreamRecord<>(frame(0, portrait, false, null), 3));
        harness.processElement(new StreamRecord<>(frame(2, portrait, true, null), 4));
        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(List.of(0L, 1L, 2L), out.stream().map(f -> f.frameIndex).toList());
    }

    @Test
    void shouldPutFramesThatArriveOutOfOrderBackInOrder() throws Exception {
        for (long i : new long[] {0, 2, 1, 4, 3, 5}) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 5, null), i));
        }
        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), out.stream().map(f -> f.frameIndex).toList());
        assertTrue(out.stream().allMatch(FaceFrame::hasFace));
        assertEquals(0, harness.numKeyedStateEntries());
    }

    @Test
    void shouldGiveUpOnALostFrameWhenTheStreamEnds() throws Exception {
        for (long i : new long[] {0, 1, 3, 4}) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 4, null), i));
        }
        List<FaceFrame> out = harness.extractOutputValues();
        assertEquals(List.of(0L, 1L, 3L, 4L), out.stream().map(f -> f.frameIndex).toList());
        assertEquals(0, harness.numKeyedStateEntries());
    }

    @Test
    void shouldPreferTheUpstreamDetectorsBox() throws Exception {
        var upstream = new io.lipstream.schema.FaceBox(100, 120, 200, 220);
        for (int i = 0; i < 5; i++) {
            harness.processElement(new StreamRecord<>(frame(i, portrait, i == 4, upstream), i));
        }
        for (FaceFrame f : harness.extractOutputValues()) {
            assertNotNull(f.box);
            // (100,120)+(200x220), bottom padded by 10 as Wav2Lip does; equal boxes smooth to
            // themselves.
            assertEquals(new FaceBox(100, 120, 300, 350), f.box);
        }
    }

    private static VideoFrame frame(
            long i, byte[] image, boolean last, io.lipstream.schema.FaceBox face) {
        return VideoFrame.newBuilder()
                .setStreamId("s")
                .setFrameIndex(i)
                .setPtsMicros(i * 40_000)
                .setFrameRate(new FrameRate(25, 1))
                .setWidth(512)
                .setHeight(512)
                .setCodec(ImageCodec.PNG)
                .setImage(ByteBuffer.wrap(image))
                .setFace(face)
                .setLast(last)
                .build();
    }
}
