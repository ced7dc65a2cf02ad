package io.lipstream.job.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One stream's FFmpeg swresample context converting mono float samples from one rate to {@link
 * Wav2LipAudio#SAMPLE_RATE}. It keeps the filter history between calls, so chunk boundaries leave
 * no seam; {@link #drain()} returns the samples still held in the filter at the end.
 */
final class SwrResampler implements AutoCloseable {
    /** Mono in and out: channels are averaged before resampling. */
    private static final int MONO = 1;

    private final int inputRate;
    private SwrContext context;
    private FloatPointer input = new FloatPointer(0L);
    private FloatPointer output = new FloatPointer(0L);

    SwrResampler(int inputRate) {
        this.inputRate = inputRate;
        try (AVChannelLayout mono = new AVChannelLayout();
                PointerPointer<SwrContext> holder = new PointerPointer<>(1L)) {
            av_channel_layout_default(mono, MONO);
            holder.put(0, (Pointer) null); // new pointer arrays are not zeroed; NULL means allocate
            int err =
                    swr_alloc_set_opts2(
                            holder,
                            mono,
                            AV_SAMPLE_FMT_FLT,
                            Wav2LipAudio.SAMPLE_RATE,
                            mono,
                            AV_SAMPLE_FMT_FLT,
                            inputRate,
                            0,
                            null);
            context = holder.get(SwrContext.class, 0);
            if (err < 0 || context == null || context.isNull() || swr_init(context) < 0) {
                close();
                throw new IllegalStateException(
                        "swresample cannot convert "
                                + inputRate
                                + " Hz to "
                                + Wav2LipAudio.SAMPLE_RATE
                                + " Hz (error "
                                + err
                                + ")");
            }
        }
    }

    /** Resamples the next samples of the stream; may return fewer (the filter's delay). */
    float[] resample(float[] samples) {
        ensureOpen();
        if (input.capacity() < samples.length) {
            input.close();
            input = new FloatPointer(samples.length);
        }
        input.put(samples, 0, samples.length);
        return convert(input, samples.length);
    }

    /** The samples still inside the filter, once the stream has ended. */
    float[] drain() {
        ensureOpen();
        return convert(null, 0);
    }

    private float[] convert(FloatPointer in, int count) {
        int room = swr_get_out_samples(context, count);
        if (room < 0) {
            throw new IllegalStateException("swresample failed (error " + room + ")");
        }
        if (output.capacity() < room) {
            output.close();
            output = new FloatPointer(Math.max(room, 1));
        }
        int produced;
        // one plane each (packed mono); PointerPointer(Pointer) would be a cast, not an array
        try (PointerPointer<FloatPointer> outPlanes = planes(output);
                PointerPointer<FloatPointer> inPlanes = in == null ? null : planes(in)) {
            produced = swr_convert(context, outPlanes, room, inPlanes, count);
        }
        if (produced < 0) {
            throw new IllegalStateException(
                    "swresample failed at " + inputRate + " Hz (error " + produced + ")");
        }
        float[] result = new float[produced];
        output.get(result, 0, produced);
        return result;
    }

    private static PointerPointer<FloatPointer> planes(FloatPointer plane) {
        return new PointerPointer<FloatPointer>(1L).put(0, plane);
    }

    private void ensureOpen() {
        if (context == null) {
            throw new IllegalStateException("resampler already closed");
        }
    }

    @Override
    public void close() {
        if (context != null && !context.isNull()) {
            swr_free(context);
        }
        context = null;
        input.close();
        output.close();
    }
}
