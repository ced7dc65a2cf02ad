package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.connectors.serde.Bytes;
import io.lipstream.job.options.JobOptions;
import io.lipstream.job.options.SegmentOptions;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.tools.embedded.LipSyncRun;
import io.lipstream.tools.media.MediaException;
import io.lipstream.tools.media.MediaIngest;
import io.lipstream.tools.media.MediaProbe;
import io.lipstream.tools.media.SegmentCollector;
import io.lipstream.tools.media.SegmentRemuxer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Dubs a file through the real pipeline: ingests the video's frames and the new audio into Kafka as
 * one stream, runs the Flink job, collects the stream's segments and writes one MP4 with as many
 * frames as the input video, at its frame rate, with the new audio.
 */
@Command(
        name = "dub",
        mixinStandardHelpOptions = true,
        description = {
            "Re-draw the mouth of a video to match new audio and write an MP4.",
            "Runs the streaming pipeline end to end: Kafka in, Flink, ONNX Runtime, segments out."
        })
public final class DubCommand implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DubCommand.class);

    /** How far before its start a dub reads the input topics from. */
    private static final Duration START_MARGIN = Duration.ofSeconds(10);

    @Spec CommandSpec spec;

    @Option(
            names = "--video",
            required = true,
            paramLabel = "IN",
            description = "The original video (any format FFmpeg reads).")
    Path video;

    @Option(
            names = "--audio",
            required = true,
            paramLabel = "NEW",
            description = "The new audio (any format FFmpeg reads; converted to 16 kHz mono).")
    Path audio;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT.mp4",
            description = "The dubbed MP4 to write.")
    Path out;

    @Option(
            names = "--hls",
            paramLabel = "DIR",
            description = "Also write the stream as HLS under DIR/<streamId>/.")
    Path hls;

    @Mixin ModelOption model;

    @Mixin StackOptions stack;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        MediaProbe videoProbe = probe(video, "video");
        if (!videoProbe.hasVideo()) {
            throw new UserError("no video stream in " + video);
        }
        MediaProbe audioProbe = probe(audio, "audio");
        if (!audioProbe.hasAudio()) {
            throw new UserError("no audio stream in " + audio);
        }
        Configuration config = stack.configuration();
        model.applyTo(config);
        if (hls != null) {
            config.set(SegmentOptions.HLS_DIR, hls.toAbsolutePath().toString());
        }
        String streamId = "dub-" + UUID.randomUUID().toString().substring(0, 8);
        isolate(config, streamId);
        long started = System.nanoTime();
        LipSyncRun run = stack.start(config, "lipsync dub " + video.getFileName());
        try (run) {
            err.println("Flink dashboard: " + run.dashboardUrl());
            if (run.generatedModel()) {
                err.println(
                        "No --model given: using the generated identity model, which does NOT move"
                                + " lips (see README, 'Bring a real Wav2Lip model').");
            }
            err.printf(
                    "Dubbing %s (%dx%d, %d/%d fps) with %s as stream %s%n",
                    video,
                    videoProbe.width(),
                    videoProbe.height(),
                    videoProbe.fpsNum(),
                    videoProbe.fpsDen(),
                    audio,
                    streamId);
            List<EncodedSegment> segments = dub(run, streamId, err, videoProbe);
            List<byte[]> data = new ArrayList<>(segments.size());
            int frames = 0;
            int synced = 0;
            for (EncodedSegment s : segments) {
                data.add(Bytes.of(s.getData()));
                frames += s.getFrameCount();
                synced += s.getLipSyncedFrames();
            }
            SegmentRemuxer.toMp4(data, out);
            err.printf(
                    "Wrote %s: %d frames (%d lip-synced, %d passed through), %d segments, in %.1f s%n",
                    out,
                    frames,
                    synced,
                    frames - synced,
                    segments.size(),
                    (System.nanoTime() - started) / 1e9);
        }
        return 0;
    }

    private List<EncodedSegment> dub(
            LipSyncRun run, String streamId, PrintWriter err, MediaProbe videoProbe)
            throws Exception {
        AtomicReference<Throwable> ingestFailure = new AtomicReference<>();
        AtomicLong framesEncoded = new AtomicLong();
        try (MediaIngest ingest = new MediaIngest(run.kafkaSettings());
                SegmentCollector collector = new SegmentCollector(run.kafkaSettings())) {
            Thread ingestThread =
                    new Thread(
                            () -> {
                                try {
                                    ingest.ingest(
                                            new MediaIngest.Request(
                                                    streamId, video, audio, false, 1, false));
                                } catch (Throwable t) {
                                    ingestFailure.set(t);
                                }
                            },
                            "ingest");
            ingestThread.setDaemon(true);
            ingestThread.start();
            Progress progress = new Progress(err, videoProbe.frameCountEstimate());
            List<EncodedSegment> segments =
                    collector.collect(
                            streamId,
                            s -> {
                                framesEncoded.addAndGet(s.getFrameCount());
                                progress.show(ingest.framesSent(), framesEncoded.get());
                            },
                            () -> {
                                progress.show(ingest.framesSent(), framesEncoded.get());
                                return ingestFailure.get() == null && !run.jobEnded();
                            });
            progress.done();
            if (ingestFailure.get() != null) {
                LOG.warn("ingest failed", ingestFailure.get());
                throw new UserError("ingest failed: " + ingestFailure.get().getMessage());
            }
            if (segments.isEmpty() || !segments.get(segments.size() - 1).getLast()) {
                // A failed job (or one restarted past its strategy) ends the dub at once, with
                // its root cause in one line; the full trace goes to the log.
                LOG.error(
                        "the job ended before the stream was complete", run.failure().orElse(null));
                throw new UserError(
                        "the stream is incomplete ("
                                + framesEncoded.get()
                                + " frames encoded): "
                                + run.endedLine());
            }
            return segments;
        }
    }

    private static MediaProbe probe(Path path, String what) {
        try {
            return MediaProbe.of(path);
        } catch (MediaException e) {
            throw new UserError(what + ": " + e.getMessage());
        }
    }

    /**
     * Makes this one-shot job touch its own stream only, so it can share a Kafka with other jobs
     * and dubs: it reads from now on (not the topics' history), skips every other stream, and uses
     * its own consumer group and transactional ids, so no two jobs fence each other. Options the
     * user set with {@code -D} are kept.
     */
    private static void isolate(Configuration config, String streamId) {
        if (!config.contains(JobOptions.STREAM_IDS)) {
            config.set(JobOptions.STREAM_IDS, List.of(streamId));
        }
        if (!config.contains(KafkaOptions.START_TIMESTAMP_MS)) {
            // Records are stamped when sent, after this; the margin covers a skewed broker clock.
            config.set(
                    KafkaOptions.START_TIMESTAMP_MS,
                    System.currentTimeMillis() - START_MARGIN.toMillis());
        }
        if (!config.contains(KafkaOptions.GROUP_ID)) {
            config.set(KafkaOptions.GROUP_ID, "lipstream-" + streamId);
        }
        if (!config.contains(KafkaOptions.TRANSACTIONAL_ID_PREFIX)) {
            config.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, "lipstream-" + streamId);
        }
    }
}
