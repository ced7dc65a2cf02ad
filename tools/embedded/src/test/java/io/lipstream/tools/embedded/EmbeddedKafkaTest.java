package io.lipstream.tools.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void shouldListenOnLoopbackOnly() {
        assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
    }

    @Test
    void shouldCarryAFrameSizedRecordThroughTheTopicsItCreates() throws Exception {
        KafkaSettings settings = settings();
        Topics.ensure(settings, 1, (short) 1);
        byte[] frame = new byte[3 * 1024 * 1024]; // larger than Kafka's 1 MiB default
        frame[frame.length - 1] = 42;
        Properties producerProps = new Properties();
        producerProps.put("max.request.size", String.valueOf(EmbeddedKafka.MAX_MESSAGE_BYTES));
        try (var producer =
                new KafkaProducer<>(
                        settings.clientProperties(producerProps),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(settings.videoTopic(), "s".getBytes(), frame)).get();
        }
        Properties consumerProps = new Properties();
        consumerProps.put("group.id", "test");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put(
                "max.partition.fetch.bytes", String.valueOf(EmbeddedKafka.MAX_MESSAGE_BYTES));
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (var consumer =
                new KafkaConsumer<>(
                        settings.clientProperties(consumerProps),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(settings.videoTopic()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        assertEquals(1, read.size());
        assertArrayEquals(frame, read.get(0).value());
    }

    @Test
    void shouldNeverPrintPassThroughClientSecrets() {
        Properties secret = new Properties();
        secret.put("sasl.jaas.config", "password=\"hunter2\"");
        KafkaSettings base = settings();
        KafkaSettings withSecret =
                new KafkaSettings(
                        base.bootstrapServers(),
                        base.audioTopic(),
                        base.videoTopic(),
                        base.segmentTopic(),
                        base.deadLetterTopic(),
                        base.groupId(),
                        base.transactionalIdPrefix(),
                        base.transactionTimeoutMs(),
                        secret,
                        null);
        assertFalse(withSecret.toString().contains("hunter2"), withSecret.toString());
        assertEquals(
                "password=\"hunter2\"",
                withSecret.clientProperties(new Properties()).get("sasl.jaas.config"));
    }

    private static KafkaSettings settings() {
        Configuration config = new Configuration();
        config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        return KafkaSettings.from(config);
    }
}
