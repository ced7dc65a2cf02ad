package io.lipstream.cli;

import io.lipstream.inference.ModelRejectedException;
import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a command that runs the job runs: the embedded default (in-process Kafka broker, Flink
 * MiniCluster with dashboard) or external Kafka and Flink, plus any job option as {@code -D
 * key=value}.
 */
final class StackOptions {
    @Mixin KafkaClientOptions kafka;

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

    /** The job options: -D settings plus {@code --bootstrap-servers}. */
    Configuration configuration() {
        return kafka.configuration();
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
