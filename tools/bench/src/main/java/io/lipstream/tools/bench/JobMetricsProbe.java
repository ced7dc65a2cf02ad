package io.lipstream.tools.bench;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a running job's metrics from the Flink REST API (what the web dashboard shows): the job's
 * vertices, and metrics of a vertex averaged over its subtasks. Parses the few fields it needs with
 * patterns rather than a JSON library (Flink's Jackson is shaded and not ours to use).
 */
final class JobMetricsProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern VERTEX_START = Pattern.compile("\\{\"id\":\"([0-9a-f]{32})\"");
    private static final Pattern NAME = Pattern.compile("\"name\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern AGGREGATE =
            Pattern.compile("\\{\"id\":\"((?:[^\"\\\\]|\\\\.)*)\"([^{}]*)\\}");
    private static final Pattern AVG = Pattern.compile("\"avg\":(-?[0-9.eE+-]+)");
    private static final Pattern VALUE =
            Pattern.compile(
                    "\\{\"id\":\"((?:[^\"\\\\]|\\\\.)*)\",\"value\":\"((?:[^\"\\\\]|\\\\.)*)\"\\}");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String jobUrl;

    JobMetricsProbe(String dashboardUrl, String jobId) {
        this.jobUrl = dashboardUrl + "/jobs/" + jobId;
    }

    /** The job's vertices: name (chained operators joined by {@code " -> "}) to vertex id. */
    Map<String, String> vertices() throws IOException, InterruptedException {
        String body = get(jobUrl);
        int list = body.indexOf("\"vertices\":[");
        Map<String, String> vertices = new LinkedHashMap<>();
        if (list < 0) {
            return vertices;
        }
        Matcher start = VERTEX_START.matcher(body);
        start.region(list, arrayEnd(body, list + "\"vertices\":".length()));
        int from = -1;
        String id = null;
        while (start.find()) {
            if (id != null) {
                vertices.put(name(body.substring(from, start.start())), id);
            }
            id = start.group(1);
            from = start.end();
        }
        if (id != null) {
            vertices.put(name(body.substring(from)), id);
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
        Matcher m = AGGREGATE.matcher(get(url));
        while (m.find()) {
            Matcher avg = AVG.matcher(m.group(2));
            if (avg.find()) {
                averages.put(m.group(1), Double.parseDouble(avg.group(1)));
            }
        }
        return averages;
    }

    /** Values of subtask 0's metrics (text, as the REST API gives them; gauges may be text). */
    Map<String, String> subtaskZeroValues(String vertexId, List<String> names)
            throws IOException, InterruptedException {
        List<String> ids = names.stream().map(n -> "0." + n).toList();
        String url =
                jobUrl
                        + "/vertices/"
                        + vertexId
                        + "/metrics?get="
                        + URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = VALUE.matcher(get(url));
        while (m.find()) {
            values.put(m.group(1).substring(2), m.group(2));
        }
        return values;
    }

    /** Index just past the JSON array opening at {@code open}, skipping strings. */
    private static int arrayEnd(String json, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if ((c == ']' || c == '}') && --depth == 0) {
                return i + 1;
            }
        }
        return json.length();
    }

    private static String name(String vertexJson) {
        Matcher m = NAME.matcher(vertexJson);
        return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : "?";
    }

    private String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + response.statusCode());
        }
        return response.body();
    }
}
