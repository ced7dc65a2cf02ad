package io.lipstream.connectors.media;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Turns FFmpeg's negative return codes into exceptions that say which call failed: {@link
 * IOException}s by default, or the boundary's own exception type (the segment encoder's, say).
 */
public final class FfmpegStatus {
    /** Enough for any av_strerror text (AV_ERROR_MAX_STRING_SIZE is 64). */
    private static final int ERROR_TEXT_BYTES = 256;

    private FfmpegStatus() {}

    /** Returns {@code ret} when it is not an error, else throws saying what {@code call} did. */
    public static int check(int ret, String call) throws IOException {
        return check(ret, call, IOException::new);
    }

    /** As {@link #check(int, String)}, throwing {@code failure} of the message instead. */
    public static <E extends Exception> int check(int ret, String call, Function<String, E> failure)
            throws E {
        if (ret < 0) {
            throw failure.apply(
                    call + ": expected success, FFmpeg returned " + ret + " (" + text(ret) + ")");
        }
        return ret;
    }

    /** FFmpeg's own words for the error code {@code ret}. */
    public static String text(int ret) {
        byte[] buffer = new byte[ERROR_TEXT_BYTES];
        av_strerror(ret, buffer, buffer.length);
        int end = 0;
        while (end < buffer.length && buffer[end] != 0) {
            end++;
        }
        return new String(buffer, 0, end, StandardCharsets.UTF_8);
    }
}
