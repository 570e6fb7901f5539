package io.sextant.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them ({@code 500ms}, {@code 30s}, {@code 2m}) and numbers as the report prints them. */
final class Format {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

    private Format() {}

    static Duration parseDuration(String text) {
        final Matcher matcher = DURATION.matcher(text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 30s or 2m, not '" + text + "'");
        }
        final long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    /** The inverse of {@link #parseDuration} for whole milliseconds, seconds or minutes. */
    static String duration(Duration duration) {
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        final long seconds = duration.toSeconds();
        return seconds % 60 == 0 && seconds > 0 ? seconds / 60 + "m" : seconds + "s";
    }

    static String rate(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : String.format(Locale.ROOT, "%.2f", rate);
    }

    static String millis(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.2f" : "%.1f", millis);
    }

    static String perSecond(double value) {
        return String.format(Locale.ROOT, value < 100 ? "%.1f" : "%,.0f", value);
    }

    /** Cores in use, or "n/a" when unknown (negative). */
    static String cores(double cores) {
        return cores < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", cores);
    }

    static String micros(double micros) {
        return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", micros);
    }

    static String mebibytes(double mib) {
        return String.format(Locale.ROOT, "%.0f MiB", mib);
    }

    static String percent(double fraction) {
        return fraction < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }
}
