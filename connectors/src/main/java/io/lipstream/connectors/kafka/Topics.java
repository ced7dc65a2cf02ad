package io.lipstream.connectors.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates lipstream's four topics when they do not exist yet, sized for video records. */
public final class Topics {
    /** Largest record lipstream writes or reads: a 4K raw BGR frame is about 25 MB. */
    public static final int MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

    private Topics() {}

    /**
     * Creates the missing topics with {@code partitions} partitions each and the brokers' default
     * replication factor ({@code default.replication.factor}: 1 on the embedded broker, 3 on the
     * local cluster).
     */
    public static void ensure(KafkaSettings settings, int partitions) {
        ensure(settings, partitions, Optional.empty());
    }

    /** Creates the missing topics with {@code partitions} partitions each, replicated as given. */
    public static void ensure(KafkaSettings settings, int partitions, short replication) {
        ensure(settings, partitions, Optional.of(replication));
    }

    private static void ensure(
            KafkaSettings settings, int partitions, Optional<Short> replication) {
        Properties props = settings.clientProperties(new Properties());
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic :
                    List.of(
                            settings.audioTopic(),
                            settings.videoTopic(),
                            settings.segmentTopic(),
                            settings.deadLetterTopic())) {
                if (!existing.contains(topic)) {
                    missing.add(
                            new NewTopic(topic, Optional.of(partitions), replication)
                                    .configs(
                                            Map.of(
                                                    "max.message.bytes",
                                                    String.valueOf(MAX_MESSAGE_BYTES))));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new KafkaAccessException(
                    "cannot create topics on "
                            + settings.bootstrapServers()
                            + ": "
                            + cause.getClass().getSimpleName()
                            + ": "
                            + cause.getMessage(),
                    cause);
        }
    }
}
