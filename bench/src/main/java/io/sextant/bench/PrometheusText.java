package io.sextant.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Samples of the Prometheus text exposition format (version 0.0.4), as the mesh's {@code /metrics}
 * serve it: enough to read counters and gauges before and after a run.
 */
record PrometheusText(List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {}

    static PrometheusText parse(String text) {
        final List<Sample> samples = new ArrayList<>();
        for (String raw : text.split("\n")) {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new PrometheusText(List.copyOf(samples));
    }

    /** The sum of the samples of a metric whose labels match; 0 when there are none. */
    double sum(String name, Predicate<Map<String, String>> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && labels.test(s.labels)).mapToDouble(Sample::value)
                      .sum();
    }

    /** Whether the metric has any sample at all (absent: the server does not export it). */
    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name.equals(name));
    }

    /** The largest value of the metric's samples, or NaN when it has none. */
    double max(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).mapToDouble(Sample::value).max().orElse(Double.NaN);
    }

    private static Sample sample(String line) {
        final int brace = line.indexOf('{');
        final int space = line.indexOf(' ');
        if (brace < 0 || (space >= 0 && space < brace)) {
            final String[] parts = line.split("\\s+");
            if (parts.length < 2) {
                throw new IllegalArgumentException("a sample without a value: " + line);
            }
            return new Sample(parts[0], Map.of(), value(parts[1], line));
        }
        final Map<String, String> labels = new LinkedHashMap<>();
        int at = brace + 1;
        while (true) {
            while (at < line.length() && (line.charAt(at) == ',' || line.charAt(at) == ' ')) {
                at++;
            }
            if (at >= line.length()) {
                throw new IllegalArgumentException("unterminated labels: " + line);
            }
            if (line.charAt(at) == '}') {
                at++;
                break;
            }
            final int equals = line.indexOf('=', at);
            if (equals < 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException("not a label: " + line);
            }
            final String key = line.substring(at, equals).strip();
            final StringBuilder value = new StringBuilder();
            int i = equals + 2;
            for (; i < line.length() && line.charAt(i) != '"'; i++) {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) {
                    c = line.charAt(++i);
                    value.append(c == 'n' ? '\n' : c);
                } else {
                    value.append(c);
                }
            }
            if (i >= line.length()) {
                throw new IllegalArgumentException("unterminated label value: " + line);
            }
            labels.put(key, value.toString());
            at = i + 1;
        }
        final String[] rest = line.substring(at).strip().split("\\s+");
        return new Sample(line.substring(0, brace), Collections.unmodifiableMap(labels), value(rest[0], line));
    }

    /** A sample's value; a timestamp after it is ignored. */
    private static double value(String text, String line) {
        try {
            return switch (text) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(text);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a sample value in: " + line, e);
        }
    }
}
