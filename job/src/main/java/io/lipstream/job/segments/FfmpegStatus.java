package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

/** Turns FFmpeg's negative return codes into {@link SegmentEncodingException}s. */
final class FfmpegStatus {
    /** Enough for any av_strerror text (AV_ERROR_MAX_STRING_SIZE is 64). */
    private static final int ERROR_TEXT_BYTES = 256;

    private FfmpegStatus() {}

    /** Returns {@code ret} when it is not an error, else throws saying what {@code call} did. */
    static int check(int ret, String call) throws SegmentEncodingException {
        if (ret < 0) {
            throw new SegmentEncodingException(
                    call + ": expected success, FFmpeg returned " + ret + " (" + text(ret) + ")");
        }
        return ret;
    }

    static String text(int ret) {
        byte[] buffer = new byte[ERROR_TEXT_BYTES];
        av_strerror(ret, buffer, buffer.length);
        int end = 0;
        while (end < buffer.length && buffer[end] != 0) {
            end++;
        }
        return new String(buffer, 0, end, java.nio.charset.StandardCharsets.UTF_8);
    }
}
