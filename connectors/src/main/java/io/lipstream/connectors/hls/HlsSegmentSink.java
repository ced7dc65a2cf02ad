package io.lipstream.connectors.hls;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.schema.EncodedSegment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes every stream's segments as live HLS under {@code root/<streamId>/index.m3u8}, closing a
 * playlist with {@code #EXT-X-ENDLIST} on the stream's last segment. Files are replaced atomically,
 * so a player never reads half a segment; a replay after a restart rewrites the same segment files.
 */
public final class HlsSegmentSink implements Sink<EncodedSegment> {
    private static final long serialVersionUID = 1L;

    private final String root;

    public HlsSegmentSink(Path root) {
        this.root = root.toAbsolutePath().toString();
    }

    @Override
    public SinkWriter<EncodedSegment> createWriter(WriterInitContext context) {
        NativeLibraries.load();
        return new Writer(Path.of(root));
    }

    private static final class Writer implements SinkWriter<EncodedSegment> {
        private final Path root;
        private final Map<String, HlsWriter> streams = new HashMap<>();

        Writer(Path root) {
            this.root = root;
        }

        @Override
        public void write(EncodedSegment segment, Context context) throws IOException {
            HlsWriter hls =
                    streams.computeIfAbsent(segment.getStreamId(), id -> new HlsWriter(root, id));
            hls.append(
                    segment.getSegmentIndex(),
                    Bytes.of(segment.getData()),
                    segment.getDurationMicros());
            if (segment.getLast()) {
                hls.end();
                streams.remove(segment.getStreamId());
            }
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {
            streams.clear();
        }
    }
}
