package io.lipstream.tools.embedded;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.inference.InferenceDevice;
import io.lipstream.inference.ModelSignature;
import io.lipstream.inference.Wav2LipModel;
import io.lipstream.job.KafkaPipeline;
import io.lipstream.job.LipSyncJob;
import io.lipstream.job.options.InferenceOptions;
import io.lipstream.job.options.JobOptions;
import io.lipstream.tools.model.ModelSynth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

/**
 * One running lip-sync job with everything it needs: Kafka (the in-process broker unless {@code
 * kafka.bootstrap-servers} is set), the topics, a checked model (a generated identity model unless
 * {@code inference.model} is set) and the job submitted to its Flink target. Closing cancels the
 * job and stops what this run started.
 */
public final class LipSyncRun implements AutoCloseable {
    /** Face size of the generated default model: Wav2Lip's 96 pixels. */
    private static final int DEFAULT_FACE_SIZE = 96;

    private final EmbeddedKafka kafka;
    private final KafkaSettings kafkaSettings;
    private final JobClient job;
    private final FlinkTarget target;
    private final ModelSignature model;
    private final boolean generatedModel;

    /**
     * The job's result, requested once: for a remote cluster each request starts its own polling of
     * the REST API, so a fresh request per check would never be done when looked at.
     */
    private final CompletableFuture<JobExecutionResult> result;

    private LipSyncRun(
            EmbeddedKafka kafka,
            KafkaSettings kafkaSettings,
            JobClient job,
            FlinkTarget target,
            ModelSignature model,
            boolean generatedModel) {
        this.kafka = kafka;
        this.kafkaSettings = kafkaSettings;
        this.job = job;
        this.target = target;
        this.model = model;
        this.generatedModel = generatedModel;
        this.result = job.getJobExecutionResult();
    }

    /**
     * Starts Kafka when needed, checks the model, creates the topics and submits the job.
     *
     * @throws io.lipstream.inference.ModelRejectedException when the model is not Wav2Lip's
     */
    public static LipSyncRun start(Configuration options, FlinkTarget target, String jobName)
            throws Exception {
        // Before any operator or client thread of this JVM can touch them at the same time.
        NativeLibraries.load();
        Configuration config = new Configuration(options);
        if (!config.containsKey("restart-strategy.type")) {
            // A broken job should fail visibly rather than restart forever on one machine.
            config.setString("restart-strategy.type", "fixed-delay");
            config.setString("restart-strategy.fixed-delay.attempts", "3");
            config.setString("restart-strategy.fixed-delay.delay", "2 s");
        }
        if (!config.contains(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)) {
            // One slow checkpoint (a heavy model on a busy CPU) should not restart a live stream.
            config.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 3);
        }
        boolean generated = config.getOptional(InferenceOptions.MODEL).isEmpty();
        if (generated) {
            config.set(InferenceOptions.MODEL, generateIdentityModel().toString());
        }
        ModelSignature signature = checkModel(Path.of(config.get(InferenceOptions.MODEL)));

        EmbeddedKafka kafka = null;
        if (config.getOptional(KafkaOptions.BOOTSTRAP_SERVERS).isEmpty()) {
            kafka = EmbeddedKafka.start();
            config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        }
        try {
            KafkaSettings kafkaSettings = KafkaSettings.from(config);
            Topics.ensure(kafkaSettings, config.get(JobOptions.PARALLELISM));
            LipSyncJob pipeline = KafkaPipeline.of(config, kafkaSettings, signature.faceSize());
            StreamExecutionEnvironment env =
                    target.environment(config, config.get(JobOptions.PARALLELISM));
            pipeline.build(env);
            JobClient job = env.executeAsync(jobName);
            return new LipSyncRun(kafka, kafkaSettings, job, target, signature, generated);
        } catch (Exception e) {
            if (kafka != null) {
                kafka.close();
            }
            throw e;
        }
    }

    /** Loads the model once on the CPU to check its inputs and output before anything starts. */
    private static ModelSignature checkModel(Path path) {
        try (Wav2LipModel model = Wav2LipModel.load(path, InferenceDevice.parse("cpu"), 1)) {
            return model.signature();
        }
    }

    private static Path generateIdentityModel() {
        try {
            Path dir = Files.createTempDirectory("lipstream-model");
            Path model = dir.resolve("identity-" + DEFAULT_FACE_SIZE + ".onnx");
            ModelSynth.write(model, ModelSynth.Arch.IDENTITY, null, DEFAULT_FACE_SIZE, 0);
            model.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the generated identity model", e);
        }
    }

    public KafkaSettings kafkaSettings() {
        return kafkaSettings;
    }

    public JobClient job() {
        return job;
    }

    public String dashboardUrl() {
        return target.dashboardUrl();
    }

    /** The embedded run's Prometheus endpoint, if any. */
    public java.util.Optional<String> prometheusUrl() {
        return target.prometheusUrl();
    }

    public ModelSignature model() {
        return model;
    }

    /** True when no model was given and the generated identity model (no lip movement) runs. */
    public boolean generatedModel() {
        return generatedModel;
    }

    /** Why the job failed (its root cause), once it has ended with a failure. */
    public Optional<Throwable> failure() {
        if (!jobEnded()) {
            return Optional.empty();
        }
        try {
            result.get();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of(ExceptionUtils.stripExecutionException(e))
                    .map(LipSyncRun::rootCause);
        }
    }

    /**
     * One line saying how the job ended, for a user: its root cause when it failed (a job that
     * restarted past its restart strategy has failed too), or that it was cancelled or finished.
     */
    public String endedLine() {
        if (!jobEnded()) {
            return "the job " + job.getJobID() + " is still running";
        }
        return failure()
                .map(
                        cause ->
                                "the job "
                                        + job.getJobID()
                                        + " failed: "
                                        + oneLine(
                                                cause.getClass().getName()
                                                        + ": "
                                                        + cause.getMessage()))
                .orElse("the job " + job.getJobID() + " ended (finished or cancelled)");
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Whether the job has ended (finished, failed, cancelled, or restarted past its strategy). */
    public boolean jobEnded() {
        return result.isDone();
    }

    @Override
    public void close() throws Exception {
        try {
            if (!jobEnded()) {
                job.cancel().get();
            }
        } catch (Exception e) {
            // The job may end on its own while we cancel it.
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }
}
