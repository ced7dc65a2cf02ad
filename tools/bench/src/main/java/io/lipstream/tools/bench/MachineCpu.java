package io.lipstream.tools.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine's CPU time (all cores, {@code /proc/stat}) and this process's, at one instant: two
 * samples tell what share of the machine other processes took between them, and what share the
 * hypervisor withheld (steal). A bench divides two speeds measured minutes apart, so it reports
 * both to say whether the machine was its own. Linux only; elsewhere {@link #now} is null.
 */
record MachineCpu(long busyTicks, long stealTicks, long totalTicks, long processNanos) {
    private static final Path STAT = Path.of("/proc/stat");

    /** Clock ticks per second of the CPU times in {@code /proc} (USER_HZ, 100 on Linux). */
    static final double TICKS_PER_SECOND = 100;

    /** Fields after "cpu": user nice system idle iowait irq softirq steal (guest is in user). */
    private static final int IDLE = 3;

    private static final int IOWAIT = 4;
    private static final int STEAL = 7;
    private static final int COUNTED_FIELDS = 8;

    /** Now, or null where {@code /proc/stat} cannot be read. */
    static MachineCpu now() {
        long processNanos =
                ((com.sun.management.OperatingSystemMXBean)
                                ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime();
        try {
            String line = Files.readAllLines(STAT).get(0);
            return parse(line, processNanos);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** From the aggregate "cpu" line of {@code /proc/stat}. */
    static MachineCpu parse(String cpuLine, long processNanos) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < COUNTED_FIELDS + 1) {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
        }
        long total = 0;
        for (int i = 0; i < COUNTED_FIELDS; i++) {
            total += Long.parseLong(f[i + 1]);
        }
        long idle = Long.parseLong(f[IDLE + 1]) + Long.parseLong(f[IOWAIT + 1]);
        long steal = Long.parseLong(f[STEAL + 1]);
        return new MachineCpu(total - idle - steal, steal, total, processNanos);
    }

    /**
     * Shares of the machine's CPU time from {@code this} to {@code later}: {@code other_processes}
     * (busy, less this process) and {@code steal}; empty when either is null or no time passed.
     */
    Map<String, Double> sharesUntil(MachineCpu later) {
        Map<String, Double> shares = new LinkedHashMap<>();
        if (later == null || later.totalTicks <= totalTicks) {
            return shares;
        }
        double total = later.totalTicks - totalTicks;
        double processTicks = (later.processNanos - processNanos) / 1e9 * TICKS_PER_SECOND;
        double others = (later.busyTicks - busyTicks) - processTicks;
        shares.put("other_processes", Math.max(0, others / total));
        shares.put("steal", (later.stealTicks - stealTicks) / total);
        return shares;
    }
}
