package io.lipstream.job.faces;

import java.util.Optional;

/**
 * The face extent Wav2Lip's S3FD boxes have (WIDER FACE convention: hairline to chin, cheek to
 * cheek, before Wav2Lip's own bottom padding), from a BlazeFace detection.
 *
 * <p>BlazeFace's box is square and runs from the brows to the chin; the S3FD box has about the same
 * centre and is taller than wide. Each model has its width and height factors ({@link
 * BlazeFaceDetector.Range}). The face's tilt comes from the keypoints (eyes above mouth); a tilted
 * face gets the axis-aligned bounds of the upright extent's inscribed ellipse turned by the tilt,
 * which is what a box drawn around a turned face measures (see {@code docs/faces.md}).
 */
public record Wav2LipExtent(double centerX, double centerY, double width, double height) {

    /**
     * The extent of a detection, its box scaled by {@code widthScale} and {@code heightScale} about
     * its centre, then turned with the face.
     */
    public static Wav2LipExtent of(
            BlazeFaceDecoder.Detection d, double widthScale, double heightScale) {
        double eyesX =
                (d.keypointX(BlazeFaceDecoder.RIGHT_EYE) + d.keypointX(BlazeFaceDecoder.LEFT_EYE))
                        / 2;
        double eyesY =
                (d.keypointY(BlazeFaceDecoder.RIGHT_EYE) + d.keypointY(BlazeFaceDecoder.LEFT_EYE))
                        / 2;
        // Tilt: the angle of the mouth-to-eyes line from straight up (image y grows downwards).
        double tilt =
                Math.atan2(
                        eyesX - d.keypointX(BlazeFaceDecoder.MOUTH),
                        d.keypointY(BlazeFaceDecoder.MOUTH) - eyesY);
        return upright(d.centerX(), d.centerY(), d.width() * widthScale, d.height() * heightScale)
                .turned(tilt);
    }

    /** An upright extent. */
    public static Wav2LipExtent upright(
            double centerX, double centerY, double width, double height) {
        return new Wav2LipExtent(centerX, centerY, width, height);
    }

    /** Axis-aligned bounds of this extent's inscribed ellipse turned by {@code radians}. */
    public Wav2LipExtent turned(double radians) {
        double c = Math.cos(radians);
        double s = Math.sin(radians);
        return new Wav2LipExtent(
                centerX,
                centerY,
                Math.hypot(width * c, height * s),
                Math.hypot(width * s, height * c));
    }

    /** This extent scaled about its centre. */
    public Wav2LipExtent scaled(double factor) {
        return new Wav2LipExtent(centerX, centerY, width * factor, height * factor);
    }

    /** The pixel box, or empty when it lies wholly outside the frame. */
    public Optional<FaceBox> toBox(int frameWidth, int frameHeight) {
        int x1 = (int) Math.round(centerX - width / 2);
        int y1 = (int) Math.round(centerY - height / 2);
        int x2 = (int) Math.round(centerX + width / 2);
        int y2 = (int) Math.round(centerY + height / 2);
        if (x2 <= Math.max(0, x1)
                || y2 <= Math.max(0, y1)
                || x1 >= frameWidth
                || y1 >= frameHeight) {
            return Optional.empty();
        }
        return Optional.of(new FaceBox(x1, y1, x2, y2));
    }
}
