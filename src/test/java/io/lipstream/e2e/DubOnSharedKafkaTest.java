package io.lipstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.cli.Lipsync;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.samples.Samples;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.EmbeddedKafka;
import io.lipstream.tools.media.MediaIngest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsync dub --bootstrap-servers} on a Kafka whose topics already carry another stream, as
 * a shared production Kafka does: the dub lip-syncs its own stream and leaves the other alone (no
 * segment of it on the segment topic), instead of processing the topics' whole history.
 */
class DubOnSharedKafkaTest {
    private static final int FRAMES = 30;
    private static final String OTHER_STREAM = "someone-elses-stream";

    @TempDir Path dir;

    @Test
    void shouldDubItsOwnStreamAndLeaveTheOtherStreamsOfASharedKafkaAlone() throws Exception {
        Path clip = TestClips.firstFrames(dir, FRAMES);
        Path out = dir.resolve("dubbed.mp4");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config = new Configuration();
            config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            KafkaSettings settings = KafkaSettings.from(config);
            Topics.ensure(settings, 1, (short) 1);
            try (MediaIngest ingest = new MediaIngest(settings)) {
                ingest.ingest(new MediaIngest.Request(OTHER_STREAM, clip, null, false, 1, false));
            }
            StringWriter err = new StringWriter();
            var cli = Lipsync.commandLine();
            cli.setErr(new PrintWriter(err, true));

            int exit =
                    cli.execute(
                            "dub",
                            "--video",
                            clip.toString(),
                            "--audio",
                            Samples.SPEECH_WAV.path().toString(),
                            "--out",
                            out.toString(),
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--dashboard-port",
                            "18581");

            assertEquals(0, exit, err.toString());
            assertTrue(Files.size(out) > 0, "the dub wrote " + out);
            Set<String> streams = segmentStreams(settings);
            assertFalse(streams.contains(OTHER_STREAM), "segments were made of " + streams);
            assertEquals(1, streams.size(), "only the dub's own stream: " + streams);
            assertTrue(streams.iterator().next().startsWith("dub-"), streams.toString());
        }
    }

    /** Stream ids of every segment on the topic, committed or not. */
    private static Set<String> segmentStreams(KafkaSettings settings) {
        Set<String> streams = new TreeSet<>();
        try (SegmentTopicReader reader =
                new SegmentTopicReader(settings, SegmentTopicReader.READ_UNCOMMITTED)) {
            List<EncodedSegment> batch = new ArrayList<>();
            int emptyPolls = 0;
            while (emptyPolls < 20) {
                batch = reader.poll();
                emptyPolls = batch.isEmpty() ? emptyPolls + 1 : 0;
                batch.forEach(s -> streams.add(s.getStreamId()));
            }
        }
        return streams;
    }
}
