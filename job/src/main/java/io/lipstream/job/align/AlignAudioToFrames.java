package io.lipstream.job.align;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.job.audio.MalformedAudioException;
import io.lipstream.job.audio.PcmConverter;
import io.lipstream.job.audio.Wav2LipAudio;
import io.lipstream.job.options.AlignmentOptions;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.schema.AudioChunk;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Joins a stream's audio chunks and tracked frames on the stream clock and emits one {@link
 * MelFacePair} per frame as soon as the frame's mel window (about 212 ms of audio past it) is
 * complete, and never later than {@code alignment.max-audio-wait} after the frame arrived: audio
 * still missing then counts as silence. Audio goes on, in order and converted to 16 kHz mono, to
 * {@link #AUDIO} for the segment encoder; audio arriving after its range was filled with silence
 * goes to {@link #LATE_AUDIO}. State and timers are cleared when the stream ends or idles.
 */
public final class AlignAudioToFrames
        extends KeyedCoProcessFunction<String, AudioChunk, FaceFrame, MelFacePair> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(AlignAudioToFrames.class);

    /** The stream's audio in order, 16 kHz mono, gaps filled: input of the segment encoder. */
    public static final OutputTag<AudioSpan> AUDIO =
            new OutputTag<>("audio", TypeInformation.of(AudioSpan.class)) {};

    /** Chunks (or parts of them) that arrived after their time was filled with silence. */
    public static final OutputTag<AudioChunk> LATE_AUDIO =
            new OutputTag<>("late-audio", io.lipstream.connectors.kafka.ContractTypes.AUDIO) {};

    private final AlignmentOptions.Settings settings;

    private transient ValueState<AudioFrameAligner> aligner;
    private transient ValueState<Long> idleTimer;

    /** Set once a stream has ended, until idle-timeout: records arriving then are late. */
    private transient ValueState<Boolean> ended;

    private transient Map<String, PcmConverter> converters;
    private transient Counter pairs;
    private transient Counter lateSamples;
    private transient Counter duplicateSamples;
    private transient Counter silenceFills;
    private transient Counter duplicateFrames;
    private transient Counter rejectedChunks;

    public AlignAudioToFrames(AlignmentOptions.Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        NativeLibraries.load();
        aligner =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("aligner", AudioFrameAligner.class));
        idleTimer =
                getRuntimeContext().getState(new ValueStateDescriptor<>("idle-timer", Long.class));
        ended = getRuntimeContext().getState(new ValueStateDescriptor<>("ended", Boolean.class));
        converters = new HashMap<>();
        var group = getRuntimeContext().getMetricGroup().addGroup("lipsync");
        pairs = group.counter("pairsAligned");
        lateSamples = group.counter("lateAudioSamples");
        duplicateSamples = group.counter("duplicateAudioSamples");
        silenceFills = group.counter("audioSilenceFills");
        duplicateFrames = group.counter("duplicateFrames");
        rejectedChunks = group.counter("audioChunksRejected");
    }

    @Override
    public void processElement1(AudioChunk chunk, Context ctx, Collector<MelFacePair> out)
            throws Exception {
        String stream = ctx.getCurrentKey();
        if (ended.value() != null) {
            lateSamples.inc(chunk.getPcm().remaining());
            ctx.output(LATE_AUDIO, chunk);
            return;
        }
        float[] mono;
        try {
            mono = converter(stream, chunk).convert(Bytes.of(chunk.getPcm()));
            if (chunk.getLast()) {
                float[] tail = converter(stream, chunk).flush();
                mono = concat(mono, tail);
                closeConverter(stream);
            }
        } catch (MalformedAudioException e) {
            // Contract violations are caught at decoding (dead letters); this guards the rest.
            rejectedChunks.inc();
            LOG.warn(
                    "stream {}: audio chunk {} dropped: {}",
                    ctx.getCurrentKey(),
                    chunk.getSeq(),
                    e.getMessage());
            return;
        }
        long start16k =
                Math.round(
                        chunk.getStartSample()
                                * (double) Wav2LipAudio.SAMPLE_RATE
                                / chunk.getSampleRate());
        AudioFrameAligner state = state();
        AudioFrameAligner.AudioResult result =
                state.offerAudio(stream, start16k, mono, chunk.getLast());
        if (result.lateSamples() > 0) {
            lateSamples.inc(result.lateSamples());
            ctx.output(LATE_AUDIO, chunk);
        }
        duplicateSamples.inc(result.duplicateSamples());
        emitAudio(result.spans(), ctx);
        emitPairs(state, out, ctx);
    }

    @Override
    public void processElement2(FaceFrame frame, Context ctx, Collector<MelFacePair> out)
            throws Exception {
        if (ended.value() != null) {
            duplicateFrames.inc();
            return;
        }
        AudioFrameAligner state = state();
        if (!state.offerFrame(frame, ctx.timerService().currentProcessingTime())) {
            duplicateFrames.inc();
            return;
        }
        emitPairs(state, out, ctx);
        if (state.waitingFrames().contains(frame.frameIndex)) {
            // The frame waits for audio: at most max-audio-wait, then silence.
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            ctx.timerService().currentProcessingTime()
                                    + settings.maxAudioWait().toMillis());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MelFacePair> out)
            throws Exception {
        AudioFrameAligner state = aligner.value();
        if (state == null) {
            if (ended.value() != null && timestamp >= idleTimer.value()) {
                ended.clear();
                idleTimer.clear();
            }
            return;
        }
        Long idle = idleTimer.value();
        if (idle != null && timestamp >= idle) {
            // Idle stream: whatever still waits hears silence, then the stream is closed.
            for (long frameIndex : state.waitingFrames()) {
                emitAudio(state.fillSilenceFor(ctx.getCurrentKey(), frameIndex), ctx);
                silenceFills.inc();
            }
            emitPairs(state, out, ctx);
            clear(ctx);
            return;
        }
        // Frames that waited max-audio-wait: their missing audio counts as silence.
        for (long frameIndex :
                state.framesWaitingSince(timestamp - settings.maxAudioWait().toMillis())) {
            emitAudio(state.fillSilenceFor(ctx.getCurrentKey(), frameIndex), ctx);
            silenceFills.inc();
        }
        emitPairs(state, out, ctx);
    }

    private void emitPairs(AudioFrameAligner state, Collector<MelFacePair> out, Context ctx)
            throws Exception {
        for (MelFacePair pair : state.drainPairs()) {
            pairs.inc();
            out.collect(pair);
        }
        if (state.done()) {
            clear(ctx);
            // Remember the end until idle-timeout, so stragglers are reported late, not replayed.
            ended.update(true);
            long until =
                    ctx.timerService().currentProcessingTime() + settings.idleTimeout().toMillis();
            ctx.timerService().registerProcessingTimeTimer(until);
            idleTimer.update(until);
            return;
        }
        aligner.update(state);
        refreshIdleTimer(ctx);
    }

    private void emitAudio(List<AudioSpan> spans, Context ctx) {
        for (AudioSpan span : spans) {
            ctx.output(AUDIO, span);
        }
    }

    private void refreshIdleTimer(Context ctx) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        long due = now + settings.idleTimeout().toMillis();
        Long current = idleTimer.value();
        // Coalesce: move the idle timer at most once a second per stream.
        if (current == null || due - current > 1000) {
            if (current != null) {
                ctx.timerService().deleteProcessingTimeTimer(current);
            }
            ctx.timerService().registerProcessingTimeTimer(due);
            idleTimer.update(due);
        }
    }

    private void clear(Context ctx) throws Exception {
        Long idle = idleTimer.value();
        if (idle != null) {
            ctx.timerService().deleteProcessingTimeTimer(idle);
        }
        idleTimer.clear();
        aligner.clear();
        closeConverter(ctx.getCurrentKey());
    }

    private AudioFrameAligner state() throws Exception {
        AudioFrameAligner state = aligner.value();
        return state == null ? new AudioFrameAligner() : state;
    }

    private PcmConverter converter(String stream, AudioChunk chunk) {
        return converters.computeIfAbsent(
                stream,
                s ->
                        new PcmConverter(
                                chunk.getSampleRate(), chunk.getChannels(), chunk.getFormat()));
    }

    private void closeConverter(String stream) {
        PcmConverter converter = converters.remove(stream);
        if (converter != null) {
            converter.close();
        }
    }

    @Override
    public void close() {
        if (converters != null) {
            converters.values().forEach(PcmConverter::close);
            converters.clear();
        }
    }

    private static float[] concat(float[] a, float[] b) {
        if (b.length == 0) {
            return a;
        }
        float[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
