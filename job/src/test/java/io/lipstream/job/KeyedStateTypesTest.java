package io.lipstream.job;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lipstream.job.align.AudioFrameAligner;
import io.lipstream.job.audio.StreamingMel;
import io.lipstream.job.faces.BoxSmoother;
import io.lipstream.job.faces.FaceTrackState;
import io.lipstream.job.segments.SegmentAssembler;
import io.lipstream.job.stream.AudioSpan;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.job.stream.MelFacePair;
import io.lipstream.job.stream.SyncedFace;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything the job keeps in keyed state or in checkpointed in-flight records is a Flink POJO, so
 * savepoints survive fields being added or removed; with generic types off, any part Flink would
 * hand to Kryo makes {@code createSerializer} throw.
 */
class KeyedStateTypesTest {

    @ParameterizedTest
    @ValueSource(
            classes = {
                FaceTrackState.class,
                BoxSmoother.class,
                AudioFrameAligner.class,
                StreamingMel.class,
                SegmentAssembler.class,
                FaceFrame.class,
                MelFacePair.class,
                SyncedFace.class,
                AudioSpan.class
            })
    void shouldBeSerializedAsAPojoWithoutKryo(Class<?> type) {
        var config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        assertInstanceOf(
                PojoSerializer.class, TypeInformation.of(type).createSerializer(config), type + "");
    }
}
