package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.kafka.Topics;
import io.lipstream.tools.media.MediaException;
import io.lipstream.tools.media.MediaIngest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Streams a file or live source into the audio and video topics of any Kafka. */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description =
                "Stream a video (and optionally separate audio) into lipstream's Kafka topics as one stream.")
public final class IngestCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--video",
            required = true,
            paramLabel = "IN",
            description = "Video file or live source URL FFmpeg reads.")
    Path video;

    @Option(
            names = "--audio",
            paramLabel = "NEW",
            description = "The new audio; default: the video's own audio track.")
    Path audio;

    @Option(
            names = "--stream",
            required = true,
            paramLabel = "ID",
            description = "Stream id (the Kafka key).")
    String streamId;

    @Option(names = "--realtime", description = "Pace records like a live source.")
    boolean realtime;

    @Option(
            names = "--loop",
            defaultValue = "1",
            paramLabel = "N",
            description = "Send the media N times back to back (default ${DEFAULT-VALUE}).")
    int loops;

    @Option(names = "--forever", description = "Loop until interrupted.")
    boolean forever;

    @Mixin StackOptions stack;

    @Override
    public Integer call() throws Exception {
        if (stack.bootstrapServers == null) {
            throw new UserError(
                    "ingest needs --bootstrap-servers HOST:PORT of the Kafka to send to");
        }
        KafkaSettings settings = KafkaSettings.from(stack.configuration());
        Topics.ensure(settings, 1);
        try (MediaIngest ingest = new MediaIngest(settings)) {
            long frames =
                    ingest.ingest(
                            new MediaIngest.Request(
                                    streamId, video, audio, realtime, loops, forever));
            spec.commandLine()
                    .getErr()
                    .printf(
                            "Sent stream %s: %d frames, %.2f s of audio to %s%n",
                            streamId,
                            frames,
                            ingest.samplesSent() / (double) MediaIngest.SAMPLE_RATE,
                            settings.bootstrapServers());
        } catch (MediaException e) {
            throw new UserError(e.getMessage());
        }
        return 0;
    }
}
