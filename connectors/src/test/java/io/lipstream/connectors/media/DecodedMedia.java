package io.lipstream.connectors.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * What javacv's FFmpegFrameGrabber decodes from a piece of media, the oracle of the media tests:
 * every video frame's timestamp (and BGR24 pixels when asked), every audio chunk as float samples
 * with its timestamp, and what the demuxer reports about the streams; plus ffprobe's view where the
 * command is installed, picture digests and PSNR between two files.
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
    private String videoCodec;

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

    /** Decodes the file at {@code file} without keeping the pixels. */
    public static DecodedMedia of(Path file) throws FrameGrabber.Exception {
        return of(file.toString(), false);
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
        d.videoCodec = grabber.getVideoCodecName();
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

    /** The video decoder's name, e.g. {@code h264}. */
    public String videoCodec() {
        return videoCodec;
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

    /**
     * Peak signal-to-noise ratio of the video frames of {@code b} against {@code a}, frame by frame
     * in order, over whole BGR frames: {min, mean} in dB.
     */
    public static double[] psnr(Path a, Path b) throws IOException {
        try (FFmpegFrameGrabber ga = new FFmpegFrameGrabber(a.toFile());
                FFmpegFrameGrabber gb = new FFmpegFrameGrabber(b.toFile())) {
            ga.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
            gb.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
            ga.start();
            gb.start();
            double min = Double.POSITIVE_INFINITY;
            double sum = 0;
            int frames = 0;
            Frame fa;
            Frame fb;
            while ((fa = ga.grabImage()) != null && (fb = gb.grabImage()) != null) {
                java.nio.ByteBuffer pa = (java.nio.ByteBuffer) fa.image[0];
                java.nio.ByteBuffer pb = (java.nio.ByteBuffer) fb.image[0];
                double squared = 0;
                long n = 0;
                for (int y = 0; y < fa.imageHeight; y++) {
                    for (int x = 0; x < fa.imageWidth * 3; x++) {
                        int d =
                                (pa.get(y * fa.imageStride + x) & 0xff)
                                        - (pb.get(y * fb.imageStride + x) & 0xff);
                        squared += d * d;
                        n++;
                    }
                }
                double mse = Math.max(squared / n, 1e-10);
                double db = 10 * Math.log10(255.0 * 255.0 / mse);
                min = Math.min(min, db);
                sum += db;
                frames++;
            }
            return new double[] {min, sum / Math.max(1, frames)};
        }
    }

    /**
     * A CRC-32 of every decoded picture (as BGR24), in order: two files with the same list hold the
     * same pictures, so one was not re-encoded from the other (a lossy re-encode changes pixels).
     */
    public static List<Long> pictureDigests(Path file) throws IOException {
        return digests(new FFmpegFrameGrabber(file.toFile()));
    }

    /** {@link #pictureDigests(Path)} of an in-memory segment. */
    public static List<Long> pictureDigests(byte[] data) throws IOException {
        return digests(new FFmpegFrameGrabber(new ByteArrayInputStream(data), 0));
    }

    private static List<Long> digests(FFmpegFrameGrabber grabber) throws IOException {
        try (grabber) {
            grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            grabber.start();
            List<Long> digests = new ArrayList<>();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                ByteBuffer pixels = (ByteBuffer) frame.image[0];
                int rowBytes = frame.imageWidth * frame.imageChannels;
                CRC32 crc = new CRC32();
                for (int y = 0; y < frame.imageHeight; y++) {
                    // Row by row: the padding at the end of each row is not picture.
                    int start = y * frame.imageStride;
                    crc.update(pixels.duplicate().position(start).limit(start + rowBytes));
                }
                digests.add(crc.getValue());
            }
            return digests;
        }
    }

    /** Whether the ffprobe command is on the PATH (CI installs Debian's ffmpeg). */
    public static boolean ffprobeInstalled() {
        try {
            Process p = new ProcessBuilder("ffprobe", "-version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * ffprobe's view of one stream ("v:0" or "a:0"): codec_name, r_frame_rate, nb_read_frames,
     * start_time and the like, counting frames by decoding.
     */
    public static Map<String, String> ffprobe(Path file, String stream)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                "ffprobe",
                                "-v",
                                "error",
                                "-count_frames",
                                "-select_streams",
                                stream,
                                "-show_entries",
                                "stream=codec_name,codec_type,r_frame_rate,nb_read_frames,start_time,width,height,sample_rate",
                                "-of",
                                "default=noprint_wrappers=1",
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ffprobe failed on " + file + ": " + out);
        }
        Map<String, String> values = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return values;
    }
}
