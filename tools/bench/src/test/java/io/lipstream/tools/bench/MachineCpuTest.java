package io.lipstream.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineCpuTest {
    @Test
    void shouldSplitTheMachinesBusyTimeIntoThisProcessOtherProcessesAndSteal() {
        // user nice system idle iowait irq softirq steal guest guest_nice, in 1/100 s ticks
        MachineCpu before = MachineCpu.parse("cpu  1000 0 200 5000 100 0 0 0 0 0", 0);
        // 10 s of 2 cores = 2000 ticks: 1200 busy (900 of them this process's 9 s), 100 steal.
        MachineCpu after = MachineCpu.parse("cpu  2100 0 300 5700 100 0 0 100 0 0", 9_000_000_000L);

        Map<String, Double> shares = before.sharesUntil(after);

        assertEquals(300 / 2000.0, shares.get("other_processes"), 1e-9);
        assertEquals(100 / 2000.0, shares.get("steal"), 1e-9);
    }

    @Test
    void shouldGiveNoSharesWithoutALaterSample() {
        MachineCpu sample = MachineCpu.parse("cpu 1 2 3 4 5 6 7 8 9 10", 0);
        assertTrue(sample.sharesUntil(null).isEmpty());
        assertTrue(sample.sharesUntil(sample).isEmpty());
    }

    @Test
    void shouldRefuseALineThatIsNotTheCpuTotal() {
        assertThrows(
                IllegalArgumentException.class,
                () -> MachineCpu.parse("cpu0 1 2 3 4 5 6 7 8 9 10", 0));
    }

    @Test
    void shouldReadThisMachine() {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "needs Linux /proc");
        MachineCpu now = MachineCpu.now();
        assertNotNull(now);
        assertTrue(now.totalTicks() > 0 && now.busyTicks() >= 0 && now.processNanos() > 0);
    }
}
