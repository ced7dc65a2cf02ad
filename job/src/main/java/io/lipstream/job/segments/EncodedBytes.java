package io.lipstream.job.segments;

/**
 * One encoded segment.
 *
 * @param data the container bytes (MPEG-TS, or fragmented MP4 with its own init segment)
 * @param codecs RFC 6381 codecs of the tracks, video first, e.g. {@code avc1.42c01e,mp4a.40.2}
 *     (read from the encoded SPS and the AAC profile)
 * @param startPtsMicros the first frame's time on the stream clock, microseconds
 * @param durationMicros the frames' total duration (frame count / nominal rate), microseconds
 */
public record EncodedBytes(byte[] data, String codecs, long startPtsMicros, long durationMicros) {}
