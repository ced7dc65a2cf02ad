package io.lipstream.tools.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The lip-sync job as Flink's REST API shows it: which job runs (the newest running one, else the
 * newest one), its state, completed checkpoints and the inference operator's pairs per second.
 * Reads on demand; a Flink that does not answer is a state of its own, not an exception.
 */
final class FlinkJobStatus {
    /** The inference operator's name in the job graph (the vertex whose metrics are read). */
    static final String INFERENCE_OPERATOR = "BatchedLipSyncInference";

    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final String RUNNING = "RUNNING";
    private static final String PAIRS_PER_SECOND = "lipsync.pairsInPerSecond";

    /** What the page shows about the job; {@code problem} is null when all is well. */
    record View(
            String dashboardUrl,
            boolean reachable,
            String jobName,
            String jobId,
            String state,
            Long startMillis,
            Long completedCheckpoints,
            Double pairsPerSecond,
            String problem) {}

    private final String baseUrl;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .connectTimeout(TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
    private final ObjectMapper json = new ObjectMapper();

    /** {@code baseUrl}: the REST endpoint, e.g. {@code http://127.0.0.1:8081}. */
    FlinkJobStatus(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** Asks Flink now. */
    View read() {
        JsonNode overview;
        try {
            overview = get("/jobs/overview");
        } catch (IOException e) {
            return new View(
                    baseUrl,
                    false,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "Flink at "
                            + baseUrl
                            + " cannot be reached: "
                            + (e.getMessage() != null ? e.getMessage() : e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new View(baseUrl, false, null, null, null, null, null, null, "interrupted");
        }
        List<JsonNode> jobs = new ArrayList<>();
        overview.path("jobs").forEach(jobs::add);
        JsonNode job =
                jobs.stream()
                        .max(
                                Comparator.comparing(
                                                (JsonNode j) ->
                                                        RUNNING.equals(j.path("state").asText()))
                                        .thenComparing(j -> j.path("start-time").asLong()))
                        .orElse(null);
        if (job == null) {
            return new View(
                    baseUrl,
                    true,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "no job on Flink at " + baseUrl);
        }
        String jid = job.path("jid").asText();
        String state = job.path("state").asText();
        Long checkpoints = null;
        Double pairs = null;
        try {
            checkpoints =
                    get("/jobs/" + jid + "/checkpoints").path("counts").path("completed").asLong();
            if (RUNNING.equals(state)) {
                pairs = pairsPerSecond(jid);
            }
        } catch (IOException e) {
            // The overview answered: the details are only missing this time.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new View(
                baseUrl,
                true,
                job.path("name").asText(),
                jid,
                state,
                job.path("start-time").asLong(),
                checkpoints,
                pairs,
                RUNNING.equals(state) ? null : "the job is not running: " + state);
    }

    /** Sum over subtasks of the inference operator's pairs in per second, if it reports it. */
    private Double pairsPerSecond(String jid) throws IOException, InterruptedException {
        for (JsonNode vertex : get("/jobs/" + jid).path("vertices")) {
            if (!vertex.path("name").asText().contains(INFERENCE_OPERATOR)) {
                continue;
            }
            String metrics = "/jobs/" + jid + "/vertices/" + vertex.path("id").asText();
            for (JsonNode metric : get(metrics + "/subtasks/metrics")) {
                String id = metric.path("id").asText();
                if (id.endsWith(PAIRS_PER_SECOND)) {
                    JsonNode values = get(metrics + "/subtasks/metrics?get=" + id + "&agg=sum");
                    for (JsonNode value : values) {
                        return value.path("sum").asDouble();
                    }
                }
            }
        }
        return null;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " for " + path);
        }
        return json.readTree(response.body());
    }
}
