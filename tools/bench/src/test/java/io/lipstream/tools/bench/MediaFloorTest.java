package io.lipstream.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.options.SegmentOptions;
import io.lipstream.samples.Samples;
import io.lipstream.tools.media.MediaProbe;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class MediaFloorTest {
    @Test
    void shouldMeasureEveryFrameOfTheVideoWithThePipelinesEncoder() throws Exception {
        var video = Samples.TALKING_ASTRONAUT_MP4.path();

        MediaFloor.Result floor =
                MediaFloor.measure(video, SegmentOptions.Settings.from(new Configuration()));

        MediaProbe probe = MediaProbe.of(video);
        assertEquals(probe.frameCountEstimate(), floor.frames(), 2.0);
        assertEquals(640, floor.width());
        assertEquals(360, floor.height());
        assertTrue(floor.encoder().startsWith("lib"), floor.encoder());
        assertTrue(floor.jpegDecodeMs() > 0 && floor.segmentEncodeMs() > 0, floor.toString());
        assertTrue(floor.sourceDecodeMs() > 0 && floor.jpegEncodeMs() > 0, floor.toString());
        assertEquals(floor.jpegDecodeMs() + floor.segmentEncodeMs(), floor.floorMs(), 1e-9);

        Map<String, Object> ratios = floor.ratios(3 * floor.floorMs(), floor.floorMs());
        assertEquals(3.0, (Double) ratios.get("rest_over_floor"), 1e-9);
        assertEquals(2.0, (Double) ratios.get("rest_without_client_over_floor"), 1e-9);
    }
}
