package io.lipstream.connectors.media;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_objdetect;

/**
 * Loads JavaCPP and the FFmpeg and OpenCV libraries the project uses, once per JVM, from one thread
 * at a time. Call it before the first use of any of them from code that may run beside other
 * threads doing the same (Flink operators opening together, an ingest thread next to a
 * MiniCluster).
 *
 * <p>Why: JavaCPP loads each library under a JVM-wide lock, and a library's JNI_OnLoad needs
 * JavaCPP's {@code Pointer} class initialized. Two threads touching JavaCPP for the first time at
 * once can deadlock: one holds the lock and waits for {@code Pointer}, whose initializer runs in
 * the other thread and waits for the lock. Seen here: {@code lipsync demo} run in a test JVM hung
 * with its ingest thread loading FFmpeg while {@code TrackFaces} opened OpenCV.
 */
public final class NativeLibraries {
    private static volatile boolean loaded;

    private NativeLibraries() {}

    /** Loads everything on the first call; later calls return at once. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibraries.class) {
            if (!loaded) {
                for (Class<?> library :
                        new Class<?>[] {
                            avutil.class,
                            swresample.class,
                            swscale.class,
                            avcodec.class,
                            avformat.class,
                            opencv_core.class,
                            opencv_imgproc.class,
                            opencv_imgcodecs.class,
                            opencv_objdetect.class
                        }) {
                    Loader.load(library);
                }
                loaded = true;
            }
        }
    }
}
