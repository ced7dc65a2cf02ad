package io.lipstream.job.segments;

/** Turns FFmpeg's negative return codes into {@link SegmentEncodingException}s. */
final class FfmpegStatus {
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
        return io.lipstream.connectors.media.FfmpegStatus.text(ret);
    }
}
