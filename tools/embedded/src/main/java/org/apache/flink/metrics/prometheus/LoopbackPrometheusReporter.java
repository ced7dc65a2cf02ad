package org.apache.flink.metrics.prometheus;

import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter with its HTTP endpoint bound to one address (127.0.0.1 unless
 * configured), where Flink's own {@link PrometheusReporter} always listens on all interfaces. It is
 * in Flink's package because the registry {@link AbstractPrometheusReporter} fills is
 * package-private; everything but the bind address is Flink's.
 */
public final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {
    private final HTTPServer server;
    private final InetSocketAddress address;

    /**
     * Serves the metrics on {@code host} at the first free port of {@code ports}.
     *
     * @throws IllegalStateException when every port of the range is taken
     */
    LoopbackPrometheusReporter(String host, PortRange ports) {
        HTTPServer started = null;
        InetSocketAddress bound = null;
        Iterator<Integer> candidates = ports.getPortsIterator();
        while (started == null && candidates.hasNext()) {
            InetSocketAddress candidate = new InetSocketAddress(host, candidates.next());
            try {
                started = new HTTPServer(candidate, registry);
                bound = candidate;
            } catch (IOException busy) {
                log.debug("Prometheus port {} is taken, trying the next one", candidate, busy);
            }
        }
        if (started == null) {
            throw new IllegalStateException(
                    "expected a free port for the Prometheus endpoint on "
                            + host
                            + " in "
                            + ports
                            + ", found none");
        }
        server = started;
        address = new InetSocketAddress(host, started.getPort());
        log.info("Prometheus endpoint on http://{}:{}/metrics", host, started.getPort());
    }

    /** Where the endpoint listens. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }
}
