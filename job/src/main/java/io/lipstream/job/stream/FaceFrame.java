package io.lipstream.job.stream;

import io.lipstream.job.faces.FaceBox;
import io.lipstream.schema.ImageCodec;

/**
 * A video frame after face tracking: the original image (still encoded) with its smoothed, padded
 * face box and the model-sized face crop, or no box when no face was found (the frame then passes
 * through unchanged).
 */
public class FaceFrame {
    public String streamId;
    public long frameIndex;
    public long ptsMicros;

    /** Nominal frame rate; {@code fpsNum == 0} for variable-rate streams. */
    public int fpsNum;

    public int fpsDen;
    public int width;
    public int height;
    public ImageCodec codec;
    public byte[] image;

    /** Smoothed, padded face box; null when no face. */
    public FaceBox box;

    /**
     * The upstream detector's box exactly as the frame carried it (unpadded, not validated), or
     * null: kept so that a frame rejected later goes to the dead letters as it was sent.
     */
    public io.lipstream.schema.FaceBox upstreamFace;

    /**
     * The box's crop resized to faceSize x faceSize, BGR; null when no face and after inference.
     */
    public byte[] crop;

    public int faceSize;
    public boolean last;

    /**
     * Kafka timestamp of the frame (capture time), epoch ms: the start of its end-to-end latency.
     */
    public long capturedAtMillis;

    public FaceFrame() {}

    /**
     * This frame without its crop (a shallow copy): what follows inference needs the box, not the
     * model input, and each frame held for its segment or a checkpoint is then 27 KB smaller.
     */
    public FaceFrame withoutCrop() {
        FaceFrame copy = new FaceFrame();
        copy.streamId = streamId;
        copy.frameIndex = frameIndex;
        copy.ptsMicros = ptsMicros;
        copy.fpsNum = fpsNum;
        copy.fpsDen = fpsDen;
        copy.width = width;
        copy.height = height;
        copy.codec = codec;
        copy.image = image;
        copy.box = box;
        copy.upstreamFace = upstreamFace;
        copy.faceSize = faceSize;
        copy.last = last;
        copy.capturedAtMillis = capturedAtMillis;
        return copy;
    }

    /** Nominal frames per second, or 0 when the stream has no nominal rate. */
    public double fps() {
        return fpsNum == 0 ? 0 : (double) fpsNum / fpsDen;
    }

    public boolean hasFace() {
        return box != null && crop != null;
    }
}
