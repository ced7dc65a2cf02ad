package io.lipstream.job.faces;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-stream temporal smoothing of padded face boxes, Wav2Lip's {@code get_smoothened_boxes(boxes,
 * T=5)} fed one frame at a time: {@code box[i] = mean(box[i .. i+T-1])}, truncated to int as
 * Wav2Lip's integer array does. A frame is final once the {@code T-1} frames after it have been
 * offered (a 4-frame lookahead at T = 5).
 *
 * <p>Frames without a face ({@code null}) pass through as {@code null}, in order, and are left out
 * of every mean: the window stays {@code T} frames long and averages the faces it holds, so the
 * lookahead never grows.
 *
 * <p>End of stream follows Wav2Lip: each of the last frames averages the last {@code T} frames,
 * {@code boxes[len-T:]}, including the ones already smoothed (Wav2Lip smooths in place). One
 * deliberate difference: for streams shorter than {@code T} Wav2Lip's negative slice start wraps
 * around (a Python quirk); here the window is simply all the frames.
 *
 * <p>Frame indices must increase; the window counts offered frames, not index values. A Flink POJO
 * (no-arg constructor, bean accessors) so that keyed state holding it is written by Flink's POJO
 * serializer, which evolves with the class, not by Kryo. Not thread-safe.
 */
public final class BoxSmoother implements Serializable {

    private static final int COORDS = 4;

    private int window;

    /** Ring of the last {@code window} offered frames, oldest at {@code start}. */
    private long[] frameIndices;

    /** x1, y1, x2, y2 per ring slot: the offered box until emitted, then the smoothed one. */
    private int[] boxes;

    private boolean[] present;
    private int start;
    private int count;

    /** How many of the newest frames in the ring have not been returned yet. */
    private int pending;

    private long lastFrameIndex;
    private boolean started;

    /** Wav2Lip's window, {@link Wav2LipBoxes#SMOOTHING_FRAMES}. */
    public BoxSmoother() {
        this(Wav2LipBoxes.SMOOTHING_FRAMES);
    }

    public BoxSmoother(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("smoothing window must be >= 1, found " + window);
        }
        this.window = window;
        this.frameIndices = new long[window];
        this.boxes = new int[window * COORDS];
        this.present = new boolean[window];
    }

    /**
     * Offers frame {@code frameIndex}'s padded box (or null). Returns the frames now final: list of
     * (frameIndex, smoothed box or null) in order.
     *
     * @throws IllegalArgumentException if {@code frameIndex} does not increase
     */
    public List<SmoothedBox> offer(long frameIndex, FaceBox paddedOrNull) {
        if (started && frameIndex <= lastFrameIndex) {
            throw new IllegalArgumentException(
                    "frame index must increase: expected > "
                            + lastFrameIndex
                            + ", found "
                            + frameIndex);
        }
        started = true;
        lastFrameIndex = frameIndex;
        append(frameIndex, paddedOrNull);
        List<SmoothedBox> done = null;
        while (pending > 0) {
            int position = count - pending;
            boolean face = present[slot(position)];
            if (face && pending < window) {
                break; // lookahead not complete yet
            }
            if (done == null) {
                done = new ArrayList<>(window);
            }
            done.add(face ? emitSmoothed(position, position + window) : emitEmpty(position));
        }
        return done == null ? List.of() : done;
    }

    /**
     * End of stream: returns the rest, each face averaged over the last {@code T} frames as Wav2Lip
     * does ({@code window = boxes[len-T:]}). The smoother is then empty, as if new.
     */
    public List<SmoothedBox> flush() {
        List<SmoothedBox> done = new ArrayList<>(pending);
        while (pending > 0) {
            int position = count - pending;
            done.add(present[slot(position)] ? emitSmoothed(0, count) : emitEmpty(position));
        }
        start = 0;
        count = 0;
        started = false;
        return done;
    }

    /** Frames offered but not returned yet (at most {@code T-1} after each offer). */
    public int pending() {
        return pending;
    }

    private void append(long frameIndex, FaceBox box) {
        if (count == window) {
            start = (start + 1) % window; // the oldest is already returned: pending < window
            count--;
        }
        int s = slot(count);
        frameIndices[s] = frameIndex;
        present[s] = box != null;
        if (box != null) {
            boxes[s * COORDS] = box.x1();
            boxes[s * COORDS + 1] = box.y1();
            boxes[s * COORDS + 2] = box.x2();
            boxes[s * COORDS + 3] = box.y2();
        }
        count++;
        pending++;
    }

    private SmoothedBox emitEmpty(int position) {
        pending--;
        return new SmoothedBox(frameIndices[slot(position)], null);
    }

    /** Smooths the oldest pending frame over ring positions [from, to) and stores it in place. */
    private SmoothedBox emitSmoothed(int from, int to) {
        long[] sums = new long[COORDS];
        int faces = 0;
        for (int p = from; p < to; p++) {
            int s = slot(p);
            if (present[s]) {
                for (int c = 0; c < COORDS; c++) {
                    sums[c] += boxes[s * COORDS + c];
                }
                faces++;
            }
        }
        // Long division truncates toward zero, like numpy assigning a float mean to an int array.
        int x1 = (int) (sums[0] / faces);
        int y1 = (int) (sums[1] / faces);
        // Keep at least one pixel: Wav2Lip would crash on an empty crop of near-degenerate boxes.
        int x2 = Math.max(x1 + 1, (int) (sums[2] / faces));
        int y2 = Math.max(y1 + 1, (int) (sums[3] / faces));
        int s = slot(count - pending);
        boxes[s * COORDS] = x1;
        boxes[s * COORDS + 1] = y1;
        boxes[s * COORDS + 2] = x2;
        boxes[s * COORDS + 3] = y2;
        pending--;
        return new SmoothedBox(frameIndices[s], new FaceBox(x1, y1, x2, y2));
    }

    private int slot(int position) {
        return (start + position) % window;
    }

    // Bean accessors for Flink's POJO serializer (keyed state); callers use offer and flush.

    public int getWindow() {
        return window;
    }

    public void setWindow(int window) {
        this.window = window;
    }

    public long[] getFrameIndices() {
        return frameIndices;
    }

    public void setFrameIndices(long[] frameIndices) {
        this.frameIndices = frameIndices;
    }

    public int[] getBoxes() {
        return boxes;
    }

    public void setBoxes(int[] boxes) {
        this.boxes = boxes;
    }

    public boolean[] getPresent() {
        return present;
    }

    public void setPresent(boolean[] present) {
        this.present = present;
    }

    public int getStart() {
        return start;
    }

    public void setStart(int start) {
        this.start = start;
    }

    public int getCount() {
        return count;
    }

    public void setCount(int count) {
        this.count = count;
    }

    public int getPending() {
        return pending;
    }

    public void setPending(int pending) {
        this.pending = pending;
    }

    public long getLastFrameIndex() {
        return lastFrameIndex;
    }

    public void setLastFrameIndex(long lastFrameIndex) {
        this.lastFrameIndex = lastFrameIndex;
    }

    public boolean getStarted() {
        return started;
    }

    public void setStarted(boolean started) {
        this.started = started;
    }
}
