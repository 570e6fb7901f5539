package io.sextant.platform.config;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Typed access to configuration from environment variables (12-factor). Every getter records a
 * problem instead of failing at once, so that {@link #check()} can name every wrong variable in one
 * start-up error.
 */
public final class Env {

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    private Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The process environment. */
    public static Env system() {
        return new Env(System.getenv());
    }

    /** Explicit values: for tests and for {@code local/}, which configures services in-process. */
    public static Env of(Map<String, String> values) {
        return new Env(values);
    }

    /** A copy with some values replaced or added. */
    public Env with(Map<String, String> overrides) {
        final var merged = new java.util.HashMap<>(values);
        merged.putAll(overrides);
        return new Env(merged);
    }

    /** The raw value, or null when unset or blank. */
    public String raw(String name) {
        final String value = values.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String string(String name, String defaultValue) {
        final String value = raw(name);
        return value == null ? defaultValue : value;
    }

    /** A value that has no default: a missing one is a start-up error. */
    public String required(String name, String meaning) {
        final String value = raw(name);
        if (value == null) {
            problems.add(name + " is not set: " + meaning);
            return "";
        }
        return value;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        return parse(name, defaultValue, Integer::valueOf, "an integer", value -> {
            if (value < min || value > max) {
                return "must be between " + min + " and " + max;
            }
            return null;
        });
    }

    public int port(String name, int defaultValue) {
        return integer(name, defaultValue, 0, 65535);
    }

    public boolean bool(String name, boolean defaultValue) {
        return parse(name, defaultValue, text -> {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "true": case "1": case "yes": case "on": return true;
                case "false": case "0": case "no": case "off": return false;
                default: throw new IllegalArgumentException(text);
            }
        }, "true or false", value -> null);
    }

    /** A duration as ISO-8601 ({@code PT15M}) or a number with a unit: {@code 500ms}, {@code 15m}, {@code 30d}. */
    public Duration duration(String name, Duration defaultValue) {
        return parse(name, defaultValue, Env::parseDuration, "a duration such as 500ms, 30s, 15m, 24h or 30d",
                     value -> value.isNegative() ? "must not be negative" : null);
    }

    public URI uri(String name, URI defaultValue) {
        return parse(name, defaultValue, URI::create, "a URI", value -> null);
    }

    /** Records a problem found by the caller's own check. */
    public void problem(String name, String message) {
        problems.add(name + " " + message);
    }

    /** Throws a {@link ConfigException} naming every variable that was wrong, if any. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private <T> T parse(String name, T defaultValue, Function<String, T> parser, String expected,
                        Function<T, String> validator) {
        final String text = raw(name);
        if (text == null) {
            return defaultValue;
        }
        final T value;
        try {
            value = Objects.requireNonNull(parser.apply(text));
        } catch (RuntimeException e) {
            problems.add(name + "='" + text + "' is not " + expected);
            return defaultValue;
        }
        final String problem = validator.apply(value);
        if (problem != null) {
            problems.add(name + "='" + text + "' " + problem);
            return defaultValue;
        }
        return value;
    }

    public static Duration parseDuration(String text) {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            try {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(text, e);
            }
        }
        int split = 0;
        while (split < t.length() && (Character.isDigit(t.charAt(split)))) {
            split++;
        }
        if (split == 0) {
            throw new IllegalArgumentException(text);
        }
        final long amount = Long.parseLong(t.substring(0, split));
        switch (t.substring(split)) {
            case "ms": return Duration.ofMillis(amount);
            case "s": return Duration.ofSeconds(amount);
            case "m": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            case "d": return Duration.ofDays(amount);
            default: throw new IllegalArgumentException(text);
        }
    }
}
