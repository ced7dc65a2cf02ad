package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lipstream.tools.embedded.FlinkTarget;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaIngest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * What an operator of the embedded run sees: the inference operator's {@code lipsync} metrics in
 * the Flink web dashboard's REST API (the data behind the dashboard's metric view), while a short
 * clip streams through. The Prometheus endpoint is checked by {@code MonitoringOnDemoRunTest}.
 */
class DashboardMetricsTest {
    private static final int FRAMES = 40;
    private static final String OPERATOR = "BatchedLipSyncInference";

    /** The dashboard's metric fetcher refreshes every 10 s by default; allow a few rounds. */
    private static final Duration METRICS_DEADLINE = Duration.ofMinutes(2);

    /** Metric names (after {@code lipsync.}) the dashboard must show; a trailing _ is a prefix. */
    private static final List<String> DASHBOARD_METRICS =
            List.of(
                    "pairsInPerSecond",
                    "batchSize_",
                    "batchFillRatio",
                    "paddedSlots",
                    "queueWaitMs_",
                    "inferenceLatencyMs_",
                    "inferenceBusyMsPerSecond",
                    "batchesPerSecond",
                    "batchesInFlight",
                    "passThrough",
                    "device");

    /** Some of the statistics Flink's REST API shows for each histogram (no count, no p50). */
    private static final List<String> HISTOGRAM_STATS =
            List.of("min", "median", "p95", "p99", "max");

    @TempDir Path dir;

    private final Yaml json = new Yaml(); // JSON is YAML

    @Test
    void shouldShowTheInferenceMetricsInTheDashboard() throws Exception {
        Path clip = TestClips.firstFrames(dir, FRAMES);
        Configuration options = new Configuration();
        options.setString("inference.batch-size", "8");
        options.setString("inference.max-wait", "50 ms");
        try (LipSyncRun run =
                LipSyncRun.start(options, FlinkTarget.embedded(18281), "dashboard-metrics")) {
            try (MediaIngest ingest = new MediaIngest(run.kafkaSettings())) {
                ingest.ingest(new MediaIngest.Request("m", clip, null, false, 1, false));
            }
            String vertexMetrics = vertexMetricsUrl(run);

            Map<String, String> ids = awaitInferenceMetrics(run, vertexMetrics);

            for (String name : DASHBOARD_METRICS) {
                if (name.endsWith("_")) {
                    for (String stat : HISTOGRAM_STATS) {
                        assertTrue(ids.containsKey(name + stat), name + stat + " in " + ids);
                    }
                } else {
                    assertTrue(ids.containsKey(name), name + " in " + ids.keySet());
                }
            }
            Map<String, String> values = values(vertexMetrics, ids);
            assertEquals("cpu", values.get("device"));
            double largest = Double.parseDouble(values.get("batchSize_max"));
            assertTrue(largest >= 1 && largest <= 8, "batch size " + largest);
            double fill = Double.parseDouble(values.get("batchFillRatio"));
            assertTrue(fill > 0 && fill <= 1, "fill ratio " + fill);
        }
    }

    /** {@code .../jobs/<jid>/vertices/<vid>/metrics} of the vertex that runs inference. */
    private String vertexMetricsUrl(LipSyncRun run) throws Exception {
        String jobId = run.job().getJobID().toHexString();
        String base = run.dashboardUrl() + "/jobs/" + jobId;
        Map<String, Object> job = getJson(base);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> vertices = (List<Map<String, Object>>) job.get("vertices");
        for (Map<String, Object> vertex : vertices) {
            if (String.valueOf(vertex.get("name")).contains(OPERATOR)) {
                return base + "/vertices/" + vertex.get("id") + "/metrics";
            }
        }
        throw new AssertionError("no vertex runs " + OPERATOR + ": " + vertices);
    }

    /**
     * Waits until the dashboard lists the operator's metrics and every frame has left inference;
     * returns the REST ids by name after {@code lipsync.}.
     */
    private Map<String, String> awaitInferenceMetrics(LipSyncRun run, String url) throws Exception {
        long deadline = System.nanoTime() + METRICS_DEADLINE.toNanos();
        while (true) {
            assertTrue(!run.jobEnded(), "the job ended: " + run.failure());
            Map<String, String> ids = new HashMap<>();
            for (Map<String, Object> metric : getJsonList(url)) {
                String id = String.valueOf(metric.get("id"));
                int at = id.indexOf(OPERATOR + ".lipsync.");
                if (at >= 0) {
                    ids.put(id.substring(at + OPERATOR.length() + ".lipsync.".length()), id);
                }
            }
            if (ids.containsKey("pairsOut")) {
                String out = values(url, Map.of("pairsOut", ids.get("pairsOut"))).get("pairsOut");
                if (out != null && Double.parseDouble(out) >= FRAMES) {
                    return ids;
                }
            }
            if (System.nanoTime() > deadline) {
                fail("the dashboard did not show " + FRAMES + " pairs out of inference: " + ids);
            }
            Thread.sleep(1000);
        }
    }

    /** Current values of {@code ids} (name to REST id), by name. */
    private Map<String, String> values(String url, Map<String, String> ids) throws Exception {
        Map<String, String> byId = new HashMap<>();
        ids.forEach((name, id) -> byId.put(id, name));
        Map<String, String> values = new HashMap<>();
        String query = String.join(",", new ArrayList<>(ids.values()));
        for (Map<String, Object> metric : getJsonList(url + "?get=" + query)) {
            String name = byId.get(String.valueOf(metric.get("id")));
            values.put(name, String.valueOf(metric.get("value")));
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> getJson(String url) throws Exception {
        return (Map<String, Object>)
                json.load(HttpPages.ok(url).orElseThrow(() -> new IOException(url)));
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> getJsonList(String url) throws Exception {
        Object parsed = json.load(HttpPages.ok(url).orElseThrow(() -> new IOException(url)));
        return parsed == null ? List.of() : (List<Map<String, Object>>) parsed;
    }
}
