package io.lipstream.job.faces;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.nio.FloatBuffer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The face side of the model's input and output, as Wav2Lip's {@code datagen()} and main loop build
 * and read them (inference.py): crop, resize to {@code size x size}, keep BGR, mask the lower half,
 * concatenate [masked, reference] on channels, divide by 255, NCHW; output times 255, truncated to
 * uint8.
 */
public final class FaceTensors {

    /** Wav2Lip {@code hparams.img_size}: the model sees 96x96 faces. */
    public static final int FACE_SIZE = 96;

    /** Face input channels: masked BGR then reference BGR. */
    public static final int INPUT_CHANNELS = 6;

    /** Model output channels: BGR. */
    public static final int OUTPUT_CHANNELS = 3;

    /** 8-bit pixel range: Wav2Lip divides by and multiplies with 255. */
    private static final float PIXEL_MAX = 255f;

    /**
     * {@code v / 255} for every byte value, computed in double and rounded once to float, which is
     * what numpy's {@code uint8 / 255.} followed by {@code torch.FloatTensor} produces.
     */
    private static final float[] UNIT = new float[256];

    static {
        for (int v = 0; v < UNIT.length; v++) {
            UNIT[v] = (float) (v / 255.0);
        }
    }

    private FaceTensors() {}

    /**
     * Crops {@code frame[y1:y2, x1:x2]}, bilinear-resizes to {@code size x size} (OpenCV
     * INTER_LINEAR like cv2.resize), returns BGR bytes ({@code size*size*3}, HWC).
     *
     * @throws IllegalArgumentException if the box is not inside the frame
     */
    public static byte[] crop(BgrImage frame, FaceBox box, int size) {
        requirePositive(size);
        try (Mat region = Mats.region(frame, box);
                Mat resized = new Mat();
                Size target = new Size(size, size)) {
            resize(region, resized, target, 0, 0, INTER_LINEAR);
            return Mats.bytes(resized);
        }
    }

    /**
     * Writes the {@code 6 x size x size} model input for batch slot {@code slot} straight into
     * {@code dst} (NCHW float32, absolute indexing): channels 0..2 = the crop with rows {@code
     * size/2..size-1} zeroed (masked), channels 3..5 = the crop (reference), all /255.
     */
    public static void writeFaceInput(byte[] cropBgr, int size, FloatBuffer dst, int slot) {
        int plane = size * size;
        checkCrop(cropBgr, size);
        int base = checkSlot(dst, slot, INPUT_CHANNELS * plane, "face input");
        // Wav2Lip: img_masked[:, img_size//2:] = 0 on [B, H, W, C], i.e. the lower rows.
        int maskedFrom = (size / 2) * size;
        for (int c = 0; c < OUTPUT_CHANNELS; c++) {
            int masked = base + c * plane;
            int reference = base + (OUTPUT_CHANNELS + c) * plane;
            for (int p = 0; p < plane; p++) {
                float value = UNIT[cropBgr[p * BgrImage.CHANNELS + c] & 0xFF];
                dst.put(masked + p, p < maskedFrom ? value : 0f);
                dst.put(reference + p, value);
            }
        }
    }

    /**
     * Reads output slot {@code slot} of {@code [B,3,size,size]} in [0,1] BGR, times 255 truncated
     * to uint8 (Wav2Lip's {@code astype(np.uint8)}), into HWC BGR bytes. Values outside [0,1]
     * (never produced by Wav2Lip's sigmoid) are clamped rather than wrapped; NaN reads as 0.
     */
    public static byte[] readFaceOutput(FloatBuffer out, int size, int slot) {
        requirePositive(size);
        int plane = size * size;
        int base = checkSlot(out, slot, OUTPUT_CHANNELS * plane, "face output");
        byte[] bgr = new byte[plane * BgrImage.CHANNELS];
        for (int c = 0; c < OUTPUT_CHANNELS; c++) {
            int from = base + c * plane;
            for (int p = 0; p < plane; p++) {
                float scaled = out.get(from + p) * PIXEL_MAX; // float32 product, as numpy does
                int value = scaled >= PIXEL_MAX ? 255 : scaled > 0f ? (int) scaled : 0;
                bgr[p * BgrImage.CHANNELS + c] = (byte) value;
            }
        }
        return bgr;
    }

    static void checkCrop(byte[] faceBgr, int size) {
        requirePositive(size);
        long expected = (long) size * size * BgrImage.CHANNELS;
        if (faceBgr == null || faceBgr.length != expected) {
            throw new IllegalArgumentException(
                    "expected a "
                            + size
                            + "x"
                            + size
                            + " BGR face of "
                            + expected
                            + " bytes, found "
                            + (faceBgr == null ? "null" : faceBgr.length));
        }
    }

    private static int checkSlot(FloatBuffer buffer, int slot, int slotFloats, String what) {
        long end = ((long) slot + 1) * slotFloats;
        if (slot < 0 || end > buffer.limit()) {
            throw new IndexOutOfBoundsException(
                    what
                            + " slot "
                            + slot
                            + " needs floats up to "
                            + end
                            + ", found a buffer limit of "
                            + buffer.limit());
        }
        return slot * slotFloats;
    }

    private static void requirePositive(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("face size must be positive, found " + size);
        }
    }
}
