package io.lipstream.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contracts may only evolve in ways both old readers and new readers can follow. The released
 * schemas are frozen under {@code src/test/resources/released/v1}; every current schema must read
 * data written with them and be readable by them.
 */
class SchemaCompatibilityTest {

    static List<Class<?>> contracts() {
        return List.of(
                AudioChunk.class, VideoFrame.class, EncodedSegment.class, RejectedRecord.class);
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void shouldReadDataWrittenWithTheReleasedSchema(Class<?> type) throws IOException {
        Schema current = SpecificData.get().getSchema(type);
        Schema released = released(type);
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(current, released).getType(),
                () -> describe(current, released));
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void shouldStayReadableByReadersOfTheReleasedSchema(Class<?> type) throws IOException {
        Schema current = SpecificData.get().getSchema(type);
        Schema released = released(type);
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(released, current).getType(),
                () -> describe(released, current));
    }

    @Test
    void shouldDetectAFieldAddedWithoutDefaultAsIncompatible() throws IOException {
        Schema released = released(AudioChunk.class);
        String json = released.toString();
        Schema broken =
                new Schema.Parser()
                        .parse(
                                json.replace(
                                        "{\"name\":\"last\"",
                                        "{\"name\":\"gain\",\"type\":\"float\"},{\"name\":\"last\""));
        assertNotEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(broken, released).getType());
    }

    @Test
    void shouldFrameRecordsWithSingleObjectEncodingHeader() throws IOException {
        AudioChunk chunk =
                AudioChunk.newBuilder()
                        .setStreamId("s1")
                        .setSeq(0)
                        .setStartSample(0)
                        .setSampleRate(16000)
                        .setChannels(1)
                        .setFormat(SampleFormat.S16LE)
                        .setPcm(ByteBuffer.wrap(new byte[] {1, 0, 2, 0}))
                        .build();
        ByteBuffer encoded = chunk.toByteBuffer();
        assertEquals((byte) 0xC3, encoded.get(0));
        assertEquals((byte) 0x01, encoded.get(1));
        long fingerprint = encoded.order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(2);
        assertEquals(
                org.apache.avro.SchemaNormalization.parsingFingerprint64(
                        AudioChunk.getClassSchema()),
                fingerprint);
        assertEquals(
                chunk, AudioChunk.fromByteBuffer(encoded.order(java.nio.ByteOrder.BIG_ENDIAN)));
    }

    private static Schema released(Class<?> type) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (String name : List.of("SampleFormat", "ImageCodec", "FaceBox")) {
            try (InputStream in = resource(name)) {
                parser.parse(in);
            }
        }
        try (InputStream in = resource(type.getSimpleName())) {
            return parser.parse(in);
        }
    }

    private static InputStream resource(String name) {
        return SchemaCompatibilityTest.class.getResourceAsStream("/released/v1/" + name + ".avsc");
    }

    private static String describe(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult()
                .getIncompatibilities()
                .toString();
    }
}
