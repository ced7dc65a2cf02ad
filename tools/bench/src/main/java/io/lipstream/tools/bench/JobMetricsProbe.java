package io.lipstream.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a running job's metrics from the Flink REST API (what the web dashboard shows): the job's
 * vertices, and metrics of a vertex averaged over its subtasks, parsed with Jackson.
 */
final class JobMetricsProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String jobUrl;

    JobMetricsProbe(String dashboardUrl, String jobId) {
        this.jobUrl = dashboardUrl + "/jobs/" + jobId;
    }

    /** The job's vertices: name (chained operators joined by {@code " -> "}) to vertex id. */
    Map<String, String> vertices() throws IOException, InterruptedException {
        Map<String, String> vertices = new LinkedHashMap<>();
        for (JsonNode vertex : get(jobUrl).path("vertices")) {
            vertices.put(vertex.path("name").asText("?"), vertex.path("id").asText());
        }
        return vertices;
    }

    /** The average over the vertex's subtasks of each metric found (missing ones are left out). */
    Map<String, Double> subtaskAverages(String vertexId, List<String> names)
            throws IOException, InterruptedException {
        String url =
                jobUrl
                        + "/vertices/"
                        + vertexId
                        + "/subtasks/metrics?get="
                        + URLEncoder.encode(String.join(",", names), StandardCharsets.UTF_8);
        Map<String, Double> averages = new LinkedHashMap<>();
        for (JsonNode metric : get(url)) {
            JsonNode avg = metric.path("avg");
            if (avg.isNumber()) {
                averages.put(metric.path("id").asText(), avg.asDouble());
            }
        }
        return averages;
    }

    /** Values of subtask 0's metrics (text, as the REST API gives them; gauges may be text). */
    Map<String, String> subtaskZeroValues(String vertexId, List<String> names)
            throws IOException, InterruptedException {
        String prefix = "0.";
        List<String> ids = names.stream().map(n -> prefix + n).toList();
        String url =
                jobUrl
                        + "/vertices/"
                        + vertexId
                        + "/metrics?get="
                        + URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode metric : get(url)) {
            String id = metric.path("id").asText();
            if (id.startsWith(prefix) && metric.has("value")) {
                values.put(id.substring(prefix.length()), metric.path("value").asText());
            }
        }
        return values;
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }
}
