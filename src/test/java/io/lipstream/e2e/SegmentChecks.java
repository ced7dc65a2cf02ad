package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.media.DecodedMedia;
import io.lipstream.schema.EncodedSegment;
import java.nio.ByteBuffer;
import java.util.List;

/** What the exactly-once tests check of a stream's committed segments. */
final class SegmentChecks {
    private SegmentChecks() {}

    /**
     * A stream's segments in topic order are indices 0, 1, 2, ... with no repeat and no gap, their
     * frames contiguous, each decoding to its frame count, the last flagged, {@code framesIn}
     * frames in all.
     *
     * @return the frames the segments hold
     */
    static long assertEveryFrameOnceInOrder(
            String stream, List<EncodedSegment> segments, long framesIn) throws Exception {
        assertTrue(!segments.isEmpty(), "segments of " + stream);
        long nextFrame = 0;
        for (int i = 0; i < segments.size(); i++) {
            EncodedSegment s = segments.get(i);
            String what = stream + " record " + i;
            assertEquals(i, s.getSegmentIndex(), what + ": segment index (no duplicate, no gap)");
            assertEquals(nextFrame, s.getFirstFrameIndex(), what + ": first frame");
            assertEquals(i == segments.size() - 1, s.getLast(), what + ": last flag");
            int decoded = DecodedMedia.of(bytes(s.getData())).frameCount();
            assertEquals(s.getFrameCount(), decoded, what + ": frames decoded");
            nextFrame += decoded;
        }
        assertEquals(framesIn, nextFrame, stream + ": each input frame exactly once");
        return nextFrame;
    }

    /** The bytes of an Avro bytes field, the buffer left as it was. */
    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
