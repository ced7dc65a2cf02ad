package io.lipstream.job.faces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class BoxSmootherTest {

    private static final int T = Wav2LipBoxes.SMOOTHING_FRAMES;

    /**
     * A line-by-line port of Wav2Lip's inference.py, run on a whole int array in place:
     *
     * <pre>
     * def get_smoothened_boxes(boxes, T):
     *     for i in range(len(boxes)):
     *         if i + T > len(boxes):
     *             window = boxes[len(boxes) - T:]
     *         else:
     *             window = boxes[i : i + T]
     *         boxes[i] = np.mean(window, axis=0)
     *     return boxes
     * </pre>
     *
     * {@code boxes} is an int array, so assigning the float mean truncates.
     */
    static int[][] getSmoothenedBoxes(int[][] boxes, int t) {
        int n = boxes.length;
        for (int i = 0; i < n; i++) {
            int from = i + t > n ? pythonSliceStart(n - t, n) : i;
            int to = i + t > n ? n : i + t;
            double[] mean = new double[4];
            for (int j = from; j < to; j++) {
                for (int c = 0; c < 4; c++) {
                    mean[c] += boxes[j][c];
                }
            }
            for (int c = 0; c < 4; c++) {
                boxes[i][c] = (int) (mean[c] / (to - from)); // np.float64 -> int64 truncates
            }
        }
        return boxes;
    }

    /** Python's {@code seq[start:]} start for a sequence of length n. */
    private static int pythonSliceStart(int start, int n) {
        return start >= 0 ? start : Math.max(0, start + n);
    }

    @Test
    void shouldEqualWav2LipOnWholeStreamsOfFaces() {
        Random random = new Random(42);
        for (int n = T; n <= 60; n++) {
            int[][] boxes = randomBoxes(random, n);
            int[][] expected = getSmoothenedBoxes(deepCopy(boxes), T);
            List<SmoothedBox> actual = stream(1000, boxes);
            assertEquals(n, actual.size());
            for (int i = 0; i < n; i++) {
                assertEquals(1000 + i, actual.get(i).frameIndex());
                assertEquals(
                        Arrays.toString(expected[i]),
                        Arrays.toString(coords(actual.get(i).box())),
                        "stream of " + n + ", frame " + i);
            }
        }
    }

    @Test
    void shouldReturnEachFrameOnceItsFourSuccessorsArrive() {
        BoxSmoother smoother = new BoxSmoother();
        int[][] boxes = randomBoxes(new Random(7), 12);
        for (int i = 0; i < 12; i++) {
            List<SmoothedBox> out = smoother.offer(i, box(boxes[i]));
            if (i < T - 1) {
                assertTrue(out.isEmpty(), "frame " + i + " returned " + out);
                assertEquals(i + 1, smoother.pending());
            } else {
                assertEquals(1, out.size());
                assertEquals(i - (T - 1), out.get(0).frameIndex());
                assertEquals(T - 1, smoother.pending());
            }
        }
        assertEquals(T - 1, smoother.flush().size());
        assertEquals(0, smoother.pending());
    }

    @Test
    void shouldFlushTheTailOverTheLastFiveFramesLikeWav2Lip() {
        int[][] boxes = {
            {0, 0, 10, 10}, {10, 0, 20, 10}, {20, 0, 30, 10}, {30, 0, 40, 10},
            {40, 0, 50, 10}, {50, 0, 60, 10}, {60, 0, 70, 10}, {70, 0, 80, 10}
        };
        BoxSmoother smoother = new BoxSmoother();
        List<SmoothedBox> out = new ArrayList<>();
        for (int i = 0; i < boxes.length; i++) {
            out.addAll(smoother.offer(i, box(boxes[i])));
        }
        assertEquals(4, out.size());
        List<SmoothedBox> tail = smoother.flush();
        // In place: frame 4 = mean(x1 of 3'(=50), 4..7) ... computed by hand from the recipe:
        // frame 3 -> mean(30,40,50,60,70) = 50; frame 4 -> mean(50,40,50,60,70) = 54;
        // frame 5 -> mean(50,54,50,60,70) = 56 (56.8); frame 6 -> mean(50,54,56,60,70) = 58;
        // frame 7 -> mean(50,54,56,58,70) = 57 (57.6).
        assertEquals(List.of(4L, 5L, 6L, 7L), tail.stream().map(SmoothedBox::frameIndex).toList());
        assertEquals(List.of(54, 56, 58, 57), tail.stream().map(s -> s.box().x1()).toList());
        assertEquals(0, smoother.pending());
    }

    @Test
    void shouldAverageAllFramesOfAStreamShorterThanTheWindow() {
        // Wav2Lip's boxes[len - T:] wraps around for len < T (a negative Python slice); the
        // smoother averages all frames instead, still in place.
        BoxSmoother smoother = new BoxSmoother();
        assertTrue(smoother.offer(0, new FaceBox(0, 0, 30, 30)).isEmpty());
        assertTrue(smoother.offer(1, new FaceBox(10, 0, 40, 30)).isEmpty());
        assertTrue(smoother.offer(2, new FaceBox(20, 0, 50, 30)).isEmpty());
        List<SmoothedBox> out = smoother.flush();
        // x1: mean(0,10,20) = 10; mean(10,10,20) = 13; mean(10,13,20) = 14
        assertEquals(List.of(10, 13, 14), out.stream().map(s -> s.box().x1()).toList());
        assertEquals(List.of(40, 43, 44), out.stream().map(s -> s.box().x2()).toList());
    }

    @Test
    void shouldPassFramesWithoutFaceThroughInOrderAndLeaveThemOutOfTheMean() {
        BoxSmoother smoother = new BoxSmoother();
        List<SmoothedBox> out = new ArrayList<>();
        FaceBox[] offered = {
            null, // returned at once: nothing before it is pending
            new FaceBox(100, 100, 200, 200),
            null,
            new FaceBox(110, 100, 210, 200),
            null,
            null, // frame 1's window (1..5) is complete here
            new FaceBox(130, 100, 230, 200),
            null,
            null,
            null,
            null,
        };
        assertEquals(List.of(new SmoothedBox(0, null)), smoother.offer(0, offered[0]));
        for (int i = 1; i < offered.length; i++) {
            out.addAll(smoother.offer(i, offered[i]));
            assertTrue(smoother.pending() < T, "lookahead stays bounded");
        }
        out.addAll(smoother.flush());
        assertEquals(
                List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L),
                out.stream().map(SmoothedBox::frameIndex).toList());
        // frame 1: faces in 1..5 are frames 1 and 3 -> x1 = 105
        assertEquals(new FaceBox(105, 100, 205, 200), out.get(0).box());
        assertNull(out.get(1).box());
        // frame 3: faces in 3..7 are frames 3 and 6 -> x1 = 120
        assertEquals(new FaceBox(120, 100, 220, 200), out.get(2).box());
        // frame 6: faces in 6..10 are frame 6 only
        assertEquals(new FaceBox(130, 100, 230, 200), out.get(5).box());
        for (int i : new int[] {1, 3, 4, 6, 7, 8, 9}) {
            assertNull(out.get(i).box(), "frame " + (i + 1));
        }
    }

    @Test
    void shouldReturnFramesAfterAFaceWithinTheLookahead() {
        BoxSmoother smoother = new BoxSmoother();
        assertTrue(smoother.offer(0, new FaceBox(0, 0, 10, 10)).isEmpty());
        for (int i = 1; i < T - 1; i++) {
            assertTrue(smoother.offer(i, null).isEmpty());
        }
        List<SmoothedBox> out = smoother.offer(T - 1, null);
        assertEquals(T, out.size(), "the face and the empty frames behind it");
        assertEquals(0, smoother.pending());
    }

    @Test
    void shouldStartAfreshAfterFlush() {
        BoxSmoother smoother = new BoxSmoother();
        smoother.offer(10, new FaceBox(0, 0, 10, 10));
        smoother.flush();
        assertEquals(0, smoother.pending());
        assertTrue(smoother.offer(0, new FaceBox(0, 0, 20, 20)).isEmpty());
        assertEquals(List.of(new SmoothedBox(0, new FaceBox(0, 0, 20, 20))), smoother.flush());
    }

    @Test
    void shouldRejectFrameIndicesThatDoNotIncrease() {
        BoxSmoother smoother = new BoxSmoother();
        smoother.offer(5, null);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> smoother.offer(5, null));
        assertTrue(e.getMessage().contains("expected > 5, found 5"), e.getMessage());
    }

    @Test
    void shouldHonourAnotherWindow() {
        int[][] boxes = randomBoxes(new Random(3), 20);
        int[][] expected = getSmoothenedBoxes(deepCopy(boxes), 3);
        BoxSmoother smoother = new BoxSmoother(3);
        List<SmoothedBox> out = new ArrayList<>();
        for (int i = 0; i < boxes.length; i++) {
            out.addAll(smoother.offer(i, box(boxes[i])));
        }
        out.addAll(smoother.flush());
        for (int i = 0; i < boxes.length; i++) {
            assertEquals(Arrays.toString(expected[i]), Arrays.toString(coords(out.get(i).box())));
        }
    }

    /** Flink keeps the smoother in keyed state with its POJO serializer. */
    @Test
    void shouldResumeFromFlinkSerializedStateMidStream() throws Exception {
        int[][] boxes = randomBoxes(new Random(11), 30);
        List<SmoothedBox> expected = stream(0, boxes);

        TypeSerializer<BoxSmoother> serializer =
                TypeInformation.of(BoxSmoother.class).createSerializer(new SerializerConfigImpl());
        BoxSmoother smoother = new BoxSmoother();
        List<SmoothedBox> out = new ArrayList<>();
        for (int i = 0; i < boxes.length; i++) {
            out.addAll(smoother.offer(i, box(boxes[i])));
            if (i % 7 == 2) {
                DataOutputSerializer bytes = new DataOutputSerializer(256);
                serializer.serialize(smoother, bytes);
                smoother =
                        serializer.deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer()));
            }
        }
        out.addAll(smoother.flush());
        assertEquals(expected, out);
    }

    private static List<SmoothedBox> stream(long firstIndex, int[][] boxes) {
        BoxSmoother smoother = new BoxSmoother();
        List<SmoothedBox> out = new ArrayList<>();
        for (int i = 0; i < boxes.length; i++) {
            out.addAll(smoother.offer(firstIndex + i, box(boxes[i])));
        }
        out.addAll(smoother.flush());
        return out;
    }

    private static int[][] randomBoxes(Random random, int n) {
        int[][] boxes = new int[n][];
        for (int i = 0; i < n; i++) {
            int x1 = random.nextInt(400);
            int y1 = random.nextInt(200);
            boxes[i] =
                    new int[] {
                        x1, y1, x1 + 50 + random.nextInt(150), y1 + 50 + random.nextInt(150)
                    };
        }
        return boxes;
    }

    private static int[][] deepCopy(int[][] boxes) {
        return Arrays.stream(boxes).map(int[]::clone).toArray(int[][]::new);
    }

    private static FaceBox box(int[] c) {
        return new FaceBox(c[0], c[1], c[2], c[3]);
    }

    private static int[] coords(FaceBox b) {
        return new int[] {b.x1(), b.y1(), b.x2(), b.y2()};
    }
}
