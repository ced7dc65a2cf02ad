package io.lipstream.job.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test data: PCM byte arrays and minimal RIFF/WAVE files built from float samples. */
final class WavBytes {
    private static final int WAV_HEADER_BYTES = 44;

    private WavBytes() {}

    /** Interleaved S16LE of frames x channels samples in [-1, 1) (rounded, clipped). */
    static byte[] s16(float[][] frames) {
        ByteBuffer buf =
                ByteBuffer.allocate(frames.length * frames[0].length * 2)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] frame : frames) {
            for (float v : frame) {
                buf.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
            }
        }
        return buf.array();
    }

    /** Interleaved F32LE. */
    static byte[] f32(float[][] frames) {
        ByteBuffer buf =
                ByteBuffer.allocate(frames.length * frames[0].length * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] frame : frames) {
            for (float v : frame) {
                buf.putFloat(v);
            }
        }
        return buf.array();
    }

    /** Writes a PCM s16 WAV file of the given rate; frames[i][c] is channel c of frame i. */
    static Path writeWav(Path file, int sampleRate, float[][] frames) {
        byte[] pcm = s16(frames);
        int channels = frames[0].length;
        ByteBuffer h = ByteBuffer.allocate(WAV_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt(36 + pcm.length).put("WAVE".getBytes());
        h.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) channels);
        h.putInt(sampleRate).putInt(sampleRate * channels * 2).putShort((short) (channels * 2));
        h.putShort((short) 16).put("data".getBytes()).putInt(pcm.length);
        try {
            byte[] all = new byte[WAV_HEADER_BYTES + pcm.length];
            System.arraycopy(h.array(), 0, all, 0, WAV_HEADER_BYTES);
            System.arraycopy(pcm, 0, all, WAV_HEADER_BYTES, pcm.length);
            return Files.write(file, all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A sine of the given frequency, duplicated or scaled per channel by gains. */
    static float[][] sine(int frames, int sampleRate, double hz, float... gains) {
        float[][] out = new float[frames][gains.length];
        for (int i = 0; i < frames; i++) {
            double v = 0.5 * Math.sin(2 * Math.PI * hz * i / sampleRate);
            for (int c = 0; c < gains.length; c++) {
                out[i][c] = (float) (v * gains[c]);
            }
        }
        return out;
    }
}
