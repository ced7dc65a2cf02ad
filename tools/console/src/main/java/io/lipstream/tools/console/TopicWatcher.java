package io.lipstream.tools.console;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.TopicReaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one topic on its own thread, outside any consumer group (nothing is committed): every
 * partition from {@code lookback} ago (its beginning when null), then live. Each record goes to the
 * handler with whether it was already in the topic when the watcher started (catching up). A Kafka
 * that cannot be reached or a topic that does not exist yet is retried; {@link #problem()} says
 * what is wrong meanwhile.
 */
final class TopicWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicWatcher.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(2);

    /** Receives each record of the topic. */
    @FunctionalInterface
    interface Handler {
        void accept(ConsumerRecord<byte[], byte[]> record, boolean catchingUp);
    }

    private final KafkaSettings settings;
    private final String topic;
    private final String isolationLevel;
    private final Duration lookback;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile String problem = "connecting";

    TopicWatcher(
            KafkaSettings settings,
            String topic,
            String isolationLevel,
            Duration lookback,
            Handler handler) {
        this.settings = settings;
        this.topic = topic;
        this.isolationLevel = isolationLevel;
        this.lookback = lookback;
        this.handler = handler;
        this.thread = new Thread(this::run, "console-watch-" + topic);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** What keeps this watcher from reading, or null while it reads. */
    String problem() {
        return problem;
    }

    String topic() {
        return topic;
    }

    private void run() {
        while (running) {
            Properties props = TopicReaders.largeRecordFetch();
            props.put("isolation.level", isolationLevel);
            props.put("enable.auto.commit", "false");
            props.put("client.id", "lipsync-console-" + topic);
            try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(
                            settings.clientProperties(props),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                consumer = c;
                if (!running) {
                    return;
                }
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (KafkaException e) {
                problem = "topic " + topic + ": " + e.getMessage();
                LOG.debug("watching {}: {}", topic, e.toString());
            } catch (RuntimeException e) {
                problem = "topic " + topic + ": " + e;
                LOG.warn("watching {} failed, retrying", topic, e);
            }
            sleep(RETRY);
        }
    }

    private void follow(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> partitions = new ArrayList<>();
        while (running && partitions.isEmpty()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                problem = "topic " + topic + " does not exist (yet)";
                sleep(RETRY);
                continue;
            }
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        if (lookback != null) {
            Map<TopicPartition, Long> from = new HashMap<>();
            long since = System.currentTimeMillis() - lookback.toMillis();
            partitions.forEach(p -> from.put(p, since));
            for (Map.Entry<TopicPartition, OffsetAndTimestamp> e :
                    c.offsetsForTimes(from, METADATA_TIMEOUT).entrySet()) {
                if (e.getValue() != null) {
                    c.seek(e.getKey(), e.getValue().offset());
                } else {
                    c.seekToEnd(List.of(e.getKey()));
                }
            }
        }
        Map<TopicPartition, Long> endAtStart = c.endOffsets(partitions, METADATA_TIMEOUT);
        problem = null;
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL)) {
                Long end = endAtStart.get(new TopicPartition(record.topic(), record.partition()));
                handler.accept(record, end != null && record.offset() < end);
            }
        }
    }

    /** Waits before a retry; closing ends the wait at once. */
    private void sleep(Duration duration) {
        try {
            closed.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        closed.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            // Not an interrupt: an interrupted consumer cannot close its fetcher cleanly.
            c.wakeup();
        }
        thread.join(METADATA_TIMEOUT.toMillis() * 2);
    }
}
