package io.lipstream.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** Pages a test reads from the embedded stack's HTTP endpoints (Flink's REST API, Prometheus). */
public final class HttpPages {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private HttpPages() {}

    /** The body of a 200 response; empty for any other status or while nothing listens yet. */
    public static Optional<String> ok(String url) throws InterruptedException {
        try {
            HttpResponse<String> response =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(REQUEST_TIMEOUT)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException notUp) {
            return Optional.empty();
        }
    }
}
