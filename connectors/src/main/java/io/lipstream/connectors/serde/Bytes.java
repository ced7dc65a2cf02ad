package io.lipstream.connectors.serde;

import java.nio.ByteBuffer;

/** Copies Avro's {@code bytes} fields out of their buffers without disturbing them. */
public final class Bytes {
    private Bytes() {}

    /** The remaining bytes of {@code buffer}; its position is left as it was. */
    public static byte[] of(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
