package io.lipstream.connectors.kafka;

import io.lipstream.connectors.serde.MalformedRecordException;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.RejectedRecord;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes raw Kafka records into their Avro contract type. A record that does not decode, or that
 * decodes but breaks the contract (per {@link RecordValidator}), goes to {@link #REJECTED} with its
 * coordinates, the reason and its original bytes; the stream goes on. Counted in {@code
 * lipsync.recordsRejected}. A record without a value (a Kafka tombstone, or an empty value) is
 * rejected the same way and also counted in {@code lipsync.recordsTombstone}: input topics carry
 * media, never deletions, so a tombstone is a producer's mistake worth seeing.
 *
 * @param <T> the contract type of the topic
 */
public final class DecodeRecords<T extends SpecificRecord> extends ProcessFunction<RawRecord, T> {
    private static final long serialVersionUID = 1L;

    /** Side output of records that could not be processed. */
    public static final OutputTag<RejectedRecord> REJECTED =
            new OutputTag<>("rejected", ContractTypes.REJECTED) {};

    private final SingleObjectCodec<T> codec;
    private final RecordValidator<T> validator;
    private transient Counter rejected;
    private transient Counter decoded;
    private transient Counter tombstones;

    public DecodeRecords(SingleObjectCodec<T> codec, RecordValidator<T> validator) {
        this.codec = codec;
        this.validator = validator;
    }

    @Override
    public void open(OpenContext openContext) {
        var group = getRuntimeContext().getMetricGroup().addGroup("lipsync");
        rejected = group.counter("recordsRejected");
        decoded = group.counter("recordsDecoded");
        tombstones = group.counter("recordsTombstone");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<T> out) {
        if (raw.value == null || raw.value.length == 0) {
            tombstones.inc();
            reject(
                    raw,
                    "expected a single-object encoded record, found "
                            + (raw.value == null ? "a tombstone (null value)" : "an empty value"),
                    ctx);
            return;
        }
        T record;
        try {
            record = codec.decode(raw.value);
        } catch (MalformedRecordException e) {
            reject(raw, e.getMessage(), ctx);
            return;
        }
        Optional<String> problem = validator.check(record);
        if (problem.isPresent()) {
            reject(raw, problem.get(), ctx);
            return;
        }
        decoded.inc();
        out.collect(record);
    }

    private void reject(RawRecord raw, String reason, Context ctx) {
        rejected.inc();
        ctx.output(REJECTED, rejection(raw, reason));
    }

    /** The dead-letter record for {@code raw}. */
    public static RejectedRecord rejection(RawRecord raw, String reason) {
        return RejectedRecord.newBuilder()
                .setSourceTopic(raw.topic == null ? "" : raw.topic)
                .setPartition(raw.partition)
                .setOffset(raw.offset)
                .setReason(reason)
                .setOriginal(ByteBuffer.wrap(raw.value == null ? new byte[0] : raw.value))
                .setKey(raw.key == null ? null : ByteBuffer.wrap(raw.key))
                .setRejectedAtMillis(System.currentTimeMillis())
                .build();
    }
}
