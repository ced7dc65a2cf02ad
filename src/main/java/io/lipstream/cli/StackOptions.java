package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.inference.ModelRejectedException;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * Where a command runs: the embedded default (in-process Kafka broker, Flink MiniCluster with
 * dashboard) or external Kafka and Flink, plus any job option as {@code -D key=value}.
 */
final class StackOptions {
    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "An external Kafka; default: an in-process broker on 127.0.0.1.")
    String bootstrapServers;

    @Option(
            names = "--flink",
            paramLabel = "HOST:PORT",
            description =
                    "An external Flink cluster's REST endpoint; default: an in-process MiniCluster.")
    String flink;

    @Option(
            names = "--dashboard-port",
            paramLabel = "PORT",
            defaultValue = "" + FlinkTarget.DEFAULT_DASHBOARD_PORT,
            description =
                    "Port of the embedded Flink dashboard (the next free one if busy; default ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Set a job option (see README's option reference), e.g. -D inference.batch-size=32.")
    Map<String, String> settings = new LinkedHashMap<>();

    /** The job options: -D settings plus the flags above. */
    Configuration configuration() {
        Configuration config = Configuration.fromMap(settings);
        if (bootstrapServers != null) {
            config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        return config;
    }

    /** Starts the job on this stack; a model that is not Wav2Lip's is a user error. */
    LipSyncRun start(Configuration config, String jobName) throws Exception {
        try {
            return LipSyncRun.start(config, target(), jobName);
        } catch (ModelRejectedException e) {
            throw new UserError("model rejected: " + e.getMessage());
        }
    }

    FlinkTarget target() {
        return flink == null ? FlinkTarget.embedded(dashboardPort) : FlinkTarget.remote(flink);
    }
}
