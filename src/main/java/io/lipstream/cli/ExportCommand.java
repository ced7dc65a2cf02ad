package io.lipstream.cli;

import io.lipstream.connectors.hls.HlsWriter;
import io.lipstream.connectors.kafka.KafkaSettings;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.media.SegmentCollector;
import io.lipstream.tools.media.SegmentRemuxer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Rebuilds one stream as an MP4 file or an HLS folder from the segment topic, without re-encoding.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description =
                "Write a stream's segments from Kafka to an MP4 (OUT ends in .mp4) or an HLS folder.")
public final class ExportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "ID", description = "Stream id.")
    String streamId;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE.mp4|DIR",
            description = "Output MP4 file or HLS folder.")
    Path out;

    @Option(
            names = "--timeout",
            defaultValue = "60",
            paramLabel = "SECONDS",
            description =
                    "Give up waiting for the stream's last segment after this long (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (kafka.bootstrapServers == null) {
            throw new UserError("export needs --bootstrap-servers HOST:PORT of the Kafka to read");
        }
        KafkaSettings settings = KafkaSettings.from(kafka.configuration());
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        List<EncodedSegment> segments;
        try (SegmentCollector collector = new SegmentCollector(settings)) {
            segments = collector.collect(streamId, s -> {}, () -> System.nanoTime() < deadline);
        }
        if (segments.isEmpty()) {
            throw new UserError(
                    "no segments of stream " + streamId + " in " + settings.segmentTopic());
        }
        boolean complete = segments.get(segments.size() - 1).getLast();
        if (out.getFileName().toString().toLowerCase().endsWith(".mp4")) {
            List<byte[]> data = new ArrayList<>();
            segments.forEach(s -> data.add(Bytes.of(s.getData())));
            SegmentRemuxer.toMp4(data, out);
        } else {
            HlsWriter hls = new HlsWriter(out, streamId);
            for (EncodedSegment s : segments) {
                hls.append(s.getSegmentIndex(), Bytes.of(s.getData()), s.getDurationMicros());
            }
            if (complete) {
                hls.end();
            }
        }
        int frames = segments.stream().mapToInt(EncodedSegment::getFrameCount).sum();
        spec.commandLine()
                .getErr()
                .printf(
                        "Exported stream %s: %d segments, %d frames%s to %s%n",
                        streamId,
                        segments.size(),
                        frames,
                        complete ? "" : " (stream not ended yet)",
                        out);
        return 0;
    }
}
