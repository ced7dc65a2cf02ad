package io.lipstream.tools.console;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the console knows about every stream seen in the topics, fed record by record from the
 * input, segment and dead-letter topics, and read as immutable snapshots for the page. Kafka-free
 * and clock-free (times are passed in), so its rules are tested directly.
 *
 * <p>A segment's output latency is the time from the capture of its last frame (that frame's Kafka
 * timestamp in the video topic) until the console read the segment as committed; segments read
 * while catching up with the topic's history have none. Thread-safe.
 */
public final class StreamBoard {
    /** A stream whose input is ahead of its output and has had no new segment this long stalls. */
    public static final Duration DEFAULT_STALL_AFTER = Duration.ofSeconds(20);

    /**
     * A stream's first segment may take this long after its first frame before the stream counts as
     * stalled: a job starting (model loading, first checkpoint to commit the first segment) on a
     * loaded machine takes more than the stall time.
     */
    public static final Duration DEFAULT_FIRST_SEGMENT_GRACE = Duration.ofSeconds(60);

    /** A stream that has neither ended nor received a frame this long has its input stopped. */
    public static final Duration DEFAULT_IDLE_AFTER = Duration.ofSeconds(10);

    /** How far back the per-stream history (the page's chart) reaches. */
    public static final Duration HISTORY = Duration.ofMinutes(10);

    /** How far back the dead-letter list reaches. */
    public static final Duration DEAD_LETTER_WINDOW = Duration.ofHours(1);

    /** Frames whose capture time is kept per stream for latencies: 2 minutes at 50 fps. */
    private static final int CAPTURE_TIMES_KEPT = 6000;

    /** Segments kept waiting for their last frame's capture time (the video reader may lag). */
    private static final int PENDING_KEPT = 64;

    /** Dead letters kept for the list, newest last. */
    private static final int DEAD_LETTERS_KEPT = 1000;

    /** The state of a stream as an operator reads it. */
    public enum Health {
        /** Frames came in, no segment yet, within the stall time. */
        STARTING,
        /** Segments come out as frames go in. */
        LIVE,
        /** Frames wait for output and no segment came for the stall time. */
        STALLED,
        /** No frame for the idle time, and no last segment. */
        INPUT_STOPPED,
        /** The last segment is out. */
        ENDED
    }

    /** One point of a stream's history: a segment as it came out. */
    public record HistoryPoint(long atMillis, Long latencyMillis, double lipSyncedShare) {}

    /** A dead letter as listed: when, which stream (the record key), where from and why. */
    public record DeadLetter(
            long atMillis,
            String streamId,
            String sourceTopic,
            int partition,
            long offset,
            String reason) {}

    /** One stream as the page shows it. */
    public record StreamView(
            String streamId,
            Health health,
            long framesIn,
            long lipSynced,
            long passedThrough,
            long deadLettered,
            long segments,
            Long latencyMillis,
            Long avOffsetMillis,
            Long lastSegmentAtMillis,
            Long firstFrameAtMillis,
            Long lastFrameAtMillis) {}

    /** A segment as read from the segment topic: the fields the board uses. */
    public record SegmentSeen(
            String streamId,
            long segmentIndex,
            long firstFrameIndex,
            int frameCount,
            int lipSyncedFrames,
            int passedThroughFrames,
            boolean last,
            long recordTimestampMillis) {}

    private final Duration stallAfter;
    private final Duration firstSegmentGrace;
    private final Duration idleAfter;
    private final Map<String, Stream> streams = new HashMap<>();
    private final Deque<DeadLetter> deadLetters = new ArrayDeque<>();

    public StreamBoard() {
        this(DEFAULT_STALL_AFTER, DEFAULT_FIRST_SEGMENT_GRACE, DEFAULT_IDLE_AFTER);
    }

    public StreamBoard(Duration stallAfter, Duration firstSegmentGrace, Duration idleAfter) {
        this.stallAfter = stallAfter;
        this.firstSegmentGrace = firstSegmentGrace;
        this.idleAfter = idleAfter;
    }

    /**
     * A valid frame of the video topic.
     *
     * @param captureMillis the record's Kafka timestamp
     * @param seenMillis when the console read it
     */
    public synchronized void onFrame(
            String streamId,
            long frameIndex,
            long ptsMicros,
            boolean last,
            long captureMillis,
            long seenMillis) {
        Stream s = stream(streamId);
        s.framesIn++;
        if (s.firstFrameAtMillis == null) {
            s.firstFrameAtMillis = captureMillis;
        }
        s.lastFrameAtMillis = Math.max(orZero(s.lastFrameAtMillis), captureMillis);
        s.lastFrameSeenMillis = seenMillis;
        if (s.firstFrameSeenMillis == null) {
            s.firstFrameSeenMillis = seenMillis;
        }
        s.videoHeadMicros = Math.max(s.videoHeadMicros, ptsMicros);
        s.newestFrameIndex = Math.max(s.newestFrameIndex, frameIndex);
        s.captureTimes.put(frameIndex, captureMillis);
        if (s.captureTimes.size() > CAPTURE_TIMES_KEPT) {
            s.captureTimes.pollFirstEntry();
        }
        for (Iterator<Pending> it = s.pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.lastFrameIndex == frameIndex) {
                p.point.latency = p.seenMillis - captureMillis;
                s.latestLatency = p.point.latency;
                it.remove();
            }
        }
    }

    /** A valid chunk of the audio topic whose samples end at {@code endMicros} on its clock. */
    public synchronized void onAudio(String streamId, long endMicros) {
        Stream s = stream(streamId);
        s.audioHeadMicros = Math.max(s.audioHeadMicros, endMicros);
    }

    /**
     * A committed segment of the segment topic; a repeated index (a replayed transaction) is
     * ignored.
     *
     * @param live false while the console catches up with the topic's history: no latency then
     * @param seenMillis when the console read it
     */
    public synchronized void onSegment(SegmentSeen segment, boolean live, long seenMillis) {
        Stream s = stream(segment.streamId());
        if (!s.segmentIndexes.add(segment.segmentIndex())) {
            return;
        }
        s.segments++;
        s.lipSynced += segment.lipSyncedFrames();
        s.passedThrough += segment.passedThroughFrames();
        long at = live ? seenMillis : segment.recordTimestampMillis();
        s.lastSegmentAtMillis = Math.max(orZero(s.lastSegmentAtMillis), at);
        s.lastSegmentSeenMillis = seenMillis;
        s.outputFrameIndex =
                Math.max(s.outputFrameIndex, segment.firstFrameIndex() + segment.frameCount() - 1);
        if (segment.last()) {
            s.ended = true;
        }
        int frames = segment.lipSyncedFrames() + segment.passedThroughFrames();
        MutablePoint point =
                new MutablePoint(at, frames == 0 ? 0 : segment.lipSyncedFrames() / (double) frames);
        s.history.addLast(point);
        if (live) {
            long lastFrame = segment.firstFrameIndex() + segment.frameCount() - 1;
            Long captured = s.captureTimes.get(lastFrame);
            if (captured != null) {
                point.latency = seenMillis - captured;
                s.latestLatency = point.latency;
            } else {
                s.pending.addLast(new Pending(lastFrame, seenMillis, point));
                if (s.pending.size() > PENDING_KEPT) {
                    s.pending.removeFirst();
                }
            }
        }
        while (!s.history.isEmpty() && s.history.peekFirst().at < at - HISTORY.toMillis()) {
            s.history.removeFirst();
        }
    }

    /** A record of the dead-letter topic; its stream is the record's key. */
    public synchronized void onDeadLetter(DeadLetter letter) {
        stream(letter.streamId()).deadLettered++;
        deadLetters.addLast(letter);
        if (deadLetters.size() > DEAD_LETTERS_KEPT) {
            deadLetters.removeFirst();
        }
    }

    /** Every stream seen, newest first frame first, as of {@code nowMillis}. */
    public synchronized List<StreamView> streams(long nowMillis) {
        List<StreamView> views = new ArrayList<>();
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            Stream s = e.getValue();
            views.add(
                    new StreamView(
                            e.getKey(),
                            health(s, nowMillis),
                            s.framesIn,
                            s.lipSynced,
                            s.passedThrough,
                            s.deadLettered,
                            s.segments,
                            s.latestLatency,
                            s.audioHeadMicros < 0 || s.videoHeadMicros < 0
                                    ? null
                                    : (s.audioHeadMicros - s.videoHeadMicros) / 1000,
                            s.lastSegmentAtMillis,
                            s.firstFrameAtMillis,
                            s.lastFrameAtMillis));
        }
        views.sort(
                Comparator.comparing(
                                (StreamView v) -> orZero(v.firstFrameAtMillis()),
                                Comparator.reverseOrder())
                        .thenComparing(StreamView::streamId));
        return views;
    }

    /** The dead letters of the last hour before {@code nowMillis}, newest first. */
    public synchronized List<DeadLetter> deadLetters(long nowMillis) {
        List<DeadLetter> recent = new ArrayList<>();
        long from = nowMillis - DEAD_LETTER_WINDOW.toMillis();
        for (Iterator<DeadLetter> it = deadLetters.descendingIterator(); it.hasNext(); ) {
            DeadLetter letter = it.next();
            if (letter.atMillis() >= from) {
                recent.add(letter);
            }
        }
        return recent;
    }

    /** A stream's segments of the last {@code window} before {@code nowMillis}, oldest first. */
    public synchronized List<HistoryPoint> history(
            String streamId, long nowMillis, Duration window) {
        Stream s = streams.get(streamId);
        if (s == null) {
            return List.of();
        }
        List<HistoryPoint> points = new ArrayList<>();
        for (MutablePoint p : s.history) {
            if (p.at >= nowMillis - window.toMillis()) {
                points.add(new HistoryPoint(p.at, p.latency, p.share));
            }
        }
        return points;
    }

    /** Whether the board has seen {@code streamId} in any topic. */
    public synchronized boolean knows(String streamId) {
        return streams.containsKey(streamId);
    }

    private Health health(Stream s, long now) {
        if (s.ended) {
            return Health.ENDED;
        }
        boolean waitingForOutput = s.newestFrameIndex > s.outputFrameIndex;
        long waitingSince;
        long allowed;
        if (s.lastSegmentSeenMillis != null) {
            waitingSince = s.lastSegmentSeenMillis;
            allowed = stallAfter.toMillis();
        } else {
            waitingSince = orZero(s.firstFrameSeenMillis);
            allowed = firstSegmentGrace.toMillis();
        }
        if (waitingForOutput && waitingSince > 0 && now - waitingSince > allowed) {
            return Health.STALLED;
        }
        if (s.lastFrameSeenMillis == null || now - s.lastFrameSeenMillis > idleAfter.toMillis()) {
            return Health.INPUT_STOPPED;
        }
        return s.segments == 0 ? Health.STARTING : Health.LIVE;
    }

    private Stream stream(String streamId) {
        return streams.computeIfAbsent(streamId, id -> new Stream());
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    /** A history point whose latency may come later than the segment. */
    private static final class MutablePoint {
        final long at;
        final double share;
        Long latency;

        MutablePoint(long at, double share) {
            this.at = at;
            this.share = share;
        }
    }

    private record Pending(long lastFrameIndex, long seenMillis, MutablePoint point) {}

    private static final class Stream {
        long framesIn;
        long lipSynced;
        long passedThrough;
        long deadLettered;
        long segments;
        Long firstFrameAtMillis;
        Long lastFrameAtMillis;
        Long lastFrameSeenMillis;
        Long firstFrameSeenMillis;
        Long lastSegmentAtMillis;
        Long lastSegmentSeenMillis;
        Long latestLatency;
        long videoHeadMicros = -1;
        long audioHeadMicros = -1;
        long newestFrameIndex = -1;
        long outputFrameIndex = -1;
        boolean ended;
        final Set<Long> segmentIndexes = new HashSet<>();
        final TreeMap<Long, Long> captureTimes = new TreeMap<>();
        final Deque<Pending> pending = new ArrayDeque<>();
        final Deque<MutablePoint> history = new ArrayDeque<>();
    }
}
