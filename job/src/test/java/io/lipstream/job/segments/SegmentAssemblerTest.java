package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.SyncedFace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmentAssemblerTest {
    private static final long TWO_SECONDS = 2_000_000;
    private static final long MAX_WAIT = 5_000;

    @Test
    void shouldCutFramesInIndexOrderWhateverOrderTheyReturnIn() {
        SegmentAssembler assembler = new SegmentAssembler();
        List<Long> order = new ArrayList<>();
        for (long i = 0; i < 125; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        assembler.offerAudio(audio(0, 16000 * 5 + 1000, true));
        List<SegmentAssembler.ReadySegment> ready = new ArrayList<>();
        for (long i : order) {
            assembler.offerFrame(frame(i, i == 124));
            ready.addAll(assembler.drain(TWO_SECONDS, 0, MAX_WAIT));
        }
        assertEquals(3, ready.size());
        long expected = 0;
        for (var segment : ready) {
            assertEquals(expected, segment.firstFrameIndex());
            for (SyncedFace face : segment.frames()) {
                assertEquals(expected++, face.frame.frameIndex);
            }
        }
        assertEquals(List.of(50, 50, 25), ready.stream().map(s -> s.frames().size()).toList());
        assertTrue(ready.get(2).last());
        assertTrue(assembler.done());
        assertEquals(0, assembler.bufferedFrames());
    }

    @Test
    void shouldCarryTheSegmentsAudioRangeWithTheEncodersContextAroundIt() {
        SegmentAssembler assembler = new SegmentAssembler();
        assembler.offerAudio(ramp(16000 * 5));
        for (long i = 0; i < 51; i++) {
            assembler.offerFrame(frame(i, false));
        }
        var ready = assembler.drain(TWO_SECONDS, 0, MAX_WAIT);
        assertEquals(1, ready.size());
        float[] audio = ready.get(0).audio();
        int before = AacTrackEncoder.CONTEXT_BEFORE;
        int after = AacTrackEncoder.CONTEXT_AFTER;
        assertEquals(-before, ready.get(0).audioStartSample());
        assertEquals(before + 32000 + after, audio.length, "50 frames at 25 fps = 2 s at 16 kHz");
        assertEquals(0f, audio[before - 1], "silence before the stream's start");
        assertEquals(0f, audio[before]);
        assertEquals(31999f, audio[before + 31999]);
        assertEquals(32000f + after - 1, audio[audio.length - 1]);

        // The next segment gets the end of this one as its context.
        for (long i = 51; i < 101; i++) {
            assembler.offerFrame(frame(i, false));
        }
        var next = assembler.drain(TWO_SECONDS, 0, MAX_WAIT);
        assertEquals(1, next.size());
        assertEquals(32000 - before, next.get(0).audioStartSample());
        assertEquals(32000f - before, next.get(0).audio()[0]);
    }

    @Test
    void shouldWaitForTheAudioAfterTheSegmentThatItsEncoderNeeds() {
        SegmentAssembler assembler = new SegmentAssembler();
        for (long i = 0; i < 51; i++) {
            assembler.offerFrame(frame(i, false));
        }
        assembler.offerAudio(ramp(32000 + AacTrackEncoder.CONTEXT_AFTER - 1));
        assertEquals(0, assembler.drain(TWO_SECONDS, 0, MAX_WAIT).size());
        assembler.offerAudio(ramp(32000 + AacTrackEncoder.CONTEXT_AFTER));
        assertEquals(1, assembler.drain(TWO_SECONDS, 0, MAX_WAIT).size());
    }

    @Test
    void shouldWaitForAudioThenCutWithSilenceAfterMaxWait() {
        SegmentAssembler assembler = new SegmentAssembler();
        for (long i = 0; i < 60; i++) {
            assembler.offerFrame(frame(i, false));
        }
        assertEquals(0, assembler.drain(TWO_SECONDS, 1_000, MAX_WAIT).size(), "audio missing");
        assertEquals(1_000, assembler.overdueSince());
        var ready = assembler.drain(TWO_SECONDS, 1_000 + MAX_WAIT, MAX_WAIT);
        assertEquals(1, ready.size());
        for (float sample : ready.get(0).audio()) {
            assertEquals(0f, sample);
        }
        // Audio for that range arriving afterwards does not shift the next segment's audio.
        assembler.offerAudio(ramp(80_000));
        for (long i = 60; i < 101; i++) {
            assembler.offerFrame(frame(i, false));
        }
        var next = assembler.drain(TWO_SECONDS, 10_000, MAX_WAIT);
        assertEquals(1, next.size());
        assertEquals(
                32000f - AacTrackEncoder.CONTEXT_BEFORE,
                next.get(0).audio()[0],
                "audio from frame 50 (2 s) less the encoder's context");
    }

    @Test
    void shouldRepeatNothingButMarkMissingFramesAfterMaxWait() {
        SegmentAssembler assembler = new SegmentAssembler();
        assembler.offerAudio(audio(0, 16000 * 3, true));
        for (long i = 0; i < 55; i++) {
            if (i != 7) {
                assembler.offerFrame(frame(i, false));
            }
        }
        assertEquals(0, assembler.drain(TWO_SECONDS, 0, MAX_WAIT).size());
        var ready = assembler.drain(TWO_SECONDS, MAX_WAIT, MAX_WAIT);
        assertEquals(1, ready.size());
        assertEquals(1, ready.get(0).missingFrames());
        assertNull(ready.get(0).frames().get(7));
        // The lost frame turning up later is ignored: it was already cut.
        assembler.offerFrame(frame(7, false));
        assertEquals(5, assembler.bufferedFrames());
    }

    @Test
    void shouldWaitWithoutLimitWhileTheStreamIsSimplySlow() {
        SegmentAssembler assembler = new SegmentAssembler();
        for (long i = 0; i < 30; i++) {
            assembler.offerFrame(frame(i, false));
        }
        assertEquals(0, assembler.drain(TWO_SECONDS, 1_000_000, MAX_WAIT).size());
        assertEquals(-1, assembler.overdueSince());
    }

    @Test
    void shouldTimeAStreamWithoutNominalRateAtTheRateItsFrameTimesShow() {
        SegmentAssembler assembler = new SegmentAssembler();
        assembler.offerAudio(ramp(16000 * 5));
        // A 30 fps camera whose producer sends no frame rate, with 1 ms of jitter.
        for (long i = 0; i < 61; i++) {
            assembler.offerFrame(frameAt(i, i * 33_333 + (i % 2) * 1_000, false));
        }

        var ready = assembler.drain(TWO_SECONDS, 0, MAX_WAIT);

        assertEquals(1, ready.size());
        var segment = ready.get(0);
        assertEquals(30.0, (double) segment.fpsNum() / segment.fpsDen(), 0.05);
        assertEquals(60, segment.frames().size(), "2 s at 30 fps");
        assertEquals(
                32000 + AacTrackEncoder.CONTEXT_BEFORE + AacTrackEncoder.CONTEXT_AFTER,
                segment.audio().length,
                20,
                "the audio of those 2 s");
    }

    @Test
    void shouldMeasureAShortStreamWithoutNominalRateOnTheFramesItHas() {
        SegmentAssembler assembler = new SegmentAssembler();
        assembler.offerAudio(new AudioSpan("s", 0, new float[16000], true));
        for (long i = 0; i < 10; i++) {
            assembler.offerFrame(frameAt(i, i * 50_000, i == 9)); // 20 fps
        }
        var ready = assembler.drain(TWO_SECONDS, 0, MAX_WAIT);
        assertEquals(1, ready.size());
        assertEquals(20.0, (double) ready.get(0).fpsNum() / ready.get(0).fpsDen(), 0.01);
        assertEquals(10, ready.get(0).frames().size());
        assertTrue(assembler.done());
    }

    @Test
    void shouldFallBackTo25FpsWhenFrameTimesSayNothing() {
        SegmentAssembler assembler = new SegmentAssembler();
        assembler.offerAudio(ramp(16000 * 5));
        for (long i = 0; i < 51; i++) {
            assembler.offerFrame(frameAt(i, 0, false));
        }
        var ready = assembler.drain(TWO_SECONDS, 0, MAX_WAIT);
        assertEquals(1, ready.size());
        assertEquals(SegmentAssembler.FALLBACK_FPS, ready.get(0).fpsNum() / ready.get(0).fpsDen());
        assertEquals(50, ready.get(0).frames().size());
    }

    /** A frame of a stream that sends no nominal rate, at {@code ptsMicros}. */
    private static SyncedFace frameAt(long index, long ptsMicros, boolean last) {
        SyncedFace face = frame(index, last);
        face.frame.ptsMicros = ptsMicros;
        face.frame.fpsNum = 0;
        face.frame.fpsDen = 0;
        return face;
    }

    private static SyncedFace frame(long index, boolean last) {
        FaceFrame f = new FaceFrame();
        f.streamId = "s";
        f.frameIndex = index;
        f.ptsMicros = index * 40_000;
        f.fpsNum = 25;
        f.fpsDen = 1;
        f.last = last;
        return SyncedFace.passThrough(f, SyncedFace.Outcome.NO_FACE);
    }

    /** Audio from sample 0 whose value is its sample index. */
    private static AudioSpan ramp(int samples) {
        float[] data = new float[samples];
        for (int i = 0; i < samples; i++) {
            data[i] = i;
        }
        return new AudioSpan("s", 0, data, false);
    }

    private static AudioSpan audio(long start, int samples, boolean last) {
        float[] data = new float[samples];
        java.util.Arrays.fill(data, 0.5f);
        return new AudioSpan("s", start, data, last);
    }
}
