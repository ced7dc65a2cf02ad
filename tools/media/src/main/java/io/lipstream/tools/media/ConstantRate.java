package io.lipstream.tools.media;

/**
 * Puts a file's frames on the constant-rate grid of its average frame rate, by timestamp, as
 * FFmpeg's constant-rate output does: a frame goes to the slot nearest its time since the first
 * frame of the pass over the file. Variable-frame-rate files (phone recordings, screen captures)
 * keep their timing this way; a constant-rate file maps each frame to the next slot. The caller
 * repeats the previous frame over slots a late frame skipped, and drops a frame whose slot is
 * already taken.
 *
 * <p>Timestamps that do not increase, or that jump ahead by more than {@link #MAX_GAP_SECONDS}, are
 * not trusted: such a frame takes the next slot and the grid restarts from it.
 */
final class ConstantRate {
    /** Longest gap filled by repeating a frame; a longer jump is a broken timestamp. */
    static final double MAX_GAP_SECONDS = 10;

    private final double slotMicros;
    private final long maxGapSlots;
    private long originSlot;
    private long originMicros;
    private long previousMicros;
    private boolean started;

    ConstantRate(int fpsNum, int fpsDen) {
        if (fpsNum <= 0 || fpsDen <= 0) {
            throw new IllegalArgumentException(
                    "frame rate: expected a positive fraction, got " + fpsNum + "/" + fpsDen);
        }
        this.slotMicros = 1e6 * fpsDen / fpsNum;
        this.maxGapSlots = Math.round(MAX_GAP_SECONDS * fpsNum / fpsDen);
    }

    /** A new pass over the file begins; its first frame takes slot {@code firstSlot}. */
    void startLoop(long firstSlot) {
        originSlot = firstSlot;
        started = false;
    }

    /**
     * The slot of a frame stamped {@code timestampMicros} when {@code nextSlot} is the first free
     * one: below it means drop the frame, above it means repeat the previous frame up to it.
     */
    long slotOf(long timestampMicros, long nextSlot) {
        if (!started || timestampMicros <= previousMicros) {
            return restartAt(timestampMicros, started ? nextSlot : originSlot);
        }
        previousMicros = timestampMicros;
        long slot = originSlot + Math.round((timestampMicros - originMicros) / slotMicros);
        if (slot - nextSlot > maxGapSlots) {
            return restartAt(timestampMicros, nextSlot);
        }
        return slot;
    }

    private long restartAt(long timestampMicros, long slot) {
        started = true;
        originSlot = slot;
        originMicros = timestampMicros;
        previousMicros = timestampMicros;
        return slot;
    }
}
