package io.lipstream.job.align;

import io.lipstream.job.audio.StreamingMel;
import io.lipstream.job.audio.Wav2LipAudio;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pairs one stream's frames with their Wav2Lip mel windows on the stream clock (Flink-free; the
 * operator {@link AlignAudioToFrames} owns one per stream as keyed state).
 *
 * <p>Audio arrives as 16 kHz mono pieces at known stream positions, possibly out of order or
 * duplicated; it is put in order, fed to a {@link StreamingMel}, and released as soon as no waiting
 * or future frame needs it. A frame is paired as soon as its 16 columns exist. When audio is late
 * the owner calls {@link #fillSilenceFor} and the missing audio counts as silence; audio for that
 * range arriving afterwards is reported late and never enters a pair.
 */
public final class AudioFrameAligner {
    /** Value of every mel bin in silence: clip(8 * (-120 + 100) / 100 - 4, -4, 4). */
    public static final float SILENCE = -4f;

    private static final int WINDOW_FLOATS = Wav2LipAudio.NUM_MELS * Wav2LipAudio.MEL_STEP;

    /** Samples past a column's centre its window needs: half the FFT window (centred frames). */
    private static final int HALF_WINDOW = Wav2LipAudio.N_FFT / 2;

    private StreamingMel mel = new StreamingMel();

    /** Audio waiting for the gap before it to close, by 16 kHz start position. */
    private Map<Long, float[]> pendingAudio = new TreeMap<>();

    /** Frames waiting for their window, by frame index. */
    private Map<Long, FaceFrame> pendingFrames = new TreeMap<>();

    /** When each waiting frame arrived (processing time, ms), by frame index. */
    private Map<Long, Long> arrivedAt = new TreeMap<>();

    /** End of the samples filled with silence so far (audio before it arriving later is late). */
    private long filledUpTo;

    /** Window start of the newest frame seen: frames still to come need nothing before it. */
    private long lastWindowStartSeen;

    private boolean audioEnded;
    private long audioEndSample = -1;
    private boolean videoEnded;
    private long nextFrameIndex;

    /**
     * Whether the frame before the current one fit inside the audio (Wav2Lip's last chunk rule).
     */
    private long lastInRangeFrame = -1;

    public AudioFrameAligner() {}

    /**
     * Result of offering audio: pieces now in order (for the encoder) and samples dropped as late.
     */
    public record AudioResult(List<AudioSpan> spans, long lateSamples, long duplicateSamples) {}

    /**
     * Offers 16 kHz mono audio starting at {@code startSample}; {@code last} marks the end of the
     * stream's audio (its samples, if any, are the final ones).
     */
    public AudioResult offerAudio(
            String streamId, long startSample, float[] samples, boolean last) {
        long late = 0;
        long duplicate = 0;
        long pushed = mel.samplesPushed();
        if (mel.finished()) {
            return new AudioResult(List.of(), samples.length, 0);
        }
        if (samples.length > 0) {
            long end = startSample + samples.length;
            if (end <= pushed) {
                if (filledUpTo > 0 && startSample < filledUpTo) {
                    late += samples.length;
                } else {
                    duplicate += samples.length;
                }
            } else {
                float[] kept = samples;
                long keptStart = startSample;
                if (startSample < pushed) {
                    int skip = (int) (pushed - startSample);
                    kept = Arrays.copyOfRange(samples, skip, samples.length);
                    keptStart = pushed;
                    if (startSample < filledUpTo) {
                        late += skip;
                    } else {
                        duplicate += skip;
                    }
                }
                float[] existing = pendingAudio().get(keptStart);
                if (existing == null || existing.length < kept.length) {
                    pendingAudio().put(keptStart, kept);
                } else {
                    duplicate += kept.length;
                }
            }
        }
        if (last) {
            audioEnded = true;
            audioEndSample = Math.max(audioEndSample, startSample + samples.length);
        }
        List<AudioSpan> spans = drainAudio(streamId);
        return new AudioResult(spans, late, duplicate);
    }

    private List<AudioSpan> drainAudio(String streamId) {
        List<AudioSpan> spans = new ArrayList<>();
        while (!pendingAudio().isEmpty()) {
            Map.Entry<Long, float[]> first = pendingAudio().firstEntry();
            long pushed = mel.samplesPushed();
            if (first.getKey() > pushed) {
                break;
            }
            pendingAudio().pollFirstEntry();
            float[] piece = first.getValue();
            int skip = (int) (pushed - first.getKey());
            if (skip >= piece.length) {
                continue;
            }
            float[] fresh = skip == 0 ? piece : Arrays.copyOfRange(piece, skip, piece.length);
            mel.push(fresh, 0, fresh.length);
            spans.add(new AudioSpan(streamId, pushed, fresh, false));
        }
        if (audioEnded && pendingAudio().isEmpty() && mel.samplesPushed() >= audioEndSample) {
            if (!mel.finished()) {
                mel.finish();
                spans.add(new AudioSpan(streamId, mel.samplesPushed(), new float[0], true));
            }
        }
        return spans;
    }

    /**
     * Treats the audio a waiting frame still lacks as silence: pushes zeros up to what {@code
     * frameIndex}'s window needs (or, if the stream's audio is already over, nothing).
     */
    public List<AudioSpan> fillSilenceFor(String streamId, long frameIndex) {
        FaceFrame frame = pendingFrames().get(frameIndex);
        if (frame == null || mel.finished()) {
            return List.of();
        }
        long needed = samplesNeeded(windowStart(frame));
        long pushed = mel.samplesPushed();
        List<AudioSpan> spans = new ArrayList<>();
        if (needed > pushed) {
            float[] zeros = new float[(int) (needed - pushed)];
            mel.push(zeros, 0, zeros.length);
            filledUpTo = needed;
            spans.add(new AudioSpan(streamId, pushed, zeros, false));
            spans.addAll(drainAudio(streamId));
        }
        return spans;
    }

    /**
     * Offers a frame that arrived at {@code nowMillis}; returns false for a duplicate (already
     * offered or emitted).
     */
    public boolean offerFrame(FaceFrame frame, long nowMillis) {
        if (frame.frameIndex < nextFrameIndex && !pendingFrames().containsKey(frame.frameIndex)) {
            return false;
        }
        if (pendingFrames().putIfAbsent(frame.frameIndex, frame) != null) {
            return false;
        }
        arrivedAt().put(frame.frameIndex, nowMillis);
        if (frame.last) {
            videoEnded = true;
        }
        return true;
    }

    /** Pairs every waiting frame whose window is complete, in frame order where it matters. */
    public List<MelFacePair> drainPairs() {
        List<MelFacePair> pairs = new ArrayList<>();
        var it = pendingFrames().entrySet().iterator();
        while (it.hasNext()) {
            FaceFrame frame = it.next().getValue();
            float[] window = windowFor(frame);
            if (window == null) {
                continue;
            }
            it.remove();
            arrivedAt().remove(frame.frameIndex);
            nextFrameIndex = Math.max(nextFrameIndex, frame.frameIndex + 1);
            pairs.add(new MelFacePair(frame, window));
        }
        releaseAudio();
        return pairs;
    }

    /** Frame indices still waiting for audio. */
    public List<Long> waitingFrames() {
        return new ArrayList<>(pendingFrames().keySet());
    }

    /** Waiting frames that arrived at or before {@code arrivedBy}, in frame order. */
    public List<Long> framesWaitingSince(long arrivedBy) {
        List<Long> due = new ArrayList<>();
        arrivedAt()
                .forEach(
                        (frameIndex, arrived) -> {
                            if (arrived <= arrivedBy) {
                                due.add(frameIndex);
                            }
                        });
        return due;
    }

    /** True when both the video and the audio of the stream are over and nothing waits. */
    public boolean done() {
        return videoEnded && pendingFrames().isEmpty() && (audioEnded && mel.finished());
    }

    public boolean videoEnded() {
        return videoEnded;
    }

    public boolean audioEnded() {
        return audioEnded;
    }

    /** Samples held in memory (pending audio), for bounded-state checks. */
    public long bufferedSamples() {
        return pendingAudio().values().stream().mapToLong(a -> a.length).sum();
    }

    private float[] windowFor(FaceFrame frame) {
        if (!frame.hasFace()) {
            return new float[0];
        }
        long start = windowStart(frame);
        long complete = mel.completedColumns();
        float[] window = new float[WINDOW_FLOATS];
        if (start + Wav2LipAudio.MEL_STEP <= complete) {
            mel.window(start, window, 0);
            lastInRangeFrame = Math.max(lastInRangeFrame, frame.frameIndex);
            return window;
        }
        if (!mel.finished()) {
            return null;
        }
        boolean wav2lipLastChunk =
                frame.frameIndex == 0 || frame.frameIndex - 1 == lastInRangeFrame;
        if (wav2lipLastChunk && complete >= Wav2LipAudio.MEL_STEP) {
            // inference.py: when start + 16 > len(mel[0]) it takes the last 16 columns, once.
            mel.window(complete - Wav2LipAudio.MEL_STEP, window, 0);
        } else {
            // Video longer than its audio: the frames past the end hear silence.
            Arrays.fill(window, SILENCE);
        }
        return window;
    }

    private void releaseAudio() {
        long keepFrom;
        if (!pendingFrames().isEmpty()) {
            keepFrom = windowStart(pendingFrames().firstEntry().getValue());
        } else if (videoEnded) {
            keepFrom = mel.completedColumns();
        } else {
            keepFrom = lastWindowStartSeen;
        }
        // Keep the last window too: Wav2Lip's final chunk is the last 16 columns.
        long lastWindow = mel.completedColumns() - Wav2LipAudio.MEL_STEP;
        mel.releaseBefore(Math.max(0, Math.min(keepFrom, lastWindow)));
    }

    private long windowStart(FaceFrame frame) {
        long start =
                frame.fpsNum > 0
                        ? Wav2LipAudio.windowStart(frame.frameIndex, frame.fps())
                        : Wav2LipAudio.windowStartForPts(frame.ptsMicros);
        lastWindowStartSeen = Math.max(lastWindowStartSeen, start);
        return start;
    }

    /**
     * Samples that must be pushed before the window starting at column {@code start} is complete.
     */
    static long samplesNeeded(long start) {
        long lastColumn = start + Wav2LipAudio.MEL_STEP - 1;
        return lastColumn * Wav2LipAudio.HOP_LENGTH + HALF_WINDOW;
    }

    /** The pendingAudio in key order (Flink's POJO serializer restores a map as a hash map). */
    private TreeMap<Long, float[]> pendingAudio() {
        if (!(pendingAudio instanceof TreeMap)) {
            pendingAudio = new TreeMap<>(pendingAudio);
        }
        return (TreeMap<Long, float[]>) pendingAudio;
    }

    /** The pendingFrames in key order (Flink's POJO serializer restores a map as a hash map). */
    private TreeMap<Long, FaceFrame> pendingFrames() {
        if (!(pendingFrames instanceof TreeMap)) {
            pendingFrames = new TreeMap<>(pendingFrames);
        }
        return (TreeMap<Long, FaceFrame>) pendingFrames;
    }

    /** The arrivedAt in key order (Flink's POJO serializer restores a map as a hash map). */
    private TreeMap<Long, Long> arrivedAt() {
        if (!(arrivedAt instanceof TreeMap)) {
            arrivedAt = new TreeMap<>(arrivedAt);
        }
        return (TreeMap<Long, Long>) arrivedAt;
    }

    // Bean accessors for Flink's POJO serializer (keyed state that evolves with the class); the
    // methods above are the API.

    public StreamingMel getMel() {
        return mel;
    }

    public void setMel(StreamingMel mel) {
        this.mel = mel;
    }

    public Map<Long, float[]> getPendingAudio() {
        return pendingAudio;
    }

    public void setPendingAudio(Map<Long, float[]> pendingAudio) {
        this.pendingAudio = pendingAudio;
    }

    public Map<Long, FaceFrame> getPendingFrames() {
        return pendingFrames;
    }

    public void setPendingFrames(Map<Long, FaceFrame> pendingFrames) {
        this.pendingFrames = pendingFrames;
    }

    public Map<Long, Long> getArrivedAt() {
        return arrivedAt;
    }

    public void setArrivedAt(Map<Long, Long> arrivedAt) {
        this.arrivedAt = arrivedAt;
    }

    public long getFilledUpTo() {
        return filledUpTo;
    }

    public void setFilledUpTo(long filledUpTo) {
        this.filledUpTo = filledUpTo;
    }

    public long getLastWindowStartSeen() {
        return lastWindowStartSeen;
    }

    public void setLastWindowStartSeen(long lastWindowStartSeen) {
        this.lastWindowStartSeen = lastWindowStartSeen;
    }

    public boolean getAudioEnded() {
        return audioEnded;
    }

    public void setAudioEnded(boolean audioEnded) {
        this.audioEnded = audioEnded;
    }

    public long getAudioEndSample() {
        return audioEndSample;
    }

    public void setAudioEndSample(long audioEndSample) {
        this.audioEndSample = audioEndSample;
    }

    public boolean getVideoEnded() {
        return videoEnded;
    }

    public void setVideoEnded(boolean videoEnded) {
        this.videoEnded = videoEnded;
    }

    public long getNextFrameIndex() {
        return nextFrameIndex;
    }

    public void setNextFrameIndex(long nextFrameIndex) {
        this.nextFrameIndex = nextFrameIndex;
    }

    public long getLastInRangeFrame() {
        return lastInRangeFrame;
    }

    public void setLastInRangeFrame(long lastInRangeFrame) {
        this.lastInRangeFrame = lastInRangeFrame;
    }
}
