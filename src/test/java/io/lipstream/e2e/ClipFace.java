package io.lipstream.e2e;

/**
 * Where the face is in each frame of the bundled clip, known from how the clip was made and not
 * from any detector: a box labelled once by hand in the 512x512 portrait ({@code
 * face_astronaut.png}), scaled to the 800 px portrait and shifted by frame n's 640x360 window at
 * (80 + 60 sin(0.9 t), 70 + 25 cos(0.7 t)), t = n / 25 s (samples README).
 */
final class ClipFace {
    /**
     * The face in the 512 px portrait, labelled by hand (looking at a 3x zoom of the picture): from
     * the left cheek (x 181) to the right one (x 268), from the hairline just above the brows (y
     * 86) to just under the chin (y 180).
     */
    static final Box PORTRAIT_FACE = new Box(181, 86, 268, 180);

    /** The clip's ffmpeg filter scales the portrait from 512 to 800 pixels. */
    private static final double PORTRAIT_SCALE = 800 / 512.0;

    private static final double FPS = 25;

    private ClipFace() {}

    /** A box of pixel columns [x1, x2) and rows [y1, y2). */
    record Box(int x1, int y1, int x2, int y2) {
        int width() {
            return x2 - x1;
        }

        int height() {
            return y2 - y1;
        }

        /** The middle {@code fraction} of the box in each direction. */
        Box centre(double fraction) {
            int dx = (int) Math.round(width() * (1 - fraction) / 2);
            int dy = (int) Math.round(height() * (1 - fraction) / 2);
            return new Box(x1 + dx, y1 + dy, x2 - dx, y2 - dy);
        }

        /** The box grown by {@code fraction} of its size on every side. */
        Box grown(double fraction) {
            int dx = (int) Math.round(width() * fraction);
            int dy = (int) Math.round(height() * fraction);
            return new Box(x1 - dx, y1 - dy, x2 + dx, y2 + dy);
        }

        boolean contains(int x, int y) {
            return x >= x1 && x < x2 && y >= y1 && y < y2;
        }
    }

    /** The face's box in frame {@code n} of the clip (or of its first frames). */
    static Box inFrame(int n) {
        double t = n / FPS;
        int left = windowOffset(80 + 60 * Math.sin(0.9 * t));
        int top = windowOffset(70 + 25 * Math.cos(0.7 * t));
        return new Box(
                (int) Math.round(PORTRAIT_FACE.x1() * PORTRAIT_SCALE) - left,
                (int) Math.round(PORTRAIT_FACE.y1() * PORTRAIT_SCALE) - top,
                (int) Math.round(PORTRAIT_FACE.x2() * PORTRAIT_SCALE) - left,
                (int) Math.round(PORTRAIT_FACE.y2() * PORTRAIT_SCALE) - top);
    }

    /** ffmpeg's crop filter truncates the offset and, on yuv420p, rounds it down to even. */
    private static int windowOffset(double offset) {
        return ((int) offset) & ~1;
    }
}
