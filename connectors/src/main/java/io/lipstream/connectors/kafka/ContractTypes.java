package io.lipstream.connectors.kafka;

import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.EncodedSegment;
import io.lipstream.schema.RejectedRecord;
import io.lipstream.schema.VideoFrame;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/** Flink type information for the Avro contract types (serialized with Avro, not Kryo). */
public final class ContractTypes {
    public static final TypeInformation<RejectedRecord> REJECTED =
            new AvroTypeInfo<>(RejectedRecord.class);
    public static final TypeInformation<AudioChunk> AUDIO = new AvroTypeInfo<>(AudioChunk.class);
    public static final TypeInformation<VideoFrame> VIDEO = new AvroTypeInfo<>(VideoFrame.class);
    public static final TypeInformation<EncodedSegment> SEGMENT =
            new AvroTypeInfo<>(EncodedSegment.class);

    private ContractTypes() {}
}
