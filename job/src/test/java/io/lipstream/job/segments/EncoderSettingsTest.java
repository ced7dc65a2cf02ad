package io.lipstream.job.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lipstream.schema.Container;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EncoderSettingsTest {

    @ParameterizedTest(name = "{0} with preset {1}: {2}")
    @CsvSource(
            nullValues = "(own)",
            value = {
                // The live default: veryfast for libx264; NVENC's preset names are not x264's,
                // so it keeps its own, as does libopenh264 (which has none).
                "libx264, default, veryfast",
                "h264_nvenc, default, (own)",
                "libopenh264, default, (own)",
                // A preset the user names is passed as given.
                "libx264, medium, medium",
                "libx264, ultrafast, ultrafast",
                "h264_nvenc, p5, p5",
            })
    void shouldPickVeryfastForLibx264ByDefaultAndPassANamedPresetAsGiven(
            String encoder, String preset, String expected) {
        EncoderSettings settings =
                new EncoderSettings(
                        Container.MPEGTS, 1, preset, 0, EncoderSettings.DEFAULT_AUDIO_BITRATE);

        assertEquals(Optional.ofNullable(expected), settings.presetFor(encoder));
    }
}
