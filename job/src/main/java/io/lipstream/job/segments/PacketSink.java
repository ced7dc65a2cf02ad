package io.lipstream.job.segments;

import org.bytedeco.ffmpeg.avcodec.AVPacket;

/** Takes an encoded packet (timestamps in the encoder's time base); leaves it unreferenced. */
@FunctionalInterface
interface PacketSink {
    void accept(AVPacket packet) throws SegmentEncodingException;
}
