package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.e2e.TestClips;
import io.lipstream.inference.Wav2LipShapes;
import io.lipstream.tools.model.ModelSynth;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * {@code lipsync bench} on a tiny run (identity model, batches 1 and 4, one short stream, then the
 * same stream paced in real time): the report holds every figure the issue asks for, each a
 * positive number, plus the detail per batch and per stream count and the live run. Speed itself is
 * not asserted.
 */
class BenchCommandTest {
    private static final int FRAMES = 30;

    @TempDir Path dir;

    @Test
    void shouldWriteAReportWithBarePipelineRatioAndLatency() throws Exception {
        Path model = dir.resolve("identity.onnx");
        ModelSynth.write(model, ModelSynth.Arch.IDENTITY, null, Wav2LipShapes.FACE_SIZE, 0);
        Path clip = TestClips.firstFrames(dir, FRAMES);
        Path report = dir.resolve("out").resolve("report.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Lipsync.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int exit =
                cli.execute(
                        "bench",
                        "--model",
                        model.toString(),
                        "--out",
                        report.toString(),
                        "--batches",
                        "1,4",
                        "--streams",
                        "1",
                        "--frames",
                        "1",
                        "--min-seconds",
                        "0.2",
                        "--video",
                        clip.toString(),
                        "--dashboard-port",
                        "18381",
                        "--live-streams",
                        "1");

        assertEquals(0, exit, err.toString());
        Map<String, Object> json = new Yaml().load(Files.readString(report));
        assertPositive(json, "bare_pairs_per_s");
        assertPositive(json, "bare_pairs_per_s_before");
        assertPositive(json, "bare_pairs_per_s_after");
        assertEquals(
                (number(json.get("bare_pairs_per_s_before"))
                                + number(json.get("bare_pairs_per_s_after")))
                        / 2,
                number(json.get("bare_pairs_per_s")),
                1e-5 * number(json.get("bare_pairs_per_s")), // the JSON keeps 6 digits
                "the ratio divides by the mean bare speed around the pipeline runs");
        assertPositive(json, "pipeline_fps");
        assertPositive(json, "ratio");
        assertEquals(4, json.get("bare_batch"), "ratio taken at the largest batch");
        assertEquals(4, json.get("pipeline_batch"));
        Map<String, Object> latency = map(json.get("latency_ms"));
        for (String p : List.of("p50", "p95", "p99")) {
            assertPositive(latency, p);
        }
        double p50 = number(latency.get("p50"));
        double p99 = number(latency.get("p99"));
        assertTrue(p50 <= p99, "p50 " + p50 + " <= p99 " + p99);

        List<Map<String, Object>> bare = list(json.get("bare"));
        assertEquals(List.of(1, 4), bare.stream().map(b -> b.get("batch")).toList());
        bare.forEach(b -> assertPositive(b, "pairs_per_s"));

        List<Map<String, Object>> pipeline = list(json.get("pipeline"));
        assertEquals(1, pipeline.size());
        assertEquals(1, pipeline.get(0).get("streams"));
        assertEquals(FRAMES, pipeline.get(0).get("frames"), "every frame of the clip came out");
        assertPositive(pipeline.get(0), "fps");

        Map<String, Object> live = map(json.get("live"));
        assertEquals(1, live.get("streams"));
        assertEquals(FRAMES, live.get("frames"), "every frame of the paced clip came out");
        assertEquals(25.0, number(live.get("sent_fps")), 0.01, "one 25 fps stream");
        assertTrue(live.get("kept_up") instanceof Boolean, "kept_up: " + live.get("kept_up"));
        assertPositive(map(live.get("latency_ms")), "p50");

        Map<String, Object> machine = map(json.get("machine"));
        assertPositive(machine, "cores");
        assertEquals("cpu", machine.get("device"));
        assertNotEquals("?", machine.get("load_average_before"));
        for (String share : List.of("other_processes_cpu_share", "steal_cpu_share")) {
            double value = number(machine.get(share));
            assertTrue(value >= 0 && value <= 1, share + ": " + value);
        }
        assertTrue(out.toString().contains("Ratio pipeline / bare at batch 4"), out.toString());
    }

    private static void assertPositive(Map<String, Object> json, String key) {
        Object value = json.get(key);
        assertTrue(value instanceof Number, key + " is a number: " + value);
        assertTrue(number(value) > 0, key + " > 0: " + value);
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }
}
