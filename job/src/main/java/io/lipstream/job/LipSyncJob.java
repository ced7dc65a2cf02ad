package io.lipstream.job;

import io.lipstream.connectors.kafka.ContractChecks;
import io.lipstream.connectors.kafka.ContractTypes;
import io.lipstream.connectors.kafka.DecodeRecords;
import io.lipstream.connectors.kafka.RawRecord;
import io.lipstream.connectors.serde.SingleObjectCodec;
import io.lipstream.job.align.AlignAudioToFrames;
import io.lipstream.job.align.TrackFaces;
import io.lipstream.job.inference.BatchedLipSyncInference;
import io.lipstream.job.segments.AssembleSegments;
import io.lipstream.job.segments.AssembledSegment;
import io.lipstream.job.segments.EncodeSegments;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.job.stream.SyncedFace;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.VideoFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The lip-sync pipeline: audio and video records in, encoded segments and dead letters out.
 *
 * <pre>
 * audio --DecodeAudioChunks--------------------------+
 *                                                    +--AlignAudioToFrames--BatchedLipSyncInference--+
 * video --DecodeVideoFrames--TrackFaces--------------+        | 16 kHz audio                          |
 *                                                             +--------------------------AssembleSegments
 *                                                                  (reorder, cut)                      |
 *                                EncodeSegments (decode, paste, encode on encoder threads) <-----------+
 * </pre>
 *
 * Sources and sinks are given, so tests run the same pipeline on embedded parts; {@code main}
 * wiring (Kafka or otherwise) lives in the command line.
 */
public final class LipSyncJob {
    private static final Duration SOURCE_IDLENESS = Duration.ofSeconds(5);

    private final Source<RawRecord, ?, ?> audio;
    private final Source<RawRecord, ?, ?> video;
    private final List<Sink<EncodedSegment>> segmentSinks;
    private final Sink<RejectedRecord> deadLetters;
    private final LipSyncSettings settings;

    public LipSyncJob(
            Source<RawRecord, ?, ?> audio,
            Source<RawRecord, ?, ?> video,
            List<Sink<EncodedSegment>> segmentSinks,
            Sink<RejectedRecord> deadLetters,
            LipSyncSettings settings) {
        this.audio = audio;
        this.video = video;
        this.segmentSinks = segmentSinks;
        this.deadLetters = deadLetters;
        this.settings = settings;
    }

    /** The records of {@code job.stream-ids} alone, when that is set. */
    private DataStream<RawRecord> selected(DataStream<RawRecord> records) {
        if (settings.streamIds().isEmpty()) {
            return records;
        }
        return records.filter(new SelectStreams(settings.streamIds())).name("SelectStreams");
    }

    /** Adds the pipeline to {@code env} (checkpointing included); the caller executes it. */
    public void build(StreamExecutionEnvironment env) {
        env.setParallelism(settings.parallelism());
        env.enableCheckpointing(settings.checkpointInterval().toMillis());

        WatermarkStrategy<RawRecord> watermarks =
                WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(settings.maxOutOfOrderness())
                        .withTimestampAssigner((record, previous) -> record.timestamp)
                        .withIdleness(SOURCE_IDLENESS);

        SingleOutputStreamOperator<AudioChunk> chunks =
                selected(env.fromSource(audio, watermarks, "AudioChunks").uid("audio-source"))
                        .process(
                                new DecodeRecords<>(
                                        SingleObjectCodec.of(AudioChunk.class),
                                        ContractChecks.audio()),
                                ContractTypes.AUDIO)
                        .uid("decode-audio")
                        .name("DecodeAudioChunks");

        var faces = settings.faces();
        SingleOutputStreamOperator<VideoFrame> frames =
                selected(env.fromSource(video, watermarks, "VideoFrames").uid("video-source"))
                        .process(
                                new DecodeRecords<>(
                                        SingleObjectCodec.of(VideoFrame.class),
                                        ContractChecks.video(
                                                faces.maxWidth(),
                                                faces.maxHeight(),
                                                faces.maxBytes())),
                                ContractTypes.VIDEO)
                        .uid("decode-video")
                        .name("DecodeVideoFrames");

        SingleOutputStreamOperator<FaceFrame> tracked =
                frames.keyBy(VideoFrame::getStreamId)
                        .process(new TrackFaces(faces, settings.faceSize(), settings.videoTopic()))
                        .returns(TypeInformation.of(FaceFrame.class))
                        .uid("track-faces")
                        .name("TrackFaces");

        SingleOutputStreamOperator<MelFacePair> pairs =
                chunks.keyBy(AudioChunk::getStreamId)
                        .connect(tracked.keyBy(frame -> frame.streamId))
                        .process(new AlignAudioToFrames(settings.alignment()))
                        .returns(TypeInformation.of(MelFacePair.class))
                        .uid("align-audio-to-frames")
                        .name("AlignAudioToFrames");

        var inference = settings.inference();
        DataStream<SyncedFace> synced =
                AsyncDataStream.unorderedWait(
                                pairs,
                                new BatchedLipSyncInference(inference),
                                inference.timeout().toMillis(),
                                TimeUnit.MILLISECONDS,
                                inference.operatorCapacity())
                        .returns(TypeInformation.of(SyncedFace.class))
                        .uid("batched-lipsync-inference")
                        .name("BatchedLipSyncInference");

        DataStream<AudioSpan> audio16k = pairs.getSideOutput(AlignAudioToFrames.AUDIO);
        var segmentSettings = settings.segments();
        SingleOutputStreamOperator<AssembledSegment> assembled =
                synced.keyBy(face -> face.frame.streamId)
                        .connect(audio16k.keyBy(span -> span.streamId))
                        .process(new AssembleSegments(segmentSettings))
                        .returns(TypeInformation.of(AssembledSegment.class))
                        // The uid this keyed state had when one operator also encoded: savepoints
                        // taken before the split restore into it.
                        .uid("encode-segments")
                        .name("AssembleSegments");
        // Ordered: each stream's segments leave in the order they were cut, while the segments
        // of all streams encode at once on the encoder threads.
        SingleOutputStreamOperator<EncodedSegment> segments =
                AsyncDataStream.orderedWait(
                                assembled,
                                new EncodeSegments(segmentSettings, faces),
                                segmentSettings.encodeTimeout().toMillis(),
                                TimeUnit.MILLISECONDS,
                                EncodeSegments.capacity(segmentSettings))
                        .returns(ContractTypes.SEGMENT)
                        .uid("encode-segment-media")
                        .name("EncodeSegments");

        for (int i = 0; i < segmentSinks.size(); i++) {
            segments.sinkTo(segmentSinks.get(i)).uid("segment-sink-" + i).name("SegmentSink" + i);
        }

        chunks.getSideOutput(DecodeRecords.REJECTED)
                .union(
                        frames.getSideOutput(DecodeRecords.REJECTED),
                        tracked.getSideOutput(DecodeRecords.REJECTED))
                .sinkTo(deadLetters)
                .uid("dead-letter-sink")
                .name("DeadLetters");
    }
}
