package io.sextant.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The rates a search for the highest sustained rate tries: from {@code start}, each step
 * {@code factor} times the last, rounded to two significant digits (500, 750, 1100, 1700, ...), up to
 * {@code until}. Geometric, so that one search covers a mesh that manages a thousand requests a
 * second and one that manages forty thousand, each within a factor of the truth.
 */
record RateLadder(double start, double factor, double until) {

    private static final MathContext TWO_DIGITS = new MathContext(2, RoundingMode.HALF_UP);

    RateLadder {
        if (!(start > 0) || !(factor > 1) || until < start) {
            throw new IllegalArgumentException("a rate search needs 0 < start <= until and a factor above 1, not start "
                                               + start + ", factor " + factor + ", until " + until);
        }
    }

    List<Double> rates() {
        final List<Double> rates = new ArrayList<>();
        double rate = start;
        while (rate <= until) {
            rates.add(rate);
            // rounding must not stall the ladder at low rates: always at least one more request a second
            rate = Math.max(rate + 1, new BigDecimal(rate * factor).round(TWO_DIGITS).doubleValue());
        }
        return rates;
    }

    /** A rate rounded to two significant digits (at least 1), as the ladder's steps are. */
    static double twoDigits(double rate) {
        return Math.max(1, new BigDecimal(rate).round(TWO_DIGITS).doubleValue());
    }

    String options() {
        return "--factor " + factor + " --until " + Format.rate(until);
    }
}
