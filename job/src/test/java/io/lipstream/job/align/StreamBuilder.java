package io.lipstream.job.align;

import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.stream.FaceFrame;
import io.lipstream.schema.AudioChunk;
import io.lipstream.schema.ImageCodec;
import io.lipstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Test data for one or many streams: audio by time range, frames by index (25 fps). */
final class StreamBuilder {
    static final int RATE = 16000;
    static final int FPS = 25;
    static final int FACE = 96;

    private StreamBuilder() {}

    /** The test signal: a tone whose pitch depends on the stream, so streams differ. */
    static float sample(String stream, long i) {
        double f = 200 + 37 * Math.floorMod(stream.hashCode(), 20);
        return (float) (0.4 * Math.sin(2 * Math.PI * f * i / RATE) + 0.1 * Math.sin(0.37 * i));
    }

    /** The whole signal of a stream from 0 to {@code toMs}, as the offline reference sees it. */
    static float[] signal(String stream, long toMs) {
        float[] s = new float[(int) (toMs * RATE / 1000)];
        for (int i = 0; i < s.length; i++) {
            s[i] = quantized(sample(stream, i));
        }
        return s;
    }

    /** S16LE audio of {@code [fromMs, toMs)} of a stream. */
    static AudioChunk audio(String stream, long fromMs, long toMs, boolean last) {
        long from = fromMs * RATE / 1000;
        long to = toMs * RATE / 1000;
        ByteBuffer pcm = ByteBuffer.allocate((int) (to - from) * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = from; i < to; i++) {
            pcm.putShort((short) Math.round(quantized(sample(stream, i)) * 32768));
        }
        pcm.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setSeq(fromMs)
                .setStartSample(from)
                .setSampleRate(RATE)
                .setChannels(1)
                .setFormat(SampleFormat.S16LE)
                .setPcm(pcm)
                .setLast(last)
                .build();
    }

    private static float quantized(float x) {
        return Math.round(x * 32768) / 32768f;
    }

    /** Frame {@code i} of a stream at 25 fps, with a face. */
    static FaceFrame frame(String stream, long i, boolean last) {
        FaceFrame f = new FaceFrame();
        f.streamId = stream;
        f.frameIndex = i;
        f.ptsMicros = i * 1_000_000 / FPS;
        f.fpsNum = FPS;
        f.fpsDen = 1;
        f.width = 160;
        f.height = 120;
        f.codec = ImageCodec.BGR24;
        f.image = new byte[160 * 120 * 3];
        f.box = new FaceBox(10, 10, 106, 106);
        f.crop = new byte[FACE * FACE * 3];
        f.faceSize = FACE;
        f.last = last;
        return f;
    }
}
