package io.lipstream.cli;

import java.io.PrintWriter;

/** One status line, rewritten at most twice a second: frames ingested and frames encoded. */
final class Progress {
    private static final long REFRESH_NANOS = 500_000_000L;

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
        err.printf(
                "\r  frames ingested %d%s, lip-synced and encoded %d%s   ",
                ingested, total, encoded, total);
        err.flush();
    }

    synchronized void done() {
        err.println();
    }
}
