package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.tools.console.OperatorConsole;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The operator console on its own, against any Kafka (and the Flink the job runs on): a web page of
 * every stream in the topics, until Ctrl-C.
 */
@Command(
        name = "console",
        mixinStandardHelpOptions = true,
        description = {
            "Serve the operator console (streams, original beside dubbed, latency, dead letters,"
                    + " the job's state) for a Kafka and Flink already running, until Ctrl-C."
        })
public final class ConsoleCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            paramLabel = "HOST:PORT",
            description = "The Kafka whose topics the console reads.")
    String bootstrapServers;

    @Option(
            names = "--flink",
            paramLabel = "HOST:PORT",
            description = "The REST endpoint (dashboard) of the Flink the job runs on.")
    String flink;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Kafka options of the job (topic names, kafka.client-properties-file), e.g. -D"
                            + " kafka.video-topic=frames.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--lookback",
            paramLabel = "MINUTES",
            description =
                    "Read the topics from this many minutes ago (default: from their beginning).")
    Long lookbackMinutes;

    @Mixin ConsoleOptions console;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Configuration config = Configuration.fromMap(settings);
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        String flinkUrl = flink == null || flink.contains("://") ? flink : "http://" + flink;
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "console-shutdown");
        Duration lookback = lookbackMinutes == null ? null : Duration.ofMinutes(lookbackMinutes);
        try (OperatorConsole running =
                console.start(KafkaSettings.from(config), flinkUrl, lookback, err)) {
            Runtime.getRuntime().addShutdownHook(hook);
            err.println("Running until Ctrl-C.");
            stop.await();
        }
        return 0;
    }
}
