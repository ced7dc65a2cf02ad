package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;

/**
 * Which H.264 encoders this FFmpeg build has, in the order to try them. The default javacv build
 * has libopenh264 (and NVENC); the {@code -gpl} build adds libx264, which is preferred when
 * present.
 */
final class H264Encoders {
    static final String NVENC = "h264_nvenc";
    static final String X264 = "libx264";
    static final String OPENH264 = "libopenh264";

    private H264Encoders() {}

    /** Encoder names to try in order: NVENC first when {@code gpu}, then the CPU encoder. */
    static List<String> candidates(boolean gpu) {
        List<String> names = new ArrayList<>();
        if (gpu && present(NVENC)) {
            names.add(NVENC);
        }
        if (present(X264)) {
            names.add(X264);
        } else if (present(OPENH264)) {
            names.add(OPENH264);
        }
        return names;
    }

    static boolean present(String name) {
        AVCodec codec = avcodec_find_encoder_by_name(name);
        return codec != null && !codec.isNull();
    }
}
