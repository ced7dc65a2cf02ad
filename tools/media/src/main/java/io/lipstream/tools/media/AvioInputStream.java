package io.lipstream.tools.media;

import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_READ;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open2;
import static org.bytedeco.ffmpeg.global.avformat.avio_read_partial;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import io.lipstream.connectors.media.FfmpegStatus;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The bytes of a live URL (SRT, UDP, TCP, RTMP, HTTP: FFmpeg protocols that deliver a byte stream)
 * opened with FFmpeg's own I/O layer, as an {@link InputStream} for {@code FFmpegFrameGrabber}.
 *
 * <p>Why not hand the URL to the grabber: javacv's {@code FFmpegFrameGrabber.start()} holds one
 * lock of the whole JVM while it opens its input, so a listener waiting for its caller would stop
 * every other grabber (the second feed, a reconnect) until then. Here the wait happens outside that
 * lock, can be cut short by {@code keepWaiting}, and the grabber only probes bytes already flowing.
 * The stream does not seek: {@link #mark} does nothing and {@link #reset} fails, so nothing is
 * buffered for a rewind that a live demuxer never needs.
 */
final class AvioInputStream extends InputStream {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final AVIOContext context;
    private final BytePointer buffer = new BytePointer(BUFFER_BYTES);
    private final AVIOInterruptCB interrupt;
    private final AVIOInterruptCB.Callback_Pointer callback;
    private boolean closed;

    private AvioInputStream(
            AVIOContext context, AVIOInterruptCB interrupt, AVIOInterruptCB.Callback_Pointer cb) {
        this.context = context;
        this.interrupt = interrupt;
        this.callback = cb;
    }

    /**
     * Opens {@code url} for reading with protocol {@code options}; blocks until connected (a
     * listener: until its caller comes), the options' timeouts pass or {@code keepWaiting} turns
     * false.
     *
     * @throws IOException with FFmpeg's reason when it cannot be opened
     */
    static AvioInputStream open(
            String url, Map<String, String> options, BooleanSupplier keepWaiting)
            throws IOException {
        AVIOInterruptCB.Callback_Pointer callback =
                new AVIOInterruptCB.Callback_Pointer() {
                    @Override
                    public int call(Pointer opaque) {
                        return keepWaiting.getAsBoolean() ? 0 : 1;
                    }
                };
        AVIOInterruptCB interrupt = new AVIOInterruptCB();
        interrupt.callback(callback);
        AVDictionary dictionary = new AVDictionary(null);
        AVIOContext context = new AVIOContext(null);
        try {
            options.forEach((key, value) -> av_dict_set(dictionary, key, value, 0));
            FfmpegStatus.check(
                    avio_open2(context, url, AVIO_FLAG_READ, interrupt, dictionary), "open " + url);
        } catch (IOException e) {
            interrupt.close();
            callback.close();
            throw e;
        } finally {
            av_dict_free(dictionary);
        }
        return new AvioInputStream(context, interrupt, callback);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        if (length == 0) {
            return 0;
        }
        int n = avio_read_partial(context, buffer, Math.min(length, BUFFER_BYTES));
        if (n == AVERROR_EOF || n == 0) {
            return -1;
        }
        if (n < 0) {
            throw new IOException("read: " + FfmpegStatus.text(n));
        }
        buffer.position(0).get(bytes, offset, n);
        return n;
    }

    @Override
    public boolean markSupported() {
        return true; // so that javacv does not wrap (and buffer) the stream for rewinds
    }

    @Override
    public synchronized void mark(int readLimit) {
        // A live stream keeps nothing for a rewind.
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("a live stream cannot rewind");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        avio_closep(context);
        buffer.close();
        interrupt.close();
        callback.close();
    }
}
