package io.lipstream.tools.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IEEE binary16 conversions against known bit patterns. */
class Float16Test {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "1.0, 3c00",
        "-2.0, c000",
        "0.0, 0000",
        "-0.0, 8000",
        "65504.0, 7bff", // largest half
        "65519.0, 7bff", // below the midpoint to infinity
        "65520.0, 7c00", // the midpoint rounds to even: infinity
        "1e10, 7c00",
        "0x1p-14, 0400", // smallest normal
        "0x1p-24, 0001", // smallest subnormal
        "0x1p-25, 0000", // half of it: a tie, rounds to even (zero)
        "0x1.8p-25, 0001", // above the tie
        "0x1.002p0, 3c00", // 1 + 2^-11: tie between 0x3c00 and 0x3c01, even wins
        "0x1.006p0, 3c02", // 1 + 3*2^-11: tie between 0x3c01 and 0x3c02, even wins
        "0x1.ffcp-15, 0400", // rounds up from the largest subnormal into the normals
        "0.1, 2e66"
    })
    void shouldRoundToNearestEven(float value, String bits) {
        assertEquals(Integer.parseInt(bits, 16), Float16.fromFloat(value) & 0xffff);
    }

    @Test
    void shouldKeepNaNAndInfinities() {
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
        assertEquals(0x7c00, Float16.fromFloat(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0xfc00, Float16.fromFloat(Float.NEGATIVE_INFINITY) & 0xffff);
    }

    @Test
    void shouldRoundTripEveryHalfValue() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(h, Float16.fromFloat(f) & 0xffff, "half " + Integer.toHexString(h));
        }
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
    }
}
