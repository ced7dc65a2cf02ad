package io.lipstream.tools.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job's state as the console reads it from a real Flink's REST API: running, then not. */
class FlinkJobStatusTest {
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(localhostOnly())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    private static Configuration localhostOnly() {
        Configuration config = new Configuration();
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        config.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        config.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        config.set(TaskManagerOptions.HOST, "127.0.0.1");
        return config;
    }

    @Test
    void shouldSayWhetherTheJobRuns(@InjectClusterRESTAddress java.net.URI rest) throws Exception {
        FlinkJobStatus status = new FlinkJobStatus("http://127.0.0.1:" + rest.getPort());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, Long.MAX_VALUE).map(new Slowly()).sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("lipsync test job");

        FlinkJobStatus.View running = await(status, v -> "RUNNING".equals(v.state()));
        assertEquals("lipsync test job", running.jobName());
        assertEquals(job.getJobID().toHexString(), running.jobId());
        assertNull(running.problem());

        job.cancel().get();
        FlinkJobStatus.View cancelled = await(status, v -> "CANCELED".equals(v.state()));
        assertTrue(cancelled.reachable());
        assertEquals("the job is not running: CANCELED", cancelled.problem());
    }

    private static FlinkJobStatus.View await(
            FlinkJobStatus status, Predicate<FlinkJobStatus.View> done) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        FlinkJobStatus.View view = null;
        while (System.nanoTime() < deadline) {
            view = status.read();
            if (done.test(view)) {
                return view;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the job's state did not get there: " + view);
    }

    /** Keeps the job running without spinning a core. */
    private static final class Slowly implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(10);
            return value;
        }
    }
}
