package io.lipstream.tools.media;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a live operator watches of one stream, from both ends: frames in and source reconnects and
 * gaps (ingest), frames and bytes pushed, receiver reconnects, glass-to-glass latency and the A/V
 * offset of the output (publish). Thread-safe; counters only grow. {@link #snapshot()} gives one
 * consistent-enough reading for a status line, a web page or a Prometheus scrape ({@link
 * LiveMetricsEndpoint}).
 *
 * <p>Glass-to-glass latency is the time from a frame's capture (its arrival at ingest, the Kafka
 * timestamp of its video record) to the moment the packet holding it is pushed to the receiver.
 */
public final class LiveStreamMetrics {
    /** Latency samples kept: about 87 minutes of a 25 fps stream, 2 MiB. */
    private static final int LATENCY_CAPACITY = 1 << 17;

    private static final long NONE = Long.MIN_VALUE;

    /** The pushed bitrate is the mean over this many whole seconds: segments come in bursts. */
    public static final int BITRATE_WINDOW_SECONDS = 10;

    private final String streamId;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong sourceReconnects = new AtomicLong();
    private final AtomicLong sourceGaps = new AtomicLong();
    private final AtomicLong sourceGapMicros = new AtomicLong();
    private final AtomicLong silenceFilledSamples = new AtomicLong();
    private final AtomicLong framesPushed = new AtomicLong();
    private final AtomicLong segmentsPushed = new AtomicLong();
    private final AtomicLong bytesPushed = new AtomicLong();
    private final AtomicLong pushReconnects = new AtomicLong();
    private final AtomicLong lipSyncedFrames = new AtomicLong();
    private final AtomicLong passedThroughFrames = new AtomicLong();
    private final AtomicLong firstAvOffsetMicros = new AtomicLong(NONE);
    private final AtomicLong lastAvOffsetMicros = new AtomicLong(NONE);

    // Latency samples with their wall time, in a ring.
    private final long[] latencyMicros = new long[LATENCY_CAPACITY];
    private final long[] latencyAtMillis = new long[LATENCY_CAPACITY];
    private long latencyCount;

    // Bytes pushed per wall-clock second over the bitrate window, in a ring by second.
    private final long[] bytesBySecond = new long[BITRATE_WINDOW_SECONDS + 1];
    private final long[] secondOf = new long[BITRATE_WINDOW_SECONDS + 1];

    public LiveStreamMetrics(String streamId) {
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }

    /** A frame went into the video topic. */
    public void frameIn() {
        framesIn.incrementAndGet();
    }

    /** A source connection dropped and was opened again. */
    public void sourceReconnected() {
        sourceReconnects.incrementAndGet();
    }

    /** A hole in a source's timeline was filled (video: last picture repeated; audio: silence). */
    public void sourceGap(long micros) {
        sourceGaps.incrementAndGet();
        sourceGapMicros.addAndGet(Math.max(0, micros));
    }

    /** Audio samples (16 kHz) sent as silence because the audio feed had nothing. */
    public void silenceFilled(long samples) {
        silenceFilledSamples.addAndGet(samples);
    }

    /** A committed segment was pushed whole; its counts of lip-synced and passed frames. */
    public void segmentPushed(int lipSynced, int passedThrough) {
        segmentsPushed.incrementAndGet();
        lipSyncedFrames.addAndGet(lipSynced);
        passedThroughFrames.addAndGet(passedThrough);
    }

    /** A packet of {@code bytes} went to the receiver at {@code nowMillis}; video when a frame. */
    public synchronized void packetPushed(int bytes, boolean videoFrame, long nowMillis) {
        if (videoFrame) {
            framesPushed.incrementAndGet();
        }
        bytesPushed.addAndGet(bytes);
        long second = nowMillis / 1000;
        int slot = (int) (second % bytesBySecond.length);
        if (secondOf[slot] != second) {
            secondOf[slot] = second;
            bytesBySecond[slot] = 0;
        }
        bytesBySecond[slot] += bytes;
    }

    /** The receiver went away (or refused) and the push was opened again. */
    public void pushReconnected() {
        pushReconnects.incrementAndGet();
    }

    /** Audio start minus video start of a pushed segment, microseconds. */
    public void avOffset(long micros) {
        firstAvOffsetMicros.compareAndSet(NONE, micros);
        lastAvOffsetMicros.set(micros);
    }

    /** One frame's glass-to-glass latency, measured when it was pushed at {@code nowMillis}. */
    public synchronized void latency(long micros, long nowMillis) {
        int slot = (int) (latencyCount++ % LATENCY_CAPACITY);
        latencyMicros[slot] = micros;
        latencyAtMillis[slot] = nowMillis;
    }

    /**
     * Latency quantiles (for example 0.5, 0.95, 0.99) over the samples since {@code sinceMillis}
     * (0: all kept), microseconds; empty when there are none.
     */
    public synchronized long[] latencyQuantiles(long sinceMillis, double... quantiles) {
        int kept = (int) Math.min(latencyCount, LATENCY_CAPACITY);
        long[] window = new long[kept];
        int n = 0;
        for (int i = 0; i < kept; i++) {
            if (latencyAtMillis[i] >= sinceMillis) {
                window[n++] = latencyMicros[i];
            }
        }
        if (n == 0) {
            return new long[0];
        }
        Arrays.sort(window, 0, n);
        long[] result = new long[quantiles.length];
        for (int q = 0; q < quantiles.length; q++) {
            // Nearest rank.
            int rank = (int) Math.ceil(quantiles[q] * n);
            result[q] = window[Math.max(0, Math.min(n - 1, rank - 1))];
        }
        return result;
    }

    /** Mean bits per second pushed over the last {@link #BITRATE_WINDOW_SECONDS} whole seconds. */
    public synchronized long pushedBitsPerSecond(long nowMillis) {
        long current = nowMillis / 1000;
        long bytes = 0;
        for (int i = 0; i < bytesBySecond.length; i++) {
            long age = current - secondOf[i];
            if (age >= 1 && age <= BITRATE_WINDOW_SECONDS) {
                bytes += bytesBySecond[i];
            }
        }
        return bytes * Byte.SIZE / BITRATE_WINDOW_SECONDS;
    }

    /** Latency quantiles reported by {@link #snapshot()}. */
    public static final double[] QUANTILES = {0.5, 0.95, 0.99};

    /** Window of the snapshot's latency quantiles: the last minute, as an operator watches. */
    public static final long LATENCY_WINDOW_MILLIS = 60_000;

    /**
     * One reading of every figure. Latency quantiles (p50, p95, p99) are over the last minute,
     * empty before the first pushed frame; A/V offsets are null before the first pushed segment.
     */
    public Snapshot snapshot() {
        long now = System.currentTimeMillis();
        long first = firstAvOffsetMicros.get();
        long last = lastAvOffsetMicros.get();
        return new Snapshot(
                streamId,
                framesIn.get(),
                sourceReconnects.get(),
                sourceGaps.get(),
                sourceGapMicros.get(),
                silenceFilledSamples.get(),
                framesPushed.get(),
                segmentsPushed.get(),
                bytesPushed.get(),
                pushedBitsPerSecond(now),
                pushReconnects.get(),
                lipSyncedFrames.get(),
                passedThroughFrames.get(),
                latencyQuantiles(now - LATENCY_WINDOW_MILLIS, QUANTILES),
                first == NONE ? null : first,
                last == NONE ? null : last);
    }

    /** The figures of {@link LiveStreamMetrics} at one moment. */
    public record Snapshot(
            String streamId,
            long framesIn,
            long sourceReconnects,
            long sourceGaps,
            long sourceGapMicros,
            long silenceFilledSamples,
            long framesPushed,
            long segmentsPushed,
            long bytesPushed,
            long pushedBitsPerSecond,
            long pushReconnects,
            long lipSyncedFrames,
            long passedThroughFrames,
            long[] latencyQuantilesMicros,
            Long firstAvOffsetMicros,
            Long lastAvOffsetMicros) {}
}
