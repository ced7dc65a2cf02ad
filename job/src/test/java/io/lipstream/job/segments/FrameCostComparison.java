package io.lipstream.job.segments;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import io.lipstream.connectors.media.NativeLibraries;
import io.lipstream.job.faces.BgrImage;
import io.lipstream.job.faces.Blend;
import io.lipstream.job.faces.FaceBox;
import io.lipstream.job.faces.FacePaster;
import io.lipstream.job.faces.FaceTensors;
import io.lipstream.job.faces.FrameImages;
import io.lipstream.job.faces.FrameLimits;
import io.lipstream.job.faces.HaarFaceDetector;
import io.lipstream.job.faces.Wav2LipBoxes;
import io.lipstream.schema.ImageCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * CPU per frame, on this thread alone, of the per-frame media work before and after issue 19's
 * changes, measured in turns (A, B, A, B, ...) so that a shared machine's drift hits both alike:
 * the segment stage (decode each JPEG into a Java BGR array, paste, encode the list, converting
 * each to YUV; against decode each JPEG straight into the encoder's YUV picture one at a time and
 * paste there) and the face crop (full-size decode; against the libjpeg reduction TrackFaces now
 * uses for the frame's face box). Thread CPU time, not wall time, so other processes on the machine
 * do not count. Run from the worktree root with the video (its first 50 frames become JPEGs of
 * quality 95, as ingest writes):
 *
 * <pre>
 * mvn -o -q -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp job/target/test-classes:job/target/classes:$(cat job/cp.txt) \
 *     io.lipstream.job.segments.FrameCostComparison VIDEO [ROUNDS]
 * </pre>
 */
public final class FrameCostComparison {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final FrameLimits LIMITS = FrameLimits.defaults();

    /** One segment of 2 s at 25 fps. */
    private static final int FRAMES = 50;

    /** Ingest's JPEG quality (MediaIngest.JPEG_QUALITY). */
    private static final int JPEG_QUALITY = 95;

    private static final int DEFAULT_ROUNDS = 4;

    private FrameCostComparison() {}

    public static void main(String[] args) throws Exception {
        NativeLibraries.load();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_ROUNDS;
        List<byte[]> jpegs = new ArrayList<>();
        int width;
        int height;
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(args[0]);
            grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            grabber.start();
            width = grabber.getImageWidth();
            height = grabber.getImageHeight();
            for (int i = 0; i < FRAMES; i++) {
                Frame frame = grabber.grabImage();
                Mat mat = converter.convert(frame);
                byte[] bgr = new byte[width * height * BgrImage.CHANNELS];
                mat.data().get(bgr);
                jpegs.add(FrameImages.encodeJpeg(new BgrImage(width, height, bgr), JPEG_QUALITY));
            }
            grabber.release();
        }
        int w = width;
        int h = height;
        BgrImage first = FrameImages.decode(ImageCodec.JPEG, jpegs.get(0), w, h, LIMITS);
        FaceBox box = Wav2LipBoxes.pad(new HaarFaceDetector().detect(first).orElseThrow(), w, h);
        int size = FaceTensors.FACE_SIZE;
        int reduction = 1;
        while (reduction < FrameImages.MAX_REDUCTION
                && Math.min(box.width(), box.height()) >= 2 * reduction * size) {
            reduction *= 2;
        }
        byte[] face = FaceTensors.crop(first, box, size);
        long[] nanos = new long[5];
        try (SegmentEncoder encoder = new SegmentEncoder(EncoderSettings.defaults())) {
            for (int round = 0; round <= rounds; round++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                List<byte[]> frames = new ArrayList<>();
                for (byte[] jpeg : jpegs) {
                    BgrImage image = FrameImages.decode(ImageCodec.JPEG, jpeg, w, h, LIMITS);
                    FacePaster.pasteInto(image, box, face, size, Blend.HARD);
                    frames.add(image.bgr());
                }
                encoder.encode(new SegmentInput("cost", 0, 0, w, h, 25, 1, frames, null));
                frames = null;
                long t1 = THREADS.getCurrentThreadCpuTime();
                AVFrame yuv = PictureDecoder.allocate(w, h);
                try (PictureDecoder decoder = new PictureDecoder(LIMITS)) {
                    encoder.encode(
                            new SegmentInput("cost", 0, 0, w, h, 25, 1, null, null),
                            FRAMES,
                            k -> {
                                decoder.decodeInto(ImageCodec.JPEG, jpegs.get(k), w, h, yuv);
                                YuvFacePaster.pasteInto(yuv, box, face, size, Blend.HARD);
                                return yuv;
                            });
                } finally {
                    av_frame_free(yuv);
                }
                long t2 = THREADS.getCurrentThreadCpuTime();
                for (byte[] jpeg : jpegs) {
                    FaceTensors.crop(
                            FrameImages.decode(ImageCodec.JPEG, jpeg, w, h, LIMITS), box, size);
                }
                long t3 = THREADS.getCurrentThreadCpuTime();
                for (byte[] jpeg : jpegs) {
                    FrameImages.Reduced picture =
                            FrameImages.decodeReduced(
                                    ImageCodec.JPEG, jpeg, w, h, LIMITS, reduction);
                    FaceTensors.crop(picture.image(), picture.scale(box), size);
                }
                long t4 = THREADS.getCurrentThreadCpuTime();
                for (byte[] jpeg : jpegs) {
                    FrameImages.decodeReduced(
                            ImageCodec.JPEG, jpeg, w, h, LIMITS, FrameImages.MAX_REDUCTION);
                }
                long t5 = THREADS.getCurrentThreadCpuTime();
                if (round > 0) { // round 0 warms up
                    nanos[0] += t1 - t0;
                    nanos[1] += t2 - t1;
                    nanos[2] += t3 - t2;
                    nanos[3] += t4 - t3;
                    nanos[4] += t5 - t4;
                }
            }
        }
        double perFrame = 1e6 * FRAMES * rounds;
        System.out.printf(
                Locale.ROOT,
                "%dx%d, face box %s, crop reduction 1/%d, %d rounds of %d frames%n"
                        + "segment stage: BGR Java arrays %.2f ms/frame, JPEG straight to YUV one at a time %.2f%n"
                        + "face crop: full-size decode %.2f ms/frame, reduced %.2f; a faceless"
                        + " frame's check at 1/%d %.2f%n",
                w,
                h,
                box,
                reduction,
                rounds,
                FRAMES,
                nanos[0] / perFrame,
                nanos[1] / perFrame,
                nanos[2] / perFrame,
                nanos[3] / perFrame,
                FrameImages.MAX_REDUCTION,
                nanos[4] / perFrame);
    }
}
