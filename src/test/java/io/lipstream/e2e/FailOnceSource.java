package io.lipstream.e2e;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.watermark.WatermarkDeclaration;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A real source (say, a {@code KafkaSource}) that crashes its task once: the first time a
 * checkpoint completes after the test has armed it, one reader throws {@link InjectedFailure}.
 * Everything else is delegated unchanged, so the job under test is the production pipeline.
 *
 * <p>Failing in {@code notifyCheckpointComplete} is the hard case for exactly-once: the checkpoint
 * is complete, and the segment sink is committing that checkpoint's transactions while the job goes
 * down. Arming and firing are marker files, so the crash happens once across restarts and subtasks
 * (the file that records firing is created atomically).
 */
final class FailOnceSource<T, S extends SourceSplit, E>
        implements Source<T, S, E>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> delegate;
    private final Trigger trigger;

    FailOnceSource(Source<T, S, E> delegate, Trigger trigger) {
        this.delegate = delegate;
        this.trigger = trigger;
    }

    /** The failure the test injects; its message is what the job's exception history shows. */
    static final class InjectedFailure extends Exception {
        private static final long serialVersionUID = 1L;

        InjectedFailure(long checkpointId) {
            super("injected failure after checkpoint " + checkpointId + " completed");
        }
    }

    /** When to fail: once {@code armed} exists, and only if {@code fired} does not yet. */
    record Trigger(String armed, String fired) implements Serializable {
        static Trigger in(Path dir) {
            return new Trigger(dir.resolve("armed").toString(), dir.resolve("fired").toString());
        }

        /** Lets the next completed checkpoint fail the job. */
        void arm() throws IOException {
            Files.createFile(Path.of(armed));
        }

        boolean hasFired() {
            return Files.exists(Path.of(fired));
        }

        /** True exactly once across all readers and restarts: the caller must fail now. */
        boolean fireNow() {
            if (!Files.exists(Path.of(armed))) {
                return false;
            }
            try {
                Files.createFile(Path.of(fired));
                return true;
            } catch (FileAlreadyExistsException already) {
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<T> getProducedType() {
        return ((ResultTypeQueryable<T>) delegate).getProducedType();
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context)
            throws Exception {
        return delegate.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint)
            throws Exception {
        return delegate.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    @Override
    public Set<? extends WatermarkDeclaration> declareWatermarks() {
        return delegate.declareWatermarks();
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
        return new Reader<>(delegate.createReader(context), trigger);
    }

    private static final class Reader<T, S extends SourceSplit> implements SourceReader<T, S> {
        private final SourceReader<T, S> delegate;
        private final Trigger trigger;

        Reader(SourceReader<T, S> delegate, Trigger trigger) {
            this.delegate = delegate;
            this.trigger = trigger;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
            if (trigger.fireNow()) {
                throw new InjectedFailure(checkpointId);
            }
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            delegate.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            return delegate.pollNext(output);
        }

        @Override
        public List<S> snapshotState(long checkpointId) {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return delegate.isAvailable();
        }

        @Override
        public void addSplits(List<S> splits) {
            delegate.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            delegate.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            delegate.handleSourceEvents(event);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            delegate.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }
}
