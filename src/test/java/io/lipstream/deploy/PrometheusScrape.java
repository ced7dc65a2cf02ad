package io.lipstream.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One page of Prometheus text exposition (what Flink's PrometheusReporter serves), read as series:
 * a metric name and its labels.
 */
public record PrometheusScrape(List<Series> series) {
    /** One sample line's name, labels and value. */
    public record Series(String name, Map<String, String> labels, double value) {}

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+).*$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public static PrometheusScrape parse(String page) {
        List<Series> series = new ArrayList<>();
        for (String line : page.split("\n")) {
            Matcher sample = SAMPLE.matcher(line.strip());
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2).replaceAll("\\\\(.)", "$1"));
                }
            }
            series.add(new Series(sample.group(1), labels, value(sample.group(3))));
        }
        return new PrometheusScrape(series);
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** Every metric name on the page. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        series.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The series of one metric. */
    public List<Series> named(String name) {
        return series.stream().filter(s -> s.name().equals(name)).toList();
    }
}
