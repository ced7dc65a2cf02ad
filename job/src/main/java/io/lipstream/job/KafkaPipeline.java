package io.lipstream.job;

import io.lipstream.connectors.hls.HlsSegmentSink;
import io.lipstream.connectors.kafka.KafkaConnectors;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.schema.EncodedSegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.ReadableConfig;

/** The job wired to Kafka: topic sources, the exactly-once segment sink, HLS files when asked. */
public final class KafkaPipeline {
    private KafkaPipeline() {}

    public static LipSyncJob of(ReadableConfig config, KafkaSettings kafka, int faceSize) {
        KafkaConnectors connectors = new KafkaConnectors(kafka);
        List<Sink<EncodedSegment>> sinks = new ArrayList<>();
        sinks.add(connectors.segmentSink());
        config.getOptional(SegmentOptions.HLS_DIR)
                .ifPresent(dir -> sinks.add(new HlsSegmentSink(Path.of(dir))));
        return new LipSyncJob(
                connectors.source(kafka.audioTopic()),
                connectors.source(kafka.videoTopic()),
                sinks,
                connectors.deadLetterSink(),
                LipSyncSettings.from(config, faceSize));
    }
}
