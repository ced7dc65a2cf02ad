package io.lipstream.job.segments;

import io.lipstream.job.audio.Wav2LipAudio;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.SyncedFace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts one stream's frames back in frame-index order and cuts them, with the stream's audio for
 * their time range and the AAC encoder's context around it, into segments of a fixed number of
 * frames (Flink-free; the operator {@link AssembleSegments} owns one per stream as keyed state).
 *
 * <p>A segment is ready when all its frames are back and the audio covers its range and {@link
 * AacTrackEncoder#CONTEXT_AFTER} samples (96 ms) beyond, or the stream's audio has ended. If it
 * stays incomplete for {@code maxWaitMillis} while later frames (or the end of the stream) show it
 * should be complete, it is cut anyway: missing frames repeat the frame before them, missing audio
 * is silence; both are counted.
 */
public final class SegmentAssembler {
    /**
     * Frame rate assumed for a stream without a nominal rate whose frame times give none (all
     * equal).
     */
    public static final int FALLBACK_FPS = 25;

    /**
     * Frames of a stream without a nominal rate whose times give its rate (1 s at 25 fps); a stream
     * that ends sooner is measured on the frames it has.
     */
    static final int RATE_ESTIMATE_FRAMES = 25;

    /** A measured rate is kept in thousandths of a frame per second. */
    static final int MEASURED_RATE_DEN = 1000;

    private Map<Long, SyncedFace> frames = new TreeMap<>();
    private long nextFrameIndex;
    private long nextSegmentIndex;
    private long lastFrameIndex = -1;
    private int fpsNum;
    private int fpsDen;

    private long audioStart;
    private float[] audio = new float[0];
    private int audioLength;
    private boolean audioEnded;

    /** Processing time at which the next segment was first seen to be overdue; -1 if not. */
    private long overdueSince = -1;

    public SegmentAssembler() {}

    /**
     * One segment ready to encode; {@code audio} starts at stream sample {@code audioStartSample},
     * {@link AacTrackEncoder#CONTEXT_BEFORE} before the segment, and runs {@link
     * AacTrackEncoder#CONTEXT_AFTER} past it (silence where the stream had none).
     */
    public record ReadySegment(
            long segmentIndex,
            long firstFrameIndex,
            int fpsNum,
            int fpsDen,
            List<SyncedFace> frames,
            float[] audio,
            long audioStartSample,
            int missingFrames,
            boolean last) {}

    public void offerFrame(SyncedFace face) {
        long index = face.frame.frameIndex;
        if (index < nextFrameIndex) {
            return; // already encoded: a replay after restore
        }
        if (fpsNum == 0 && face.frame.fpsNum > 0) {
            fpsNum = face.frame.fpsNum;
            fpsDen = face.frame.fpsDen;
        }
        frames().put(index, face);
        if (face.frame.last) {
            lastFrameIndex = index;
        }
    }

    public void offerAudio(AudioSpan span) {
        long end = audioStart + audioLength;
        if (span.samples.length > 0 && span.startSample + span.samples.length > end) {
            if (span.startSample > end) {
                // Spans arrive gap-free from the aligner; a gap here can only be silence.
                append(new float[(int) (span.startSample - end)], 0);
                end = span.startSample;
            }
            append(span.samples, (int) Math.max(0, end - span.startSample));
        }
        if (span.last) {
            audioEnded = true;
        }
    }

    private void append(float[] samples, int from) {
        int add = samples.length - from;
        if (audio.length < audioLength + add) {
            audio = Arrays.copyOf(audio, Math.max(audioLength + add, audio.length * 2));
        }
        System.arraycopy(samples, from, audio, audioLength, add);
        audioLength += add;
    }

    /**
     * Segments of about {@code segmentMicros} ready now, in order; {@code now} is processing time
     * in milliseconds.
     */
    public List<ReadySegment> drain(long segmentMicros, long now, long maxWaitMillis) {
        List<ReadySegment> ready = new ArrayList<>();
        if (fpsNum == 0) {
            measureRate();
        }
        int framesPerSegment = framesPerSegment(segmentMicros);
        while (fpsNum != 0 && (lastFrameIndex < 0 || nextFrameIndex <= lastFrameIndex)) {
            long end = nextFrameIndex + framesPerSegment;
            if (lastFrameIndex >= 0) {
                end = Math.min(end, lastFrameIndex + 1);
            }
            boolean framesComplete =
                    frames().subMap(nextFrameIndex, end).size() == end - nextFrameIndex;
            boolean audioComplete =
                    audioEnded
                            || audioStart + audioLength
                                    >= sampleAt(end) + AacTrackEncoder.CONTEXT_AFTER;
            boolean overdue = lastFrameIndex >= 0 || frames().ceilingKey(end) != null;
            if (!(framesComplete && audioComplete)) {
                if (!overdue) {
                    overdueSince = -1;
                    break;
                }
                if (overdueSince < 0) {
                    overdueSince = now;
                }
                if (now - overdueSince < maxWaitMillis) {
                    break;
                }
            }
            ready.add(cut(end));
            overdueSince = -1;
        }
        return ready;
    }

    /**
     * For a stream without a nominal rate: its average rate over the frames held, once there are
     * {@link #RATE_ESTIMATE_FRAMES} or the stream has ended. Segments are then timed at that
     * constant rate (frames are paired with their audio by their own times upstream).
     */
    private void measureRate() {
        if (frames().isEmpty() || (frames().size() < RATE_ESTIMATE_FRAMES && lastFrameIndex < 0)) {
            return;
        }
        long frameSpan = frames().lastKey() - frames().firstKey();
        long micros =
                frames().lastEntry().getValue().frame.ptsMicros
                        - frames().firstEntry().getValue().frame.ptsMicros;
        long measured =
                frameSpan > 0 && micros > 0
                        ? Math.round(frameSpan * 1e6 * MEASURED_RATE_DEN / micros)
                        : 0;
        if (measured > 0 && measured <= Integer.MAX_VALUE) {
            fpsNum = (int) measured;
            fpsDen = MEASURED_RATE_DEN;
        } else {
            fpsNum = FALLBACK_FPS;
            fpsDen = 1;
        }
    }

    /** Whole frames in a segment of {@code segmentMicros} at the stream's rate, at least one. */
    int framesPerSegment(long segmentMicros) {
        if (fpsNum == 0) {
            return 1;
        }
        return (int) Math.max(1, Math.round(segmentMicros * (double) fpsNum / (fpsDen * 1e6)));
    }

    /** Processing time at which the blocked next segment will be cut anyway, or -1. */
    public long overdueSince() {
        return overdueSince;
    }

    /** True when the last frame has been cut into a segment. */
    public boolean done() {
        return lastFrameIndex >= 0 && nextFrameIndex > lastFrameIndex;
    }

    /** Frames held, for bounded-state checks. */
    public int bufferedFrames() {
        return frames().size();
    }

    private ReadySegment cut(long end) {
        long first = nextFrameIndex;
        List<SyncedFace> segmentFrames = new ArrayList<>();
        int missing = 0;
        for (long i = first; i < end; i++) {
            SyncedFace face = frames().remove(i);
            if (face == null) {
                missing++;
            }
            segmentFrames.add(face);
        }
        long from = sampleAt(first) - AacTrackEncoder.CONTEXT_BEFORE;
        long to = sampleAt(end) + AacTrackEncoder.CONTEXT_AFTER;
        float[] segmentAudio = new float[(int) (to - from)];
        long copyFrom = Math.max(from, audioStart);
        long copyTo = Math.min(to, audioStart + audioLength);
        if (copyTo > copyFrom) {
            System.arraycopy(
                    audio,
                    (int) (copyFrom - audioStart),
                    segmentAudio,
                    (int) (copyFrom - from),
                    (int) (copyTo - copyFrom));
        }
        // The next segment's encoder needs the audio just before it.
        dropAudioBefore(sampleAt(end) - AacTrackEncoder.CONTEXT_BEFORE);
        nextFrameIndex = end;
        boolean last = lastFrameIndex >= 0 && end > lastFrameIndex;
        return new ReadySegment(
                nextSegmentIndex++,
                first,
                fpsNum,
                fpsDen,
                segmentFrames,
                segmentAudio,
                from,
                missing,
                last);
    }

    private void dropAudioBefore(long sample) {
        if (sample >= audioStart + audioLength) {
            // Audio behind the video: what arrives later for this range is not used.
            audioStart = Math.max(audioStart, sample);
            audioLength = 0;
            return;
        }
        int drop = (int) Math.max(0, sample - audioStart);
        if (drop > 0) {
            System.arraycopy(audio, drop, audio, 0, audioLength - drop);
            audioLength -= drop;
            audioStart += drop;
        }
    }

    /** The 16 kHz sample at which frame {@code index} starts. */
    long sampleAt(long index) {
        return index * Wav2LipAudio.SAMPLE_RATE * fpsDen / fpsNum;
    }

    /** The frames in key order (Flink's POJO serializer restores a map as a hash map). */
    private TreeMap<Long, SyncedFace> frames() {
        if (!(frames instanceof TreeMap)) {
            frames = new TreeMap<>(frames);
        }
        return (TreeMap<Long, SyncedFace>) frames;
    }

    // Bean accessors for Flink's POJO serializer (keyed state that evolves with the class); the
    // methods above are the API.

    public Map<Long, SyncedFace> getFrames() {
        return frames;
    }

    public void setFrames(Map<Long, SyncedFace> frames) {
        this.frames = frames;
    }

    public long getNextFrameIndex() {
        return nextFrameIndex;
    }

    public void setNextFrameIndex(long nextFrameIndex) {
        this.nextFrameIndex = nextFrameIndex;
    }

    public long getNextSegmentIndex() {
        return nextSegmentIndex;
    }

    public void setNextSegmentIndex(long nextSegmentIndex) {
        this.nextSegmentIndex = nextSegmentIndex;
    }

    public long getLastFrameIndex() {
        return lastFrameIndex;
    }

    public void setLastFrameIndex(long lastFrameIndex) {
        this.lastFrameIndex = lastFrameIndex;
    }

    public int getFpsNum() {
        return fpsNum;
    }

    public void setFpsNum(int fpsNum) {
        this.fpsNum = fpsNum;
    }

    public int getFpsDen() {
        return fpsDen;
    }

    public void setFpsDen(int fpsDen) {
        this.fpsDen = fpsDen;
    }

    public long getAudioStart() {
        return audioStart;
    }

    public void setAudioStart(long audioStart) {
        this.audioStart = audioStart;
    }

    public float[] getAudio() {
        return audio;
    }

    public void setAudio(float[] audio) {
        this.audio = audio;
    }

    public int getAudioLength() {
        return audioLength;
    }

    public void setAudioLength(int audioLength) {
        this.audioLength = audioLength;
    }

    public boolean getAudioEnded() {
        return audioEnded;
    }

    public void setAudioEnded(boolean audioEnded) {
        this.audioEnded = audioEnded;
    }

    public long getOverdueSince() {
        return overdueSince;
    }

    public void setOverdueSince(long overdueSince) {
        this.overdueSince = overdueSince;
    }
}
