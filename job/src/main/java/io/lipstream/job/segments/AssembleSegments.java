package io.lipstream.job.segments;

import io.lipstream.job.options.SegmentOptions;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.SyncedFace;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Reorders each stream's frames and cuts them, with the stream's audio for their time range, into
 * segments of {@code segments.duration} (a {@link SegmentAssembler} per stream as keyed state,
 * cleared after the stream's last segment). It decodes and encodes nothing: that is {@link
 * EncodeSegments}' work, spread over the free cores, while this task thread only keeps order.
 */
public final class AssembleSegments
        extends KeyedCoProcessFunction<String, SyncedFace, AudioSpan, AssembledSegment> {
    private static final long serialVersionUID = 1L;

    private final SegmentOptions.Settings settings;

    private transient ValueState<SegmentAssembler> assembler;

    public AssembleSegments(SegmentOptions.Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        assembler =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "segment-assembler", SegmentAssembler.class));
    }

    @Override
    public void processElement1(SyncedFace face, Context ctx, Collector<AssembledSegment> out)
            throws Exception {
        SegmentAssembler state = state();
        state.offerFrame(face);
        drain(state, ctx, out);
    }

    @Override
    public void processElement2(AudioSpan span, Context ctx, Collector<AssembledSegment> out)
            throws Exception {
        SegmentAssembler state = state();
        state.offerAudio(span);
        drain(state, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AssembledSegment> out)
            throws Exception {
        SegmentAssembler state = assembler.value();
        if (state != null) {
            drain(state, ctx, out);
        }
    }

    private void drain(SegmentAssembler state, Context ctx, Collector<AssembledSegment> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        long maxWait = settings.maxWait().toMillis();
        for (SegmentAssembler.ReadySegment ready :
                state.drain(settings.duration().toNanos() / 1000, now, maxWait)) {
            out.collect(new AssembledSegment(ctx.getCurrentKey(), ready));
        }
        if (state.done()) {
            assembler.clear();
            return;
        }
        if (state.overdueSince() >= 0) {
            ctx.timerService().registerProcessingTimeTimer(state.overdueSince() + maxWait);
        }
        assembler.update(state);
    }

    private SegmentAssembler state() throws Exception {
        SegmentAssembler state = assembler.value();
        return state == null ? new SegmentAssembler() : state;
    }
}
