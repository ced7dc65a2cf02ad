package io.lipstream.tools.model;

/**
 * IEEE 754 half precision (binary16) conversions, for fp16 checkpoints and fp16 ONNX weights (Java
 * 17 has no {@code Float.floatToFloat16}).
 *
 * <p>{@link #fromFloat} rounds to nearest, ties to even, like numpy's {@code astype(float16)} and
 * PyTorch's {@code .half()}: values past the largest half (65504) become infinity, tiny values
 * become subnormals or signed zero, NaN stays NaN.
 */
final class Float16 {
    private static final int FLOAT_EXPONENT_BIAS = 127;
    private static final int HALF_EXPONENT_BIAS = 15;
    private static final int FLOAT_MANTISSA_BITS = 23;
    private static final int HALF_MANTISSA_BITS = 10;
    private static final int MANTISSA_SHIFT = FLOAT_MANTISSA_BITS - HALF_MANTISSA_BITS;
    private static final int HALF_EXPONENT_MAX = 0x1f;
    private static final int HALF_INFINITY = 0x7c00;
    private static final int HALF_NAN = 0x7e00;
    private static final int FLOAT_SIGN = 0x8000_0000;
    private static final int FLOAT_MANTISSA_MASK = 0x007f_ffff;
    private static final int HALF_MANTISSA_MASK = 0x03ff;
    private static final int FLOAT_IMPLICIT_ONE = 0x0080_0000;

    private Float16() {}

    /** The binary16 bits of {@code value}, rounded to nearest, ties to even. */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits & FLOAT_SIGN) >>> 16;
        if (Float.isNaN(value)) {
            return (short) (sign | HALF_NAN);
        }
        int exponent = ((bits >>> FLOAT_MANTISSA_BITS) & 0xff) - FLOAT_EXPONENT_BIAS;
        int mantissa = bits & FLOAT_MANTISSA_MASK;
        if (exponent > HALF_EXPONENT_BIAS) {
            return (short) (sign | HALF_INFINITY); // too large (or already infinite)
        }
        int halfExponent = exponent + HALF_EXPONENT_BIAS;
        int shift;
        int significand;
        if (halfExponent >= 1) {
            shift = MANTISSA_SHIFT;
            significand = mantissa;
        } else {
            // Subnormal half: the implicit one becomes explicit and shifts right.
            shift = MANTISSA_SHIFT + 1 - halfExponent;
            if (shift > FLOAT_MANTISSA_BITS + 1) {
                return (short) sign; // rounds to signed zero
            }
            significand = mantissa | FLOAT_IMPLICIT_ONE;
            halfExponent = 0;
        }
        int truncated = significand >>> shift;
        int remainder = significand & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        int rounded = truncated;
        if (remainder > half || (remainder == half && (truncated & 1) == 1)) {
            rounded++;
        }
        // A carry out of the mantissa bumps the exponent; the sum below does it naturally.
        int result = (halfExponent << HALF_MANTISSA_BITS) + rounded;
        if (halfExponent == 0) {
            result = rounded; // subnormal: rounding up to 0x400 gives the smallest normal
        }
        if (result >= HALF_INFINITY) {
            return (short) (sign | HALF_INFINITY);
        }
        return (short) (sign | result);
    }

    /** The float value of binary16 {@code bits} (exact). */
    static float toFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> HALF_MANTISSA_BITS) & HALF_EXPONENT_MAX;
        int mantissa = h & HALF_MANTISSA_MASK;
        if (exponent == HALF_EXPONENT_MAX) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << MANTISSA_SHIFT));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        int floatExponent = exponent - HALF_EXPONENT_BIAS + FLOAT_EXPONENT_BIAS;
        return Float.intBitsToFloat(
                sign | (floatExponent << FLOAT_MANTISSA_BITS) | (mantissa << MANTISSA_SHIFT));
    }

    /** The bfloat16 {@code bits} as a float (exact: bfloat16 is float32's upper half). */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
