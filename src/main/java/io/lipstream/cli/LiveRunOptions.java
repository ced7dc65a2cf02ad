package io.lipstream.cli;

import io.lipstream.tools.media.LiveMetricsEndpoint;
import io.lipstream.tools.media.LiveSource;
import io.lipstream.tools.media.MediaException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The options and the run loop that the live commands ({@code live}, {@code publish}) share: the
 * metrics endpoint, the status line's period, when to say that segments stopped, and a clean stop
 * on Ctrl-C or after {@code --seconds}.
 */
final class LiveRunOptions {
    /** How long a clean stop may take after Ctrl-C before the JVM goes anyway. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "" + LiveMetricsEndpoint.DEFAULT_PORT,
            description =
                    "Port of the live metrics' Prometheus endpoint on 127.0.0.1 (the next free one"
                            + " if busy; default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(
            names = "--status-every",
            paramLabel = "SECONDS",
            defaultValue = "15",
            description = "Print a status line this often (default ${DEFAULT-VALUE}).")
    long statusSeconds;

    @Option(
            names = "--stall-notice",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "Say so when no segment came for this long (default ${DEFAULT-VALUE}).")
    long stallNoticeSeconds;

    /** The receiver of a push: a live URL of a scheme FFmpeg can push to. */
    LiveSource receiver(String to) {
        LiveSource receiver = LiveSources.parse(to);
        if (!receiver.live()
                || receiver.scheme().startsWith("http")
                || receiver.scheme().startsWith("rtsp")) {
            throw new UserError(
                    "cannot push to "
                            + to
                            + ": expected srt://, rtmp(s)://, udp://, tcp:// or rtp:// URL");
        }
        return receiver;
    }

    LiveMetricsEndpoint startMetrics() throws IOException {
        return LiveMetricsEndpoint.start(metricsPort);
    }

    Duration stallNotice() {
        return Duration.ofSeconds(stallNoticeSeconds);
    }

    /**
     * Runs until {@code running} turns false (Ctrl-C), {@code seconds} pass (0: no limit) or a
     * worker fails, printing {@code status} every {@code --status-every} seconds. A worker's {@link
     * MediaException} (a source that never came) is a user error.
     */
    void watch(
            AtomicBoolean running,
            long seconds,
            PrintWriter err,
            Supplier<String> status,
            Supplier<Throwable> failure)
            throws InterruptedException {
        long start = System.nanoTime();
        long nextStatus = start + TimeUnit.SECONDS.toNanos(statusSeconds);
        while (running.get()) {
            TimeUnit.MILLISECONDS.sleep(200);
            Throwable failed = failure.get();
            if (failed instanceof MediaException e) {
                throw new UserError(e.getMessage());
            }
            if (failed != null) {
                throw new IllegalStateException(failed.getMessage(), failed);
            }
            long now = System.nanoTime();
            if (now >= nextStatus) {
                err.println(status.get());
                nextStatus += TimeUnit.SECONDS.toNanos(statusSeconds);
            }
            if (seconds > 0 && now - start >= TimeUnit.SECONDS.toNanos(seconds)) {
                break;
            }
        }
    }

    /** Work of a live command's thread. */
    interface Work {
        void run() throws Exception;
    }

    /** A started daemon thread; its failure, if any, is kept for {@link #failure(Thread)}. */
    static Thread thread(String name, Work work) {
        Worker worker = new Worker(name, work);
        worker.start();
        return worker;
    }

    /** Why a thread from {@link #thread} ended with an error, or null. */
    static Throwable failure(Thread thread) {
        return thread instanceof Worker worker ? worker.failure : null;
    }

    private static final class Worker extends Thread {
        private final Work work;
        private volatile Throwable failure;

        Worker(String name, Work work) {
            super(name);
            this.work = work;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                work.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    /** Ctrl-C turns {@code running} false and waits (boundedly) for the command to finish. */
    static Shutdown onCtrlC(AtomicBoolean running) {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook =
                new Thread(
                        () -> {
                            running.set(false);
                            try {
                                done.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "live-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return new Shutdown(hook, done);
    }

    /** The Ctrl-C hook of a command; {@link #done()} once the command has stopped. */
    record Shutdown(Thread hook, CountDownLatch latch) {
        void done() {
            latch.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already stopping.
            }
        }
    }
}
