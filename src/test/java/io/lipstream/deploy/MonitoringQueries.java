package io.lipstream.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Flink metric selectors the monitoring files use: PromQL of the Grafana dashboard's panels and
 * variables and of the alert rules, and the synthetic series of the rules' unit tests. A selector
 * is a metric name with its label matchers; the labels an expression aggregates by are kept with
 * it.
 */
public final class MonitoringQueries {
    /** One label matcher of a selector: {@code label op "value"}. */
    public record LabelMatcher(String label, String op, String value) {
        /** Whether a series' labels satisfy it; Grafana variables ({@code $x}) match anything. */
        public boolean matches(Map<String, String> labels) {
            String actual = labels.getOrDefault(label, "");
            if (value.contains("$")) {
                return labels.containsKey(label);
            }
            return switch (op) {
                case "=" -> actual.equals(value);
                case "!=" -> !actual.equals(value);
                case "=~" -> actual.matches(value);
                case "!~" -> !actual.matches(value);
                default -> throw new IllegalArgumentException("matcher " + op);
            };
        }
    }

    /** A metric selector and the labels its expression groups by, with where it was written. */
    public record Selector(
            String where, String metric, List<LabelMatcher> matchers, Set<String> groupedBy) {}

    private static final Pattern SELECTOR = selectorOf("flink_");

    /** The live publisher's metrics ({@code LiveMetricsEndpoint}). */
    private static final Pattern LIVE_SELECTOR = selectorOf("lipsync_live_");

    private static final Pattern MATCHER =
            Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern GROUPING =
            Pattern.compile(
                    "\\b(?:by|without)\\s*\\(([^)]*)\\)|label_values\\([^,]+,\\s*(\\w+)\\)");

    private MonitoringQueries() {}

    /**
     * Selectors of every PromQL string under an {@code expr}, {@code query} or {@code definition}
     * key.
     */
    public static List<Selector> ofGrafanaDashboard(Path json) throws IOException {
        return ofGrafanaDashboard(json, SELECTOR);
    }

    /** Selectors of the live publisher's metrics ({@code lipsync_live_*}) in a dashboard. */
    public static List<Selector> ofLiveDashboard(Path json) throws IOException {
        return ofGrafanaDashboard(json, LIVE_SELECTOR);
    }

    private static List<Selector> ofGrafanaDashboard(Path json, Pattern selector)
            throws IOException {
        List<String> expressions = new ArrayList<>();
        collectStrings(load(json), Set.of("expr", "query", "definition"), expressions);
        return selectors(json.getFileName().toString(), expressions, selector);
    }

    /** Selectors of metrics named {@code prefix...}. */
    private static Pattern selectorOf(String prefix) {
        return Pattern.compile("\\b(" + prefix + "[A-Za-z0-9_]+)\\s*(?:\\{([^}]*)\\})?");
    }

    /** Selectors of the {@code expr} of every rule. */
    static List<Selector> ofAlertRules(Path yaml) throws IOException {
        List<String> expressions = new ArrayList<>();
        collectStrings(load(yaml), Set.of("expr"), expressions);
        return selectors(yaml.getFileName().toString(), expressions, SELECTOR);
    }

    /** The {@code input_series} of promtool rule tests, each a selector with equality matchers. */
    static List<Selector> ofRuleTestSeries(Path yaml) throws IOException {
        List<String> series = new ArrayList<>();
        collectStrings(load(yaml), Set.of("series"), series);
        return selectors(yaml.getFileName().toString() + " input_series", series, SELECTOR);
    }

    private static List<Selector> selectors(
            String where, List<String> expressions, Pattern selectorPattern) {
        List<Selector> selectors = new ArrayList<>();
        for (String expression : expressions) {
            Set<String> groupedBy = new LinkedHashSet<>();
            Matcher grouping = GROUPING.matcher(expression);
            while (grouping.find()) {
                String labels = grouping.group(1) != null ? grouping.group(1) : grouping.group(2);
                for (String label : labels.split(",")) {
                    if (!label.isBlank()) {
                        groupedBy.add(label.strip());
                    }
                }
            }
            Matcher selector = selectorPattern.matcher(expression);
            while (selector.find()) {
                List<LabelMatcher> matchers = new ArrayList<>();
                if (selector.group(2) != null) {
                    Matcher matcher = MATCHER.matcher(selector.group(2));
                    while (matcher.find()) {
                        matchers.add(
                                new LabelMatcher(
                                        matcher.group(1), matcher.group(2), matcher.group(3)));
                    }
                }
                selectors.add(new Selector(where, selector.group(1), matchers, groupedBy));
            }
        }
        return selectors;
    }

    private static void collectStrings(Object node, Set<String> keys, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach(
                    (key, value) -> {
                        if (keys.contains(String.valueOf(key)) && value instanceof String text) {
                            out.add(text);
                        } else {
                            collectStrings(value, keys, out);
                        }
                    });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectStrings(item, keys, out));
        }
    }

    /** JSON without tabs is YAML, so one parser reads both. */
    private static Object load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
    }
}
