package io.lipstream.job.stream;

/**
 * A run of a stream's audio converted to 16 kHz mono, in stream order without gaps (gaps are filled
 * with silence upstream): what the segment encoder muxes with the frames.
 */
public class AudioSpan {
    public String streamId;

    /** Offset of samples[0] on the stream clock, in 16 kHz samples. */
    public long startSample;

    public float[] samples;

    /** True on the stream's final span. */
    public boolean last;

    public AudioSpan() {}

    public AudioSpan(String streamId, long startSample, float[] samples, boolean last) {
        this.streamId = streamId;
        this.startSample = startSample;
        this.samples = samples;
        this.last = last;
    }
}
