package io.lipstream.job.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.job.faces.BlazeFaceDetector;
import io.lipstream.job.faces.DetectorKind;
import io.lipstream.job.faces.FaceSelect;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class FacesOptionsTest {

    @Test
    void shouldDefaultToBlazeFaceFullRangeChoosingTheLargestFace() {
        FacesOptions.Settings s = FacesOptions.Settings.from(new Configuration());
        assertEquals(DetectorKind.BLAZEFACE, s.detector());
        assertEquals(BlazeFaceDetector.Range.FULL, s.blazeFaceRange());
        assertEquals(FaceSelect.LARGEST, s.select());
    }

    @Test
    void shouldReadTheDetectorAndTheChoiceAsUsersWriteThem() {
        FacesOptions.Settings s =
                FacesOptions.Settings.from(
                        Configuration.fromMap(
                                Map.of(
                                        "faces.detector", "haar",
                                        "faces.select", "center",
                                        "faces.blazeface-range", "short",
                                        "faces.reselect-after", "50")));
        assertEquals(DetectorKind.HAAR, s.detector());
        assertEquals(FaceSelect.CENTER, s.select());
        assertEquals(BlazeFaceDetector.Range.SHORT, s.blazeFaceRange());
        assertEquals(50, s.reselectAfter());
    }

    @Test
    void shouldNameTheAllowedValuesOfAMistypedDetector() {
        var e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                FacesOptions.Settings.from(
                                        Configuration.fromMap(
                                                Map.of("faces.detector", "blazefase"))));
        assertTrue(e.getMessage().contains("faces.detector"), e.getMessage());
    }
}
