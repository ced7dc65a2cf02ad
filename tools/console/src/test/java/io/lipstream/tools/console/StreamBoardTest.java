package io.lipstream.tools.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lipstream.tools.console.StreamBoard.DeadLetter;
import io.lipstream.tools.console.StreamBoard.Health;
import io.lipstream.tools.console.StreamBoard.HistoryPoint;
import io.lipstream.tools.console.StreamBoard.SegmentSeen;
import io.lipstream.tools.console.StreamBoard.StreamView;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamBoardTest {
    private static final long T0 = 1_000_000;
    private static final long FRAME_MICROS = 40_000;

    private final StreamBoard board =
            new StreamBoard(Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(10));

    /** Frames {@code from} to {@code to} (exclusive) of {@code stream}, captured 40 ms apart. */
    private void frames(String stream, long from, long to, long seenAt) {
        for (long i = from; i < to; i++) {
            board.onFrame(stream, i, i * FRAME_MICROS, false, T0 + i * 40, seenAt);
        }
    }

    private static SegmentSeen segment(
            String stream, long index, int frames, int synced, boolean last) {
        return new SegmentSeen(
                stream, index, index * frames, frames, synced, frames - synced, last, T0);
    }

    private StreamView view(String stream, long now) {
        return board.streams(now).stream()
                .filter(v -> v.streamId().equals(stream))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void shouldCountFramesOutputAndDeadLettersPerStream() {
        frames("a", 0, 50, T0 + 2000);
        frames("b", 0, 10, T0 + 2000);
        board.onSegment(segment("a", 0, 50, 45, false), true, T0 + 3000);
        board.onDeadLetter(new DeadLetter(T0, "a", "video", 0, 7, "expected Avro, found garbage"));

        StreamView a = view("a", T0 + 3000);
        assertEquals(50, a.framesIn());
        assertEquals(45, a.lipSynced());
        assertEquals(5, a.passedThrough());
        assertEquals(1, a.deadLettered());
        assertEquals(Health.LIVE, a.health());
        StreamView b = view("b", T0 + 3000);
        assertEquals(10, b.framesIn());
        assertEquals(Health.STARTING, b.health());
    }

    @Test
    void shouldIgnoreASegmentReadTwice() {
        frames("a", 0, 50, T0);
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 3000);
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 3500);

        assertEquals(50, view("a", T0 + 3500).lipSynced());
        assertEquals(1, view("a", T0 + 3500).segments());
    }

    @Test
    void shouldMeasureLatencyFromTheLastFramesCaptureToTheCommittedSegment() {
        frames("a", 0, 50, T0 + 2000); // frame 49 captured at T0 + 1960
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 4460);

        assertEquals(2500L, view("a", T0 + 4500).latencyMillis());
    }

    @Test
    void shouldMeasureLatencyWhenTheFrameIsReadAfterItsSegment() {
        frames("a", 0, 40, T0 + 2000);
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 4460);
        assertNull(view("a", T0 + 4460).latencyMillis(), "frame 49 not read yet");

        frames("a", 40, 50, T0 + 4500);

        assertEquals(2500L, view("a", T0 + 4500).latencyMillis());
        List<HistoryPoint> history = board.history("a", T0 + 5000, Duration.ofMinutes(5));
        assertEquals(List.of(new HistoryPoint(T0 + 4460, 2500L, 1.0)), history);
    }

    @Test
    void shouldGiveNoLatencyToSegmentsReadWhileCatchingUp() {
        frames("a", 0, 50, T0 + 60_000);
        board.onSegment(segment("a", 0, 50, 25, false), false, T0 + 60_000);

        assertNull(view("a", T0 + 60_000).latencyMillis());
        assertEquals(
                List.of(new HistoryPoint(T0, null, 0.5)),
                board.history("a", T0 + 60_000, Duration.ofMinutes(5)));
    }

    @Test
    void shouldCallAStreamStalledWhenFramesWaitAndNoSegmentComes() {
        frames("a", 0, 50, T0);
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 1000);
        frames("a", 50, 100, T0 + 15_000);

        assertEquals(Health.LIVE, view("a", T0 + 15_000).health());
        frames("a", 100, 101, T0 + 21_500);
        assertEquals(Health.STALLED, view("a", T0 + 21_500).health());
    }

    @Test
    void shouldGiveTheFirstSegmentMoreTimeThanTheNextOnes() {
        for (long i = 0; i < 60; i++) {
            frames("a", i, i + 1, T0 + i * 1000);
        }
        assertEquals(Health.STARTING, view("a", T0 + 59_000).health());
        frames("a", 60, 61, T0 + 60_500);
        assertEquals(Health.STALLED, view("a", T0 + 60_500).health());
    }

    @Test
    void shouldSeeInputStopsAndEnds() {
        frames("a", 0, 50, T0);
        board.onSegment(segment("a", 0, 50, 50, false), true, T0 + 1000);
        assertEquals(Health.INPUT_STOPPED, view("a", T0 + 11_000).health());

        board.onSegment(segment("a", 1, 50, 50, true), true, T0 + 12_000);
        assertEquals(Health.ENDED, view("a", T0 + 100_000).health());
    }

    @Test
    void shouldListTheDeadLettersOfTheLastHourNewestFirst() {
        long hour = Duration.ofHours(1).toMillis();
        board.onDeadLetter(new DeadLetter(T0, "a", "video", 0, 1, "old"));
        board.onDeadLetter(new DeadLetter(T0 + hour, "a", "video", 0, 2, "recent"));
        board.onDeadLetter(new DeadLetter(T0 + hour + 1, "b", "audio", 0, 3, "newest"));

        List<DeadLetter> listed = board.deadLetters(T0 + hour + 2);

        assertEquals(List.of("newest", "recent"), listed.stream().map(DeadLetter::reason).toList());
        assertEquals(2, view("a", T0 + hour + 2).deadLettered(), "counted, listed or not");
    }

    @Test
    void shouldGiveTheAudioLeadOverVideoAsTheAvOffset() {
        frames("a", 0, 50, T0); // video head 1.96 s
        board.onAudio("a", 2_460_000);

        assertEquals(500L, view("a", T0).avOffsetMillis());
    }
}
