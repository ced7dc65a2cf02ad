package io.lipstream.job.options;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Batched ONNX Runtime inference. */
public final class InferenceOptions {
    public static final ConfigOption<String> MODEL =
            ConfigOptions.key("inference.model")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Path of the Wav2Lip ONNX model on every TaskManager. Unset: lipsync"
                                    + " generates an identity model that does not move lips.");

    public static final ConfigOption<String> DEVICE =
            ConfigOptions.key("inference.device")
                    .stringType()
                    .defaultValue("auto")
                    .withDescription(
                            "auto (CUDA when a GPU is present, else CPU), cpu, cuda:N or"
                                    + " tensorrt[:N].");

    public static final ConfigOption<Boolean> FP16 =
            ConfigOptions.key("inference.fp16")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Let TensorRT run in fp16.");

    public static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("inference.batch-size")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Pairs per ONNX Runtime call (Wav2Lip's wav2lip_batch_size), gathered"
                                    + " from all streams of a subtask.");

    public static final ConfigOption<Duration> MAX_WAIT =
            ConfigOptions.key("inference.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription(
                            "A partial batch is run after waiting this long for more pairs.");

    public static final ConfigOption<Integer> MAX_IN_FLIGHT =
            ConfigOptions.key("inference.max-in-flight")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Batches running at once per device (shared by the subtasks of a"
                                    + " TaskManager); 0 = 1 on the CPU, where one run already"
                                    + " uses every intra-op thread, 2 on a GPU, so one batch is"
                                    + " copied while the other computes.");

    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("inference.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription(
                            "A pair not back from the model after this long passes through"
                                    + " unchanged.");

    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("inference.intra-op-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription("ONNX Runtime intra-op threads; 0 = one per core.");

    /** Batches gathering or running that the async operator holds at most, for the auto value. */
    private static final int AUTO_IN_FLIGHT_CAPACITY = 2;

    private InferenceOptions() {}

    /** Resolved inference settings. */
    public record Settings(
            String model,
            String device,
            boolean fp16,
            int batchSize,
            Duration maxWait,
            int maxInFlight,
            Duration timeout,
            int intraOpThreads)
            implements java.io.Serializable {
        public static Settings from(ReadableConfig config) {
            return new Settings(
                    config.getOptional(MODEL).orElse(null),
                    config.get(DEVICE),
                    config.get(FP16),
                    config.get(BATCH_SIZE),
                    config.get(MAX_WAIT),
                    config.get(MAX_IN_FLIGHT),
                    config.get(TIMEOUT),
                    config.get(INTRA_OP_THREADS));
        }

        /**
         * Pairs the async operator may hold: the batches that may run at once plus one gathering
         * (for the auto value, as many as on a GPU).
         */
        public int operatorCapacity() {
            int runs = maxInFlight > 0 ? maxInFlight : AUTO_IN_FLIGHT_CAPACITY;
            return batchSize * (runs + 1);
        }

        public Settings withModel(String path) {
            return new Settings(
                    path, device, fp16, batchSize, maxWait, maxInFlight, timeout, intraOpThreads);
        }
    }
}
