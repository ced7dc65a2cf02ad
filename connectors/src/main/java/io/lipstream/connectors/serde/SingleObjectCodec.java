package io.lipstream.connectors.serde;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding ({@code C3 01} + 8-byte schema fingerprint + binary body) of one
 * generated record type: the framing every producer and consumer of lipstream's topics uses.
 *
 * @param <T> the generated Avro class
 */
public final class SingleObjectCodec<T extends SpecificRecord> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private transient BinaryMessageEncoder<T> encoder;
    private transient BinaryMessageDecoder<T> decoder;

    private SingleObjectCodec(Class<T> type) {
        this.type = type;
    }

    /** A codec for the generated class {@code type}. */
    public static <T extends SpecificRecord> SingleObjectCodec<T> of(Class<T> type) {
        return new SingleObjectCodec<>(type);
    }

    /** The record type this codec reads and writes. */
    public Class<T> type() {
        return type;
    }

    /** Encodes one record. */
    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder().encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /**
     * Decodes one record.
     *
     * @throws MalformedRecordException when the bytes are not a single-object encoded {@code T}
     */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw new MalformedRecordException(
                    "expected a single-object encoded "
                            + type.getSimpleName()
                            + ", found no value");
        }
        try {
            return decoder().decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException(
                    "expected a single-object encoded "
                            + type.getSimpleName()
                            + " ("
                            + bytes.length
                            + " bytes read): "
                            + e.getMessage(),
                    e);
        }
    }

    private BinaryMessageEncoder<T> encoder() {
        if (encoder == null) {
            encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(type), schema());
        }
        return encoder;
    }

    private BinaryMessageDecoder<T> decoder() {
        if (decoder == null) {
            decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), schema());
        }
        return decoder;
    }

    private Schema schema() {
        return SpecificData.get().getSchema(type);
    }
}
