package io.lipstream.job.audio;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Mel columns per second on one thread for one live stream fed 20 ms chunks, releasing columns as a
 * frame owner would. The {@code columns} counter in the report is the figure (columns/s); 80
 * columns are one second of audio.
 *
 * <p>Run: {@code mvn -o -q -B -pl job -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test -Dspotless.check.skip=true}
 * then {@code java -cp job/target/test-classes:job/target/classes:$(cat
 * job/target/test-classpath.txt) io.lipstream.job.audio.StreamingMelBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StreamingMelBenchmark {
    /** 20 ms at 16 kHz. */
    private static final int CHUNK = Wav2LipAudio.SAMPLE_RATE / 50;

    /** One second of noise, fed round and round. */
    private final float[] signal = new float[Wav2LipAudio.SAMPLE_RATE];

    private StreamingMel mel;
    private int position;

    /** Counts the columns produced; JMH reports it per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Columns {
        public long columns;

        @Setup(Level.Iteration)
        public void reset() {
            columns = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(1);
        for (int i = 0; i < signal.length; i++) {
            signal[i] = random.nextFloat() * 2 - 1;
        }
        mel = new StreamingMel();
        position = 0;
    }

    @Benchmark
    public int push20ms(Columns counter) {
        int added = mel.push(signal, position, CHUNK);
        position = (position + CHUNK) % signal.length;
        mel.releaseBefore(mel.completedColumns() - Wav2LipAudio.MEL_STEP);
        counter.columns += added;
        return added;
    }

    public static void main(String[] args) throws RunnerException {
        Options options =
                new OptionsBuilder()
                        .include(StreamingMelBenchmark.class.getName())
                        .forks(1)
                        .threads(1)
                        .warmupIterations(3)
                        .warmupTime(TimeValue.seconds(1))
                        .measurementIterations(3)
                        .measurementTime(TimeValue.seconds(1))
                        .build();
        new Runner(options).run();
    }
}
