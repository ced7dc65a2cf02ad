package io.lipstream.connectors.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * What javacv's FFmpegFrameGrabber decodes from a piece of media, the oracle of the media tests:
 * every video frame's timestamp (and BGR24 pixels when asked), every audio chunk as float samples
 * with its timestamp, and what the demuxer reports about the streams.
 */
public final class DecodedMedia {
    /** Demuxer's report on one stream. */
    public record StreamInfo(int mediaType, long nbFrames, int profile, int level) {}

    private final List<Long> videoTimestamps = new ArrayList<>();
    private final List<byte[]> frames = new ArrayList<>();
    private final List<Long> audioTimestamps = new ArrayList<>();
    private final List<float[]> audioChunks = new ArrayList<>();
    private final List<StreamInfo> streams = new ArrayList<>();
    private int width;
    private int height;
    private double frameRate;
    private int sampleRate;
    private int audioChannels;
    private String format;

    private DecodedMedia() {}

    /** Decodes everything in {@code data} (any container FFmpeg probes), keeping the pixels. */
    public static DecodedMedia of(byte[] data) throws FrameGrabber.Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(new ByteArrayInputStream(data))) {
            return decode(grabber, true);
        }
    }

    /** Decodes the file (or playlist) at {@code path}; pixels are kept only when asked. */
    public static DecodedMedia of(String path, boolean keepPixels) throws FrameGrabber.Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(path)) {
            return decode(grabber, keepPixels);
        }
    }

    /** Whether the first video packet of {@code data} is flagged as a key frame. */
    public static boolean startsWithKeyFrame(byte[] data) throws FrameGrabber.Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(new ByteArrayInputStream(data))) {
            grabber.start();
            int videoStream = grabber.getVideoStream();
            AVPacket packet;
            while ((packet = grabber.grabPacket()) != null) {
                try {
                    if (packet.stream_index() == videoStream) {
                        return (packet.flags() & AV_PKT_FLAG_KEY) != 0;
                    }
                } finally {
                    av_packet_unref(packet);
                }
            }
            return false;
        }
    }

    private static DecodedMedia decode(FFmpegFrameGrabber grabber, boolean keepPixels)
            throws FrameGrabber.Exception {
        grabber.setSampleMode(FrameGrabber.SampleMode.FLOAT);
        grabber.start();
        DecodedMedia d = new DecodedMedia();
        d.width = grabber.getImageWidth();
        d.height = grabber.getImageHeight();
        d.frameRate = grabber.getFrameRate();
        d.sampleRate = grabber.getSampleRate();
        d.audioChannels = grabber.getAudioChannels();
        d.format = grabber.getFormat();
        AVFormatContext context = grabber.getFormatContext();
        for (int i = 0; i < context.nb_streams(); i++) {
            AVCodecParameters par = context.streams(i).codecpar();
            d.streams.add(
                    new StreamInfo(
                            par.codec_type(),
                            context.streams(i).nb_frames(),
                            par.profile(),
                            par.level()));
        }
        Frame frame;
        while ((frame = grabber.grabFrame(true, true, true, false)) != null) {
            if (frame.image != null) {
                d.videoTimestamps.add(frame.timestamp);
                if (keepPixels) {
                    d.frames.add(bgr(frame));
                }
            } else if (frame.samples != null) {
                FloatBuffer samples = (FloatBuffer) frame.samples[0];
                float[] chunk = new float[samples.remaining()];
                samples.get(chunk);
                d.audioTimestamps.add(frame.timestamp);
                d.audioChunks.add(chunk);
            }
        }
        grabber.stop();
        return d;
    }

    private static byte[] bgr(Frame frame) {
        ByteBuffer image = (ByteBuffer) frame.image[0];
        int rowBytes = frame.imageWidth * 3;
        byte[] out = new byte[rowBytes * frame.imageHeight];
        for (int y = 0; y < frame.imageHeight; y++) {
            image.position(y * frame.imageStride);
            image.get(out, y * rowBytes, rowBytes);
        }
        image.position(0);
        return out;
    }

    /** Presentation times of the decoded video frames, microseconds, in decoding order. */
    public List<Long> videoTimestamps() {
        return videoTimestamps;
    }

    /** Decoded frames as BGR24 (empty unless pixels were kept). */
    public List<byte[]> frames() {
        return frames;
    }

    public int frameCount() {
        return videoTimestamps.size();
    }

    /** Timestamps of the decoded audio chunks, microseconds. */
    public List<Long> audioTimestamps() {
        return audioTimestamps;
    }

    public int audioSampleCount() {
        return audioChunks.stream().mapToInt(c -> c.length).sum();
    }

    /** All decoded audio samples (first channel), in order. */
    public float[] audio() {
        float[] all = new float[audioSampleCount()];
        int at = 0;
        for (float[] chunk : audioChunks) {
            System.arraycopy(chunk, 0, all, at, chunk.length);
            at += chunk.length;
        }
        return all;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public double frameRate() {
        return frameRate;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int audioChannels() {
        return audioChannels;
    }

    /** The demuxer's name, e.g. {@code mpegts}. */
    public String format() {
        return format;
    }

    public List<StreamInfo> streams() {
        return streams;
    }

    /** The first stream of a media type ({@code AVMEDIA_TYPE_VIDEO} or {@code _AUDIO}). */
    public StreamInfo stream(int mediaType) {
        return streams.stream()
                .filter(s -> s.mediaType() == mediaType)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stream of media type " + mediaType));
    }

    public boolean hasAudio() {
        return streams.stream().anyMatch(s -> s.mediaType() == AVMEDIA_TYPE_AUDIO);
    }

    public boolean hasVideo() {
        return streams.stream().anyMatch(s -> s.mediaType() == AVMEDIA_TYPE_VIDEO);
    }
}
