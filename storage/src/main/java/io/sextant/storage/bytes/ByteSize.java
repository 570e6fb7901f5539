package io.sextant.storage.bytes;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;

/** A size in bytes from a setting: a number of bytes, or one with a binary unit ({@code 512KiB}, {@code 8MiB}, {@code 1GiB}). */
public final class ByteSize {

    public static final long KIB = 1024;
    public static final long MIB = 1024 * KIB;
    public static final long GIB = 1024 * MIB;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|b|kib|k|mib|m|gib|g)");

    private ByteSize() {}

    /** Parses {@code 8388608}, {@code 8MiB} or {@code 8m}; throws IllegalArgumentException otherwise. */
    public static long parse(String text) {
        final Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException(text);
        }
        final long amount = Long.parseLong(matcher.group(1));
        final long unit = switch (matcher.group(2)) {
            case "kib", "k" -> KIB;
            case "mib", "m" -> MIB;
            case "gib", "g" -> GIB;
            default -> 1;
        };
        return Math.multiplyExact(amount, unit);
    }

    /** The size in {@code name}, or {@code defaultValue}; a wrong one is recorded in the Env as a problem. */
    public static long read(Env env, String name, long defaultValue, long min, long max) {
        final String text = env.raw(name);
        if (text == null) {
            return defaultValue;
        }
        final long value;
        try {
            value = parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            env.problem(name, "is '" + text + "', which is not a size in bytes such as 8388608 or 8MiB");
            return defaultValue;
        }
        if (value < min || value > max) {
            env.problem(name, "is '" + text + "': must be between " + format(min) + " and " + format(max));
            return defaultValue;
        }
        return value;
    }

    /** {@code 8MiB} for 8388608, else the number of bytes. */
    public static String format(long bytes) {
        if (bytes > 0 && bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes > 0 && bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        if (bytes > 0 && bytes % KIB == 0) {
            return bytes / KIB + "KiB";
        }
        return Long.toString(bytes);
    }
}
