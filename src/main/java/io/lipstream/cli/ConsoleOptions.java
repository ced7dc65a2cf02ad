package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.tools.console.ConsoleSettings;
import io.lipstream.tools.console.OperatorConsole;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The operator console's flags, shared by the commands that start it ({@code demo}, {@code
 * console}, and any live run): its port and an optional Grafana link.
 */
final class ConsoleOptions {
    @Option(
            names = "--console-port",
            paramLabel = "PORT",
            defaultValue = "" + ConsoleSettings.DEFAULT_PORT,
            description =
                    "Port of the operator console on 127.0.0.1 (the next free one if busy, 0: any"
                            + " free one; default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--grafana",
            paramLabel = "URL",
            description = "A Grafana dashboard the console links to.")
    String grafanaUrl;

    /** Starts the console on {@code kafka} and the Flink at {@code flinkUrl}, printing its URL. */
    OperatorConsole start(KafkaSettings kafka, String flinkUrl, PrintWriter err) {
        return start(kafka, flinkUrl, null, err);
    }

    /**
     * Starts the console reading the topics from {@code lookback} ago (null: from their beginning).
     */
    OperatorConsole start(
            KafkaSettings kafka, String flinkUrl, Duration lookback, PrintWriter err) {
        try {
            OperatorConsole console =
                    OperatorConsole.start(
                            ConsoleSettings.of(kafka)
                                    .withPort(port)
                                    .withFlink(flinkUrl)
                                    .withGrafana(grafanaUrl)
                                    .withLookback(lookback));
            err.println("Operator console: " + console.url());
            return console;
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("the operator console cannot start: " + e.getMessage());
        }
    }
}
