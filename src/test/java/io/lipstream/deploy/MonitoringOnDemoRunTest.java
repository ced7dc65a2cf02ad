package io.lipstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.deploy.MonitoringQueries.LabelMatcher;
import io.lipstream.deploy.MonitoringQueries.Selector;
import io.lipstream.deploy.PrometheusScrape.Series;
import io.lipstream.e2e.HttpPages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files against a live {@code lipsync demo}: while the demo streams the bundled
 * sample, its Prometheus endpoint serves the {@code lipsync} metrics with pairs flowing, and every
 * metric selector of the Grafana dashboard, the alert rules and the rules' unit-test series finds a
 * live series: the metric is served, its label matchers match (Grafana variables match any value)
 * and the labels the query groups by are on it.
 *
 * <p>The job's name is a deployment's choice, so {@code job_name} values of the rule tests'
 * synthetic series are not compared.
 */
class MonitoringOnDemoRunTest {
    /**
     * A bound, not a wait: the test stops the demo as soon as every selector matches, pairs flow
     * and the playlist is written (under a minute here); the demo ends on its own at this limit.
     */
    private static final Duration DEMO_LIMIT = Duration.ofMinutes(10);

    /** How long the demo may take to close its job, MiniCluster and broker once asked to stop. */
    private static final Duration STOP_WAIT = Duration.ofMinutes(2);

    private static final Duration POLL = Duration.ofSeconds(2);

    private static final Pattern PROMETHEUS_LINE = Pattern.compile("Prometheus metrics: (\\S+)");
    private static final String PAIRS_OUT = "flink_taskmanager_job_task_operator_lipsync_pairsOut";
    private static final String CHECKPOINTS = "flink_jobmanager_job_numberOfCompletedCheckpoints";
    private static final String DEPLOYMENT_LABEL = "job_name";

    @TempDir Path dir;

    private final Path monitoring = Repository.root().resolve("deploy/monitoring");

    @Test
    void shouldServeEveryMetricTheDashboardAndAlertsQueryDuringADemo() throws Exception {
        List<Selector> selectors = new ArrayList<>();
        selectors.addAll(
                MonitoringQueries.ofGrafanaDashboard(
                        monitoring.resolve("grafana/dashboards/lipstream.json")));
        selectors.addAll(MonitoringQueries.ofAlertRules(monitoring.resolve("alerts.yml")));
        selectors.addAll(
                MonitoringQueries.ofRuleTestSeries(monitoring.resolve("alerts.test.yml")).stream()
                        .map(MonitoringOnDemoRunTest::withoutDeploymentLabel)
                        .toList());
        assertTrue(selectors.size() > 30, "selectors found: " + selectors.size());

        StringWriter err = new StringWriter();
        var cli = Lipsync.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread demo =
                new Thread(
                        () ->
                                exit.set(
                                        cli.execute(
                                                "demo",
                                                "--seconds",
                                                String.valueOf(DEMO_LIMIT.toSeconds()),
                                                "--out",
                                                dir.resolve("out").toString(),
                                                "--dashboard-port",
                                                "18481",
                                                "-D",
                                                "inference.batch-size=8",
                                                "-D",
                                                "inference.max-wait=50 ms")),
                        "demo");
        demo.start();

        long started = System.nanoTime();
        long deadline = started + DEMO_LIMIT.toNanos();
        Path playlist = dir.resolve("out/demo-0/index.m3u8");
        List<String> problems = List.of("the demo printed no Prometheus endpoint");
        PrometheusScrape scrape = null;
        try {
            // Until everything is seen, however slow the machine: the demo's limit is the bound.
            while (demo.isAlive() && System.nanoTime() < deadline) {
                Optional<String> url = prometheusUrl(err.toString());
                if (url.isPresent()) {
                    Optional<String> page = HttpPages.ok(url.get());
                    if (page.isPresent()) {
                        scrape = PrometheusScrape.parse(page.get());
                        problems = problems(scrape, selectors);
                        if (problems.isEmpty()
                                && flowing(scrape)
                                && Files.isRegularFile(playlist)) {
                            break;
                        }
                    }
                }
                Thread.sleep(POLL.toMillis());
            }
        } finally {
            demo.interrupt(); // stops the demo like Ctrl-C
            demo.join(STOP_WAIT.toMillis());
        }
        assertFalse(demo.isAlive(), "the demo stopped within " + STOP_WAIT + " of being asked");
        assertEquals(List.of(), problems, "live lipsync metrics: " + lipsyncNames(scrape));
        assertTrue(
                scrape != null && flowing(scrape),
                "no pair left inference or no checkpoint completed during the demo: " + err);
        System.out.printf(
                "%d selectors of the monitoring files matched live series %.0f s into the demo%n",
                selectors.size(), (System.nanoTime() - started) / 1e9);
        assertEquals(0, exit.get(), err.toString());
        assertTrue(Files.isRegularFile(playlist), "the demo wrote its HLS playlist");
    }

    /** Pairs have left inference and a checkpoint completed: the values mean something. */
    private static boolean flowing(PrometheusScrape scrape) {
        return scrape.named(PAIRS_OUT).stream().mapToDouble(Series::value).sum() > 0
                && scrape.named(CHECKPOINTS).stream().mapToDouble(Series::value).sum() > 0;
    }

    /** Each selector that finds no live series, and why. */
    private static List<String> problems(PrometheusScrape scrape, List<Selector> selectors) {
        List<String> problems = new ArrayList<>();
        for (Selector selector : selectors) {
            List<Series> named = scrape.named(selector.metric());
            String where = selector.where() + ": " + selector.metric();
            if (named.isEmpty()) {
                problems.add(where + " is not served");
                continue;
            }
            List<Series> matching =
                    named.stream()
                            .filter(
                                    s ->
                                            selector.matchers().stream()
                                                    .allMatch(m -> m.matches(s.labels())))
                            .toList();
            if (matching.isEmpty()) {
                problems.add(
                        where
                                + selector.matchers()
                                + " matches none of "
                                + named.stream().map(Series::labels).distinct().toList());
                continue;
            }
            for (String label : selector.groupedBy()) {
                if (matching.stream().noneMatch(s -> s.labels().containsKey(label))) {
                    problems.add(where + " has no label " + label + " to group by");
                }
            }
        }
        return problems.stream().distinct().toList();
    }

    private static Selector withoutDeploymentLabel(Selector selector) {
        List<LabelMatcher> matchers =
                selector.matchers().stream()
                        .filter(m -> !m.label().equals(DEPLOYMENT_LABEL))
                        .toList();
        return new Selector(selector.where(), selector.metric(), matchers, selector.groupedBy());
    }

    private static Object lipsyncNames(PrometheusScrape scrape) {
        return scrape == null
                ? "none scraped"
                : scrape.names().stream()
                        .filter(n -> n.contains("_lipsync_"))
                        .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Optional<String> prometheusUrl(String err) {
        Matcher line = PROMETHEUS_LINE.matcher(err);
        return line.find() ? Optional.of(line.group(1)) : Optional.empty();
    }
}
