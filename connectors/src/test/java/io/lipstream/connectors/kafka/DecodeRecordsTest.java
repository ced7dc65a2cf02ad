package io.lipstream.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DecodeRecordsTest {
    private final SingleObjectCodec<AudioChunk> codec = SingleObjectCodec.of(AudioChunk.class);

    @Test
    void shouldRouteGarbageAndContractBreakersToDeadLettersAndKeepGoing() throws Exception {
        var harness =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new DecodeRecords<>(codec, ContractChecks.audio())));
        harness.open();
        harness.processElement(new StreamRecord<>(raw(0, new byte[] {1, 2, 3}), 1));
        harness.processElement(new StreamRecord<>(raw(1, codec.encode(chunk(0, 4))), 2));
        // 3 bytes cannot be whole S16LE mono samples: declared format and length disagree.
        harness.processElement(new StreamRecord<>(raw(2, codec.encode(chunk(1, 3))), 3));
        harness.processElement(new StreamRecord<>(raw(3, codec.encode(chunk(2, 6))), 4));

        List<AudioChunk> good = harness.extractOutputValues();
        assertEquals(List.of(0L, 2L), good.stream().map(AudioChunk::getSeq).toList());

        var rejected = harness.getSideOutput(DecodeRecords.REJECTED);
        assertEquals(2, rejected.size());
        RejectedRecord garbage = rejected.poll().getValue();
        assertEquals("audio", garbage.getSourceTopic());
        assertEquals(0, garbage.getOffset());
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), garbage.getOriginal());
        RejectedRecord badLength = rejected.poll().getValue();
        assertEquals(2, badLength.getOffset());
        assertTrue(badLength.getReason().contains("3 bytes"), badLength.getReason());
        harness.close();
    }

    @Test
    void shouldDeadLetterAndCountTombstonesAndEmptyValues() throws Exception {
        var harness =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new DecodeRecords<>(codec, ContractChecks.audio())));
        harness.open();
        harness.processElement(new StreamRecord<>(raw(0, null), 1));
        harness.processElement(new StreamRecord<>(raw(1, new byte[0]), 2));
        harness.processElement(new StreamRecord<>(raw(2, codec.encode(chunk(0, 4))), 3));

        assertEquals(
                List.of(0L),
                harness.extractOutputValues().stream().map(AudioChunk::getSeq).toList());
        var rejected = harness.getSideOutput(DecodeRecords.REJECTED);
        assertEquals(2, rejected.size());
        RejectedRecord tombstone = rejected.poll().getValue();
        assertEquals(0, tombstone.getOffset());
        assertEquals(ByteBuffer.wrap("s".getBytes()), tombstone.getKey());
        assertTrue(tombstone.getReason().contains("tombstone"), tombstone.getReason());
        RejectedRecord empty = rejected.poll().getValue();
        assertEquals(1, empty.getOffset());
        assertTrue(empty.getReason().contains("empty value"), empty.getReason());
        harness.close();
    }

    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord("audio", 0, offset, 1000 + offset, "s".getBytes(), value);
    }

    private static AudioChunk chunk(long seq, int bytes) {
        return AudioChunk.newBuilder()
                .setStreamId("s")
                .setSeq(seq)
                .setStartSample(seq * 2)
                .setSampleRate(16000)
                .setChannels(1)
                .setFormat(SampleFormat.S16LE)
                .setPcm(ByteBuffer.wrap(new byte[bytes]))
                .build();
    }
}
