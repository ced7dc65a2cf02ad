package io.lipstream.job.segments;

/**
 * A segment of one stream cut by {@link AssembleSegments}, on its way to {@link EncodeSegments}:
 * its frames (still as their images were sent, with the faces to paste) and its audio.
 */
public record AssembledSegment(String streamId, SegmentAssembler.ReadySegment segment) {}
