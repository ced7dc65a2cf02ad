package io.lipstream.cli;

import java.io.PrintWriter;

/**
 * Frames ingested and frames encoded: one status line rewritten twice a second on a terminal, a new
 * line every 5 seconds otherwise (logs, pipes).
 */
final class Progress {
    private static final boolean TERMINAL = System.console() != null;
    private static final long REFRESH_NANOS = TERMINAL ? 500_000_000L : 5_000_000_000L;

    private final PrintWriter err;
    private final long expectedFrames;
    private long lastShown;

    Progress(PrintWriter err, long expectedFrames) {
        this.err = err;
        this.expectedFrames = expectedFrames;
    }

    synchronized void show(long ingested, long encoded) {
        long now = System.nanoTime();
        if (now - lastShown < REFRESH_NANOS) {
            return;
        }
        lastShown = now;
        String total = expectedFrames > 0 ? "/" + expectedFrames : "";
        String line =
                String.format(
                        "  frames ingested %d%s, lip-synced and encoded %d%s",
                        ingested, total, encoded, total);
        err.print(TERMINAL ? "\r" + line + "   " : line + System.lineSeparator());
        err.flush();
    }

    synchronized void done() {
        err.println();
    }
}
