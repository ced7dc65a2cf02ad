package io.lipstream.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a benchmark ran on: cores, CPU model, memory, device, and how loaded the machine was. */
final class MachineInfo {
    private static final Path LOAD_AVERAGE = Path.of("/proc/loadavg");
    private static final Path CPU_INFO = Path.of("/proc/cpuinfo");
    private static final long MB = 1024 * 1024;

    private MachineInfo() {}

    /** The 1, 5 and 15 minute load averages (Linux), or "?" elsewhere. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(LOAD_AVERAGE).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "?";
        }
    }

    /**
     * The machine, with {@code cpuShares} from {@link MachineCpu#sharesUntil} over the bench: the
     * share of the machine's CPU other processes took, and the hypervisor's steal.
     */
    static Map<String, Object> describe(
            String device,
            int intraOpThreads,
            int concurrentRuns,
            String loadBefore,
            Map<String, Double> cpuShares) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("os_arch", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.version"));
        machine.put("max_heap_mb", Runtime.getRuntime().maxMemory() / MB);
        machine.put("device", device);
        machine.put("intra_op_threads", intraOpThreads);
        machine.put("concurrent_runs", concurrentRuns);
        machine.put("load_average_before", loadBefore);
        machine.put("load_average_after", loadAverage());
        if (!cpuShares.isEmpty()) {
            machine.put("other_processes_cpu_share", cpuShares.get("other_processes"));
            machine.put("steal_cpu_share", cpuShares.get("steal"));
        }
        return machine;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(CPU_INFO)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }
}
