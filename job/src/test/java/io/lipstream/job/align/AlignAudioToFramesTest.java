package io.lipstream.job.align;

import static io.lipstream.job.align.StreamBuilder.audio;
import static io.lipstream.job.align.StreamBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.audio.StreamingMel;
import io.lipstream.job.audio.Wav2LipAudio;
import io.lipstream.job.options.AlignmentOptions;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.schema.AudioChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlignAudioToFramesTest {
    private static final Duration MAX_AUDIO_WAIT = Duration.ofSeconds(2);
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);
    private static final float SILENCE = -4f;

    private KeyedTwoInputStreamOperatorTestHarness<String, AudioChunk, FaceFrame, MelFacePair>
            harness;

    @BeforeEach
    void open() throws Exception {
        harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(
                                new AlignAudioToFrames(
                                        new AlignmentOptions.Settings(
                                                MAX_AUDIO_WAIT, IDLE_TIMEOUT))),
                        AudioChunk::getStreamId,
                        f -> f.streamId,
                        Types.STRING);
        harness.setup();
        harness.open();
        harness.setProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void shouldPairEachFrameWithWav2LipsWindowOfItsAudio() throws Exception {
        for (long ms = 0; ms < 1200; ms += 100) {
            audio(ms, ms + 100, ms == 1100);
        }
        for (long i = 0; i < 30; i++) {
            frame(i, i == 29);
        }
        assertWindowsMatchOffline("s", 1200, 30);
        assertStateCleared();
    }

    @Test
    void shouldGiveTheSameWindowsWhenAudioArrivesOutOfOrderAndDuplicated() throws Exception {
        List<AudioChunk> chunks = new ArrayList<>();
        for (long ms = 0; ms < 1200; ms += 40) {
            chunks.add(StreamBuilder.audio("s", ms, ms + 40, ms == 1160));
        }
        chunks.addAll(chunks.subList(3, 9)); // duplicates
        Collections.shuffle(chunks, new Random(3));
        for (long i = 0; i < 30; i++) {
            frame(i, i == 29);
        }
        for (AudioChunk c : chunks) {
            harness.processElement1(new StreamRecord<>(c));
        }
        assertWindowsMatchOffline("s", 1200, 30);
        assertStateCleared();
    }

    @Test
    void shouldTreatATwoSecondAudioGapAsSilenceAfterMaxAudioWait() throws Exception {
        audio(0, 1000, false);
        audio(3000, 4000, true); // arrives early; the gap 1..3 s never comes
        for (long i = 0; i < 100; i++) {
            frame(i, i == 99);
        }
        int beforeWait = pairs().size();
        assertTrue(beforeWait < 100, "frames in and after the gap wait for audio");
        harness.setProcessingTime(MAX_AUDIO_WAIT.toMillis());
        List<MelFacePair> all = pairs();
        assertEquals(100, all.size(), "no frame is lost to the gap");
        MelFacePair middle = all.stream().filter(p -> p.frame.frameIndex == 50).findFirst().get();
        for (float v : middle.mel) {
            assertEquals(SILENCE, v, "frame at 2.0 s hears silence");
        }
        // The audio after the gap is paired where it belongs: frame 85 (3.4 s) is not silent.
        MelFacePair after = all.stream().filter(p -> p.frame.frameIndex == 85).findFirst().get();
        assertTrue(max(after.mel) > SILENCE + 1, "audio after the gap is heard");
        // Audio for the gap that turns up now is late: side output, never in a pair.
        harness.processElement1(new StreamRecord<>(StreamBuilder.audio("s", 1000, 2000, false)));
        assertEquals(1, harness.getSideOutput(AlignAudioToFrames.LATE_AUDIO).size());
        assertEquals(100, pairs().size());
        assertStateCleared();
    }

    @Test
    void shouldGiveFramesPastTheEndOfTheAudioSilence() throws Exception {
        audio(0, 400, true);
        for (long i = 0; i < 25; i++) {
            frame(i, i == 24);
        }
        List<MelFacePair> all = pairs();
        assertEquals(25, all.size());
        MelFacePair late = all.stream().filter(p -> p.frame.frameIndex == 20).findFirst().get();
        for (float v : late.mel) {
            assertEquals(SILENCE, v);
        }
        assertStateCleared();
    }

    @Test
    void shouldKeepHundredInterleavedStreamsApart() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int s = 0; s < 100; s++) {
            streams.add("stream-" + s);
        }
        for (long ms = 0; ms < 600; ms += 100) {
            for (String s : streams) {
                harness.processElement1(
                        new StreamRecord<>(StreamBuilder.audio(s, ms, ms + 100, ms == 500)));
            }
            for (String s : streams) {
                for (long i = ms / 40; i < (ms + 100) / 40 && i < 12; i++) {
                    harness.processElement2(new StreamRecord<>(StreamBuilder.frame(s, i, i == 11)));
                }
            }
        }
        for (String s : streams) {
            assertWindowsMatchOffline(s, 600, 12);
        }
        assertStateCleared();
    }

    @Test
    void shouldSendTheStreamsAudioInOrderToTheEncoder() throws Exception {
        audio(500, 1000, true);
        audio(0, 500, false);
        frame(0, true);
        List<AudioSpan> spans = new ArrayList<>();
        harness.getSideOutput(AlignAudioToFrames.AUDIO).forEach(r -> spans.add(r.getValue()));
        long next = 0;
        for (AudioSpan span : spans) {
            assertEquals(next, span.startSample);
            next += span.samples.length;
        }
        assertEquals(16000, next);
        assertTrue(spans.get(spans.size() - 1).last);
    }

    private void assertWindowsMatchOffline(String stream, long audioMs, int frames) {
        float[][] mel = StreamingMel.melspectrogram(StreamBuilder.signal(stream, audioMs));
        int columns = mel[0].length;
        Map<Long, float[]> byFrame = new HashMap<>();
        for (MelFacePair p : pairs()) {
            if (p.frame.streamId.equals(stream)) {
                byFrame.put(p.frame.frameIndex, p.mel);
            }
        }
        assertEquals(frames, byFrame.size(), stream);
        for (long i = 0; i < frames; i++) {
            int start = Wav2LipAudio.windowStart(i, StreamBuilder.FPS);
            if (start + 16 > columns) {
                continue; // past the audio: covered by the end-of-audio test
            }
            float[] expected = new float[80 * 16];
            for (int m = 0; m < 80; m++) {
                for (int k = 0; k < 16; k++) {
                    expected[m * 16 + k] = mel[m][start + k];
                }
            }
            assertArrayEquals(expected, byFrame.get(i), 1e-4f, stream + " frame " + i);
        }
    }

    private List<MelFacePair> pairs() {
        return harness.extractOutputValues();
    }

    private void assertStateCleared() throws Exception {
        // An ended stream is remembered until idle-timeout so stragglers are reported late.
        harness.setProcessingTime(harness.getProcessingTime() + IDLE_TIMEOUT.toMillis() + 1);
        assertEquals(0, harness.numKeyedStateEntries(), "keyed state left");
        assertEquals(0, harness.numProcessingTimeTimers(), "timers left");
    }

    private void audio(long fromMs, long toMs, boolean last) throws Exception {
        harness.processElement1(new StreamRecord<>(StreamBuilder.audio("s", fromMs, toMs, last)));
    }

    private void frame(long i, boolean last) throws Exception {
        harness.processElement2(new StreamRecord<>(StreamBuilder.frame("s", i, last)));
    }

    private static float max(float[] values) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
