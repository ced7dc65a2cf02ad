package io.lipstream.job;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.job.options.InferenceOptions;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point on a Flink cluster (application mode, {@code flink run}, the Kubernetes operator):
 * every option comes from the cluster's Flink configuration, overridable as {@code --key value}
 * arguments; Kafka is external and the model a path on every TaskManager.
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration config = Configuration.fromMap(env.getConfiguration().toMap());
        for (int i = 0; i + 1 < args.length; i += 2) {
            config.setString(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String model =
                config.getOptional(InferenceOptions.MODEL)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                InferenceOptions.MODEL.key()
                                                        + " must name the Wav2Lip ONNX model on every TaskManager"));
        int faceSize;
        try (Wav2LipModel checked = Wav2LipModel.load(Path.of(model), InferenceDevice.CPU, 1)) {
            faceSize = checked.faceSize();
        }
        KafkaPipeline.of(config, KafkaSettings.from(config), faceSize).build(env);
        env.execute("lipstream");
    }
}
