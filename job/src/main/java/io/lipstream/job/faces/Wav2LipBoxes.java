package io.lipstream.job.faces;

/**
 * Wav2Lip's box geometry (Rudrabha/Wav2Lip inference.py): the padding applied to a detector box
 * before cropping, and the smoothing window.
 */
public final class Wav2LipBoxes {

    /** inference.py {@code --pads} default {@code [0, 10, 0, 0]} (top, bottom, left, right). */
    public static final int PAD_TOP = 0, PAD_BOTTOM = 10, PAD_LEFT = 0, PAD_RIGHT = 0;

    /** inference.py {@code get_smoothened_boxes(boxes, T=5)}. */
    public static final int SMOOTHING_FRAMES = 5;

    private Wav2LipBoxes() {}

    /**
     * Pads and clamps to the frame exactly as Wav2Lip face_detect(): {@code y1 = max(0, y1 -
     * pad_top)}, {@code y2 = min(h, y2 + pad_bottom)}, {@code x1 = max(0, x1 - pad_left)}, {@code
     * x2 = min(w, x2 + pad_right)}.
     *
     * @throws IllegalArgumentException if the box does not overlap the frame (see {@link
     *     #overlapsFrame})
     */
    public static FaceBox pad(FaceBox raw, int frameWidth, int frameHeight) {
        int y1 = Math.max(0, raw.y1() - PAD_TOP);
        int y2 = Math.min(frameHeight, raw.y2() + PAD_BOTTOM);
        int x1 = Math.max(0, raw.x1() - PAD_LEFT);
        int x2 = Math.min(frameWidth, raw.x2() + PAD_RIGHT);
        if (x2 <= x1 || y2 <= y1) {
            throw new IllegalArgumentException(
                    "face box "
                            + raw
                            + " must overlap the "
                            + frameWidth
                            + "x"
                            + frameHeight
                            + " frame, found none left after clamping");
        }
        return new FaceBox(x1, y1, x2, y2);
    }

    /** Whether {@link #pad} accepts this box: some of it (once padded) lies inside the frame. */
    public static boolean overlapsFrame(FaceBox raw, int frameWidth, int frameHeight) {
        return Math.max(0, raw.x1() - PAD_LEFT) < Math.min(frameWidth, raw.x2() + PAD_RIGHT)
                && Math.max(0, raw.y1() - PAD_TOP) < Math.min(frameHeight, raw.y2() + PAD_BOTTOM);
    }
}
