package io.lipstream.tools.bench;

import java.util.Arrays;

/**
 * The p50, p95 and p99 of a set of samples, nearest-rank (the smallest sample with at least p% of
 * the samples at or below it), so every reported value is one that was measured.
 */
record Percentiles(long count, double p50, double p95, double p99) {

    static Percentiles of(long[] samples) {
        if (samples.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Percentiles(sorted.length, rank(sorted, 50), rank(sorted, 95), rank(sorted, 99));
    }

    private static double rank(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
