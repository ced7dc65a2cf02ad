package org.apache.flink.metrics.prometheus;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Creates a {@link LoopbackPrometheusReporter}: {@code metrics.reporter.NAME.factory.class} set to
 * this class, {@code .port} a port or range (default 9249, Flink's) and {@code .host} the address
 * to bind (default 127.0.0.1).
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {
    /** Binds the loopback interface only: nothing outside this machine reaches it by default. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public static final String DEFAULT_PORT = "9249";

    @Override
    public LoopbackPrometheusReporter createMetricReporter(Properties properties) {
        return new LoopbackPrometheusReporter(
                properties.getProperty("host", DEFAULT_HOST),
                new PortRange(properties.getProperty("port", DEFAULT_PORT)));
    }
}
