package io.lipstream.job.faces;

/**
 * Reads the pixel size from a JPEG or PNG header without decoding, so that a frame whose real size
 * differs from the declared one (a decompression bomb included) is refused before any allocation.
 */
final class ImageHeaders {

    /** PNG signature (PNG spec 5.2), followed by the IHDR chunk: length, type, width, height. */
    private static final byte[] PNG_SIGNATURE = {
        (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'
    };

    private static final int PNG_WIDTH_OFFSET = 16;
    private static final int PNG_HEADER_BYTES = 24;

    /** JPEG markers (ITU T.81 table B.1). */
    private static final int JPEG_MARKER = 0xFF, SOI = 0xD8, EOI = 0xD9, SOS = 0xDA, TEM = 0x01;

    private static final int RST0 = 0xD0, RST7 = 0xD7;

    private ImageHeaders() {}

    /** {width, height} from the IHDR chunk. */
    static long[] pngSize(byte[] data) {
        if (data.length < PNG_HEADER_BYTES || !startsWith(data, PNG_SIGNATURE)) {
            throw new ImageDecodeException(
                    "expected a PNG (signature 89 50 4E 47 0D 0A 1A 0A and an IHDR chunk), found "
                            + preview(data));
        }
        if (data[12] != 'I' || data[13] != 'H' || data[14] != 'D' || data[15] != 'R') {
            throw new ImageDecodeException("expected the PNG IHDR chunk first, found another");
        }
        return new long[] {uint32(data, PNG_WIDTH_OFFSET), uint32(data, PNG_WIDTH_OFFSET + 4)};
    }

    /** {width, height} from the first start-of-frame segment. */
    static long[] jpegSize(byte[] data) {
        if (data.length < 4 || u8(data, 0) != JPEG_MARKER || u8(data, 1) != SOI) {
            throw new ImageDecodeException(
                    "expected a JPEG (starting FF D8), found " + preview(data));
        }
        int pos = 2;
        while (pos + 4 <= data.length) {
            if (u8(data, pos) != JPEG_MARKER) {
                throw new ImageDecodeException(
                        "expected a JPEG marker at byte " + pos + ", found " + hex(u8(data, pos)));
            }
            int marker = u8(data, pos + 1);
            if (marker == JPEG_MARKER) {
                pos++; // fill byte
                continue;
            }
            if (marker == TEM || (marker >= RST0 && marker <= RST7)) {
                pos += 2; // standalone markers carry no length
                continue;
            }
            if (marker == EOI || marker == SOS) {
                break;
            }
            int length = (u8(data, pos + 2) << 8) | u8(data, pos + 3);
            if (isStartOfFrame(marker)) {
                // length(2) precision(1) height(2) width(2)
                if (pos + 9 > data.length) {
                    break;
                }
                long height = (u8(data, pos + 5) << 8) | u8(data, pos + 6);
                long width = (u8(data, pos + 7) << 8) | u8(data, pos + 8);
                return new long[] {width, height};
            }
            if (length < 2) {
                throw new ImageDecodeException(
                        "expected a JPEG segment length >= 2 at byte " + pos + ", found " + length);
            }
            pos += 2 + length;
        }
        throw new ImageDecodeException(
                "expected a JPEG start-of-frame segment before the image data, found none in "
                        + data.length
                        + " bytes");
    }

    /**
     * Checks that a JPEG has its image data whole: a start-of-scan segment after its headers, and
     * the end-of-image marker last (trailing zero bytes allowed). FFmpeg's MJPEG decoder makes a
     * picture of a JPEG cut short or missing its scan without an error; libjpeg refuses them.
     */
    static void requireJpegScan(byte[] data) {
        jpegSize(data); // a JPEG with a frame header
        int pos = 2;
        boolean scan = false;
        while (pos + 4 <= data.length) {
            int marker = u8(data, pos + 1);
            if (u8(data, pos) != JPEG_MARKER || marker == EOI) {
                break;
            }
            if (marker == JPEG_MARKER) {
                pos++;
                continue;
            }
            if (marker == TEM || (marker >= RST0 && marker <= RST7)) {
                pos += 2;
                continue;
            }
            if (marker == SOS) {
                scan = true;
                break;
            }
            pos += 2 + ((u8(data, pos + 2) << 8) | u8(data, pos + 3));
        }
        int end = data.length;
        while (end > 0 && data[end - 1] == 0) {
            end--;
        }
        if (!scan || end < 2 || u8(data, end - 2) != JPEG_MARKER || u8(data, end - 1) != EOI) {
            throw new ImageDecodeException(
                    "expected a whole JPEG (a start-of-scan, then image data up to the FF D9"
                            + " end marker), found "
                            + (scan ? "no end marker: cut short?" : "no start-of-scan segment")
                            + " in "
                            + data.length
                            + " bytes");
        }
    }

    /** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0
                && marker <= 0xCF
                && marker != 0xC4
                && marker != 0xC8
                && marker != 0xCC;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u8(byte[] data, int index) {
        return data[index] & 0xFF;
    }

    private static long uint32(byte[] data, int offset) {
        return ((long) u8(data, offset) << 24)
                | (u8(data, offset + 1) << 16)
                | (u8(data, offset + 2) << 8)
                | u8(data, offset + 3);
    }

    private static String hex(int value) {
        return String.format("%02X", value);
    }

    /** The first bytes in hex, for error messages. */
    static String preview(byte[] data) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(8, data.length);
        for (int i = 0; i < shown; i++) {
            out.append(i == 0 ? "" : " ").append(hex(u8(data, i)));
        }
        return data.length == 0
                ? "0 bytes"
                : out + (data.length > shown ? " ..." : "") + " (" + data.length + " bytes)";
    }
}
