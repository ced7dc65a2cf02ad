package io.lipstream.e2e;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * What a player would see in a media file or segment, found by decoding it completely with FFmpeg
 * (javacv), and, where the {@code ffprobe} command is installed, by ffprobe too.
 */
record DecodedMedia(
        String videoCodec,
        int width,
        int height,
        double fps,
        int videoFrames,
        List<Long> frameTimestamps,
        boolean hasAudio,
        long audioSamples,
        long firstAudioTimestamp) {

    static DecodedMedia of(Path file) throws IOException {
        return decode(new FFmpegFrameGrabber(file.toFile()));
    }

    static DecodedMedia of(byte[] data) throws IOException {
        InputStream in = new ByteArrayInputStream(data);
        return decode(new FFmpegFrameGrabber(in, 0));
    }

    private static DecodedMedia decode(FFmpegFrameGrabber grabber) throws IOException {
        try (grabber) {
            grabber.start();
            List<Long> timestamps = new ArrayList<>();
            long samples = 0;
            long firstAudio = -1;
            Frame frame;
            while ((frame = grabber.grab()) != null) {
                if (frame.image != null) {
                    timestamps.add(frame.timestamp);
                } else if (frame.samples != null) {
                    if (firstAudio < 0) {
                        firstAudio = frame.timestamp;
                    }
                    samples += frame.samples[0].limit() / Math.max(1, frame.audioChannels);
                }
            }
            return new DecodedMedia(
                    grabber.getVideoCodecName(),
                    grabber.getImageWidth(),
                    grabber.getImageHeight(),
                    grabber.getVideoFrameRate(),
                    timestamps.size(),
                    timestamps,
                    grabber.getAudioStream() >= 0,
                    samples,
                    firstAudio);
        }
    }

    /**
     * Peak signal-to-noise ratio of the video frames of {@code b} against {@code a}, frame by frame
     * in order, over whole BGR frames: {min, mean} in dB.
     */
    static double[] psnr(Path a, Path b) throws IOException {
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
    static List<Long> pictureDigests(Path file) throws IOException {
        return digests(new FFmpegFrameGrabber(file.toFile()));
    }

    /** {@link #pictureDigests(Path)} of an in-memory segment. */
    static List<Long> pictureDigests(byte[] data) throws IOException {
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
    static boolean ffprobeInstalled() {
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
    static Map<String, String> ffprobe(Path file, String stream)
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
