package io.lipstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;

/** What a test asks a running job through Flink's REST API (the dashboard's endpoint). */
final class FlinkRest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String dashboardUrl;
    private final JobID job;
    private final HttpClient http = HttpClient.newHttpClient();

    FlinkRest(String dashboardUrl, JobID job) {
        this.dashboardUrl = dashboardUrl;
        this.job = job;
    }

    /** Checkpoints completed so far (all tasks run once the first one has). */
    int completedCheckpoints() throws IOException, InterruptedException {
        return JSON.readTree(get("/checkpoints")).path("counts").path("completed").asInt(0);
    }

    /** Waits until the job's first checkpoint has completed, i.e. every task is running. */
    void awaitFirstCheckpoint(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (completedCheckpointsOrZeroIfSlow() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "job " + job + ": no checkpoint completed within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /**
     * A busy machine may leave one request of the polling loop unanswered in time: the loop's own
     * deadline decides, not one request's.
     */
    private long completedCheckpointsOrZeroIfSlow() throws IOException, InterruptedException {
        try {
            return completedCheckpoints();
        } catch (HttpTimeoutException slow) {
            return 0;
        }
    }

    /**
     * The failures the job restarted from (its exception history, newest first), each as its
     * exception's class name and message, as the dashboard shows them.
     */
    List<String> failures() throws IOException, InterruptedException {
        JsonNode entries =
                JSON.readTree(get("/exceptions")).path("exceptionHistory").path("entries");
        List<String> failures = new ArrayList<>();
        for (JsonNode entry : entries) {
            String trace = entry.path("stacktrace").asText();
            int firstLineEnd = trace.indexOf('\n');
            failures.add(firstLineEnd < 0 ? trace : trace.substring(0, firstLineEnd));
        }
        return failures;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(dashboardUrl + "/jobs/" + job + path))
                        .timeout(REQUEST_TIMEOUT)
                        .build();
        HttpResponse<String> response =
                http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException(
                    "GET "
                            + request.uri()
                            + ": expected status 200, got "
                            + response.statusCode()
                            + ": "
                            + response.body());
        }
        return response.body();
    }
}
