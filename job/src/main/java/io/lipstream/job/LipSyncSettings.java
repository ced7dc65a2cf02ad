package io.lipstream.job;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.job.options.AlignmentOptions;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.job.options.JobOptions;
import io.lipstream.job.options.SegmentOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the pipeline needs, resolved once from options into immutable settings.
 *
 * @param faceSize the model's face size (96 for Wav2Lip), read from the model
 * @param streamIds the only streams processed, or empty for every stream
 */
public record LipSyncSettings(
        AlignmentOptions.Settings alignment,
        FacesOptions.Settings faces,
        InferenceOptions.Settings inference,
        SegmentOptions.Settings segments,
        int faceSize,
        String videoTopic,
        Duration maxOutOfOrderness,
        Duration checkpointInterval,
        int parallelism,
        List<String> streamIds)
        implements Serializable {

    public static LipSyncSettings from(ReadableConfig config, int faceSize) {
        return new LipSyncSettings(
                AlignmentOptions.Settings.from(config),
                FacesOptions.Settings.from(config),
                InferenceOptions.Settings.from(config),
                SegmentOptions.Settings.from(config),
                faceSize,
                config.get(KafkaOptions.VIDEO_TOPIC),
                config.get(JobOptions.MAX_OUT_OF_ORDERNESS),
                config.get(JobOptions.CHECKPOINT_INTERVAL),
                config.get(JobOptions.PARALLELISM),
                List.copyOf(config.getOptional(JobOptions.STREAM_IDS).orElse(List.of())));
    }
}
