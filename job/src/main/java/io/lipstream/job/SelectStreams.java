package io.lipstream.job;

import io.lipstream.connectors.kafka.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Keeps the raw records of some streams only, by their Kafka key (the stream id, UTF-8), before
 * anything is decoded: a one-shot job such as {@code lipsync dub} on a shared Kafka leaves the
 * other streams on the topics to the jobs that own them.
 */
public final class SelectStreams implements FilterFunction<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final Set<String> streamIds;

    /**
     * @throws IllegalArgumentException when {@code streamIds} is empty
     */
    public SelectStreams(List<String> streamIds) {
        if (streamIds.isEmpty()) {
            throw new IllegalArgumentException("expected at least one stream id");
        }
        this.streamIds = Set.copyOf(streamIds);
    }

    @Override
    public boolean filter(RawRecord record) {
        return record.key != null
                && streamIds.contains(new String(record.key, StandardCharsets.UTF_8));
    }
}
