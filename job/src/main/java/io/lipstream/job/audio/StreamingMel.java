package io.lipstream.job.audio;

import static io.lipstream.job.audio.Wav2LipAudio.HOP_LENGTH;
import static io.lipstream.job.audio.Wav2LipAudio.MEL_STEP;
import static io.lipstream.job.audio.Wav2LipAudio.NUM_MELS;
import static io.lipstream.job.audio.Wav2LipAudio.N_FFT;
import static io.lipstream.job.audio.Wav2LipAudio.PREEMPHASIS;

import java.io.Serializable;
import java.util.Objects;

/**
 * Wav2Lip's log-mel spectrogram (audio.py {@code melspectrogram}, librosa 0.7.0) computed
 * incrementally over one stream of 16 kHz mono float PCM.
 *
 * <p>Column t is the STFT frame centred on sample 200 t, so it needs the samples up to 200 t + 399
 * (the half window after its centre). It is computed as soon as those have been pushed; column 0
 * also needs sample 400, its mirror image under the start's reflect padding. At {@link #finish()}
 * the end is reflect-padded (numpy {@code pad(mode='reflect')}, repeating the reflection for
 * signals shorter than the padding, edge padding for a single sample) and the remaining columns are
 * completed, T = 1 + N / 200 in all. The result equals Wav2Lip's offline computation for any
 * chunking; an empty stream, where librosa raises, yields one silent column (all -4).
 *
 * <p>State is a fixed ring of 1024 pre-emphasised samples plus the columns the owner has not yet
 * released with {@link #releaseBefore(long)}: plain fields, a public no-arg constructor, no FFT
 * plans (those are per thread, see {@link MelColumnKernel}), so it serialises cheaply as Flink
 * keyed state. Not thread-safe: one stream, one owner.
 */
public final class StreamingMel implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Centred frames: librosa pads n_fft / 2 samples at each end (stft {@code center=True}). */
    private static final int HALF_WINDOW = N_FFT / 2;

    /**
     * Ring capacity in samples, a power of two. Columns are computed as soon as they complete, so
     * fewer than {@link Wav2LipAudio#N_FFT} samples are ever retained between pushes.
     */
    static final int SAMPLE_CAPACITY = 1024;

    private static final int SAMPLE_MASK = SAMPLE_CAPACITY - 1;

    /** Initial column storage (in columns); grows only while the owner holds columns back. */
    private static final int INITIAL_COLUMN_CAPACITY = 32;

    /** Pre-emphasised samples; sample i lives at {@code i & SAMPLE_MASK}. */
    private double[] samples = new double[SAMPLE_CAPACITY];

    private long samplesPushed;

    /** x[n-1] of the pre-emphasis filter; 0 before the first sample, as lfilter's initial state. */
    private float previousInput;

    private boolean finished;

    private long completedColumns;

    /** Retained columns, 80 floats each, column {@link #firstStoredColumn} at slot firstSlot. */
    private float[] columns = new float[INITIAL_COLUMN_CAPACITY * NUM_MELS];

    private int firstSlot;

    private long firstStoredColumn;

    /** The largest argument given to {@link #releaseBefore(long)}. */
    private long releaseRequest;

    public StreamingMel() {}

    /**
     * Appends samples; returns how many new columns became complete.
     *
     * @throws IllegalStateException after {@link #finish()}
     */
    public int push(float[] samples, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, samples.length);
        if (finished) {
            throw new IllegalStateException(
                    "push after finish: the stream ended at sample " + samplesPushed);
        }
        long before = completedColumns;
        int done = 0;
        while (done < length) {
            int space = SAMPLE_CAPACITY - (int) (samplesPushed - retainedFrom());
            int n = Math.min(space, length - done);
            appendPreemphasized(samples, offset + done, n);
            done += n;
            computeReadyColumns();
        }
        return (int) (completedColumns - before);
    }

    /**
     * End of stream: reflect-pads the end and completes all remaining columns (T total).
     * Idempotent; push after finish throws IllegalStateException.
     */
    public int finish() {
        if (finished) {
            return 0;
        }
        finished = true;
        long before = completedColumns;
        long total = Wav2LipAudio.columnCount(samplesPushed);
        // nothing is appended any more, so every sample still in the ring stays readable
        long keptFrom = retainedFrom();
        MelColumnKernel.Workspace ws = MelColumnKernel.workspace();
        while (completedColumns < total) {
            long start = completedColumns * HOP_LENGTH - HALF_WINDOW;
            for (int j = 0; j < N_FFT; j++) {
                ws.frame[j] = reflectedSample(start + j, keptFrom);
            }
            storeColumn(ws);
        }
        return (int) (completedColumns - before);
    }

    public boolean finished() {
        return finished;
    }

    public long samplesPushed() {
        return samplesPushed;
    }

    /** Number of columns complete so far (columns [0, completedColumns()) are computed). */
    public long completedColumns() {
        return completedColumns;
    }

    /** The oldest column still retained (columns before it were released). */
    public long firstRetainedColumn() {
        return firstStoredColumn;
    }

    /**
     * Writes the 80x16 window of columns [start, start+16) row-major (dst[off + m*16 + k] =
     * mel[m][start+k]) — exactly Wav2Lip's mel[:, s:s+16]. Throws IllegalArgumentException if those
     * columns are not complete or already released.
     */
    public void window(long start, float[] dst, int off) {
        requireRetained(start, MEL_STEP);
        Objects.checkFromIndexSize(off, NUM_MELS * MEL_STEP, dst.length);
        int base = slotOf(start) * NUM_MELS;
        for (int k = 0; k < MEL_STEP; k++) {
            int col = base + k * NUM_MELS;
            for (int m = 0; m < NUM_MELS; m++) {
                dst[off + m * MEL_STEP + k] = columns[col + m];
            }
        }
    }

    /** Copies column t (80 values) into dst[off..off+80). */
    public void column(long t, float[] dst, int off) {
        requireRetained(t, 1);
        Objects.checkFromIndexSize(off, NUM_MELS, dst.length);
        System.arraycopy(columns, slotOf(t) * NUM_MELS, dst, off, NUM_MELS);
    }

    /**
     * Lets the owner release columns before this index (bounded state). Columns not yet computed
     * are dropped as soon as they are.
     */
    public void releaseBefore(long column) {
        releaseRequest = Math.max(releaseRequest, column);
        applyRelease();
    }

    /** Offline helper: whole-signal mel [80][T], computed through the streaming path. */
    public static float[][] melspectrogram(float[] wav16kMono) {
        StreamingMel mel = new StreamingMel();
        mel.push(wav16kMono, 0, wav16kMono.length);
        mel.finish();
        int total = Math.toIntExact(mel.completedColumns());
        float[][] out = new float[NUM_MELS][total];
        float[] col = new float[NUM_MELS];
        for (int t = 0; t < total; t++) {
            mel.column(t, col, 0);
            for (int m = 0; m < NUM_MELS; m++) {
                out[m][t] = col[m];
            }
        }
        return out;
    }

    /** Samples held in the ring (for tests of bounded state). */
    int retainedSamples() {
        return (int) (samplesPushed - retainedFrom());
    }

    /** Columns held (for tests of bounded state). */
    int retainedColumns() {
        return (int) (completedColumns - firstStoredColumn);
    }

    /** Column storage capacity in columns (for tests of bounded state). */
    int columnCapacity() {
        return columns.length / NUM_MELS;
    }

    /** First sample any column still to compute can read (reflections included). */
    private long retainedFrom() {
        return Math.max(0, completedColumns * HOP_LENGTH - HALF_WINDOW);
    }

    private void appendPreemphasized(float[] src, int offset, int n) {
        // scipy.signal.lfilter([1, -0.97], [1], x) in double: y[n] = x[n] - 0.97 x[n-1]
        double prev = previousInput;
        long i = samplesPushed;
        for (int j = 0; j < n; j++) {
            float x = src[offset + j];
            samples[(int) (i++ & SAMPLE_MASK)] = x - PREEMPHASIS * prev;
            prev = x;
        }
        if (n > 0) {
            previousInput = src[offset + n - 1];
        }
        samplesPushed = i;
    }

    /** Computes every column whose samples, before any end padding, have all arrived. */
    private void computeReadyColumns() {
        MelColumnKernel.Workspace ws = null;
        while (readyWhileStreaming(completedColumns)) {
            if (ws == null) {
                ws = MelColumnKernel.workspace();
            }
            long start = completedColumns * HOP_LENGTH - HALF_WINDOW;
            if (start >= 0) {
                for (int j = 0; j < N_FFT; j++) {
                    ws.frame[j] = samples[(int) ((start + j) & SAMPLE_MASK)];
                }
            } else {
                // start of stream: y[-k] = y[k]; readyWhileStreaming guarantees k <= 400 < N
                for (int j = 0; j < N_FFT; j++) {
                    ws.frame[j] = samples[(int) (Math.abs(start + j) & SAMPLE_MASK)];
                }
            }
            storeColumn(ws);
        }
    }

    private boolean readyWhileStreaming(long t) {
        // the last sample column t reads is 200 t + 399; column 0 also reads y[400] = y[-400]
        long needed = t == 0 ? HALF_WINDOW + 1 : t * HOP_LENGTH + HALF_WINDOW;
        return samplesPushed >= needed;
    }

    /** Sample i of numpy.pad(y, 400, mode='reflect') shifted so that i = 0 is y[0]; N known. */
    private double reflectedSample(long i, long keptFrom) {
        long n = samplesPushed;
        if (n == 0) {
            return 0; // librosa raises on empty input; an empty stream is silence here
        }
        long index;
        if (n == 1) {
            index = 0; // numpy pads a single element with itself (legacy 'reflect' behaviour)
        } else {
            // repeated reflection about both ends: the signal mirrored with period 2 (N - 1)
            long period = 2 * (n - 1);
            long m = Math.floorMod(i, period);
            index = m < n ? m : period - m;
        }
        if (index < keptFrom || index >= n) {
            // cannot happen: columns are computed before the ring drops what they need
            throw new IllegalStateException(
                    "sample " + index + " needed but only [" + keptFrom + ", " + n + ") kept");
        }
        return samples[(int) (index & SAMPLE_MASK)];
    }

    private void storeColumn(MelColumnKernel.Workspace ws) {
        int slot = firstSlot + retainedColumns();
        if (slot == columnCapacity()) {
            makeRoom();
            slot = firstSlot + retainedColumns();
        }
        ws.compute(columns, slot * NUM_MELS);
        completedColumns++;
        applyRelease();
    }

    /** Moves the retained columns to the front, growing the array when they fill half of it. */
    private void makeRoom() {
        int kept = retainedColumns();
        int capacity = columnCapacity();
        resizeColumns(kept * 2 > capacity ? capacity * 2 : capacity);
    }

    private void applyRelease() {
        long target = Math.min(releaseRequest, completedColumns);
        if (target > firstStoredColumn) {
            firstSlot += (int) (target - firstStoredColumn);
            firstStoredColumn = target;
            int kept = retainedColumns();
            if (kept == 0) {
                firstSlot = 0;
            }
            if (columnCapacity() > INITIAL_COLUMN_CAPACITY && kept * 4 < columnCapacity()) {
                // give back the room of a burst of held columns: serialised state stays small
                resizeColumns(Math.max(INITIAL_COLUMN_CAPACITY, Integer.highestOneBit(kept) * 2));
            }
        }
    }

    private void resizeColumns(int capacity) {
        int kept = retainedColumns();
        float[] target = capacity == columnCapacity() ? columns : new float[capacity * NUM_MELS];
        System.arraycopy(columns, firstSlot * NUM_MELS, target, 0, kept * NUM_MELS);
        columns = target;
        firstSlot = 0;
    }

    private void requireRetained(long start, int count) {
        if (start < firstStoredColumn || start + count > completedColumns) {
            throw new IllegalArgumentException(
                    "columns ["
                            + start
                            + ", "
                            + (start + count)
                            + ") requested but ["
                            + firstStoredColumn
                            + ", "
                            + completedColumns
                            + ") are available");
        }
    }

    private int slotOf(long column) {
        return firstSlot + (int) (column - firstStoredColumn);
    }

    // Bean accessors for Flink's POJO serializer (keyed state that evolves with the class); the
    // methods above are the API.

    public double[] getSamples() {
        return samples;
    }

    public void setSamples(double[] samples) {
        this.samples = samples;
    }

    public long getSamplesPushed() {
        return samplesPushed;
    }

    public void setSamplesPushed(long samplesPushed) {
        this.samplesPushed = samplesPushed;
    }

    public float getPreviousInput() {
        return previousInput;
    }

    public void setPreviousInput(float previousInput) {
        this.previousInput = previousInput;
    }

    public boolean getFinished() {
        return finished;
    }

    public void setFinished(boolean finished) {
        this.finished = finished;
    }

    public long getCompletedColumns() {
        return completedColumns;
    }

    public void setCompletedColumns(long completedColumns) {
        this.completedColumns = completedColumns;
    }

    public float[] getColumns() {
        return columns;
    }

    public void setColumns(float[] columns) {
        this.columns = columns;
    }

    public int getFirstSlot() {
        return firstSlot;
    }

    public void setFirstSlot(int firstSlot) {
        this.firstSlot = firstSlot;
    }

    public long getFirstStoredColumn() {
        return firstStoredColumn;
    }

    public void setFirstStoredColumn(long firstStoredColumn) {
        this.firstStoredColumn = firstStoredColumn;
    }

    public long getReleaseRequest() {
        return releaseRequest;
    }

    public void setReleaseRequest(long releaseRequest) {
        this.releaseRequest = releaseRequest;
    }
}
