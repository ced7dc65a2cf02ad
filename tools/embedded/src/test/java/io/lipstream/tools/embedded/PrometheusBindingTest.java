package io.lipstream.tools.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.prometheus.LoopbackPrometheusReporter;
import org.apache.flink.metrics.prometheus.LoopbackPrometheusReporterFactory;
import org.junit.jupiter.api.Test;

/**
 * The embedded run's Prometheus endpoint listens on 127.0.0.1 only: it answers there and refuses a
 * connection on this machine's other addresses (Flink's own reporter binds all interfaces).
 */
class PrometheusBindingTest {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    @Test
    void shouldServeMetricsOnLoopbackOnly() throws Exception {
        int port = freePort();
        Properties props = new Properties();
        props.setProperty("port", String.valueOf(port));
        LoopbackPrometheusReporter reporter =
                new LoopbackPrometheusReporterFactory().createMetricReporter(props);
        try {
            assertEquals(
                    new InetSocketAddress("127.0.0.1", port),
                    reporter.address(),
                    "where the endpoint listens");
            HttpResponse<String> response =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + port
                                                                    + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());

            Optional<InetAddress> other = nonLoopbackAddress();
            assumeTrue(other.isPresent(), "this machine has no address besides loopback");
            assertThrows(
                    ConnectException.class,
                    () -> {
                        try (Socket socket = new Socket()) {
                            socket.connect(
                                    new InetSocketAddress(other.get(), port), CONNECT_TIMEOUT_MS);
                        }
                    },
                    "the endpoint must not answer on " + other.get().getHostAddress());
        } finally {
            reporter.close();
        }
    }

    @Test
    void shouldConfigureTheEmbeddedClusterWithTheLoopbackReporter() {
        FlinkTarget target = FlinkTarget.embedded(FlinkTarget.DEFAULT_DASHBOARD_PORT);
        Configuration config =
                Configuration.fromMap(
                        target.environment(new Configuration(), 1).getConfiguration().toMap());

        assertEquals(
                LoopbackPrometheusReporterFactory.class.getName(),
                config.getString("metrics.reporter.prom.factory.class", null));
        assertEquals("127.0.0.1", config.getString("metrics.reporter.prom.host", null));
        assertTrue(target.prometheusUrl().orElseThrow().startsWith("http://127.0.0.1:"));
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
