package io.dsrgw.harness.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 as scraped from a running process (the Java client
 * has no parser): every line is a HELP, a TYPE or a sample, each family has HELP and TYPE before its samples,
 * names and label names are valid, label values are properly quoted, values parse as numbers, counters end in
 * {@code _total}, and no series appears twice. {@link #parse} throws with the offending line; the result holds
 * every sample by name and labels.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|"
            + "untyped|info|stateset)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

    /** One sample: metric name, labels (sorted by name) and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types;
    private final Map<String, String> help;
    private final List<Sample> samples;

    private PrometheusText(Map<String, String> types, Map<String, String> help, List<Sample> samples) {
        this.types = types;
        this.help = help;
        this.samples = samples;
    }

    /**
     * Parses and checks {@code text}; every name must start with {@code prefix}.
     *
     * @throws IllegalArgumentException naming the line and what was expected
     */
    public static PrometheusText parse(String text, String prefix) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        java.util.Set<String> series = new java.util.HashSet<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                if (n < text.split("\n", -1).length) {
                    throw bad(n, line, "no empty lines inside the exposition");
                }
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (help.put(m.group(1), m.group(2)) != null) {
                    throw bad(n, line, "one HELP per family");
                }
                if (m.group(2).isBlank()) {
                    throw bad(n, line, "a non-empty HELP text");
                }
            } else if ((m = TYPE.matcher(line)).matches()) {
                String family = m.group(1);
                if (!help.containsKey(family)) {
                    throw bad(n, line, "HELP before TYPE");
                }
                if (types.put(family, m.group(2)) != null) {
                    throw bad(n, line, "one TYPE per family");
                }
                if (m.group(2).equals("counter") && !family.endsWith("_total")) {
                    throw bad(n, line, "counter names end in _total");
                }
                if (!family.startsWith(prefix)) {
                    throw bad(n, line, "names start with " + prefix);
                }
            } else if (line.startsWith("#")) {
                throw bad(n, line, "# HELP or # TYPE");
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String family = familyOf(name, types);
                if (family == null) {
                    throw bad(n, line, "a TYPE line for the sample's family before it");
                }
                Map<String, String> labels = new TreeMap<>();
                if (m.group(3) != null && !m.group(3).isEmpty()) {
                    Matcher l = LABEL.matcher(m.group(3));
                    int end = 0;
                    while (l.find() && l.start() == end) {
                        if (labels.put(l.group(1), l.group(2)) != null) {
                            throw bad(n, line, "each label once");
                        }
                        end = l.end();
                    }
                    if (end != m.group(3).length()) {
                        throw bad(n, line, "labels as name=\"value\", comma-separated");
                    }
                }
                double value;
                try {
                    value = switch (m.group(4)) {
                        case "+Inf" -> Double.POSITIVE_INFINITY;
                        case "-Inf" -> Double.NEGATIVE_INFINITY;
                        case "NaN" -> Double.NaN;
                        default -> Double.parseDouble(m.group(4));
                    };
                } catch (NumberFormatException e) {
                    throw bad(n, line, "a number as the value");
                }
                if (types.get(family).equals("counter") && (value < 0 || Double.isNaN(value))) {
                    throw bad(n, line, "a counter value >= 0");
                }
                if (!series.add(name + labels)) {
                    throw bad(n, line, "each series once");
                }
                samples.add(new Sample(name, labels, value));
            } else {
                throw bad(n, line, "NAME{LABELS} VALUE");
            }
        }
        return new PrometheusText(types, help, samples);
    }

    /** The family a sample belongs to: its own name, or for a counter the name with _total / _created. */
    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_created", "_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private static IllegalArgumentException bad(int line, String text, String expected) {
        return new IllegalArgumentException("/metrics line " + line + ": " + text + " (expected: " + expected + ")");
    }

    /** The TYPE of every family, by name. */
    public Map<String, String> types() {
        return types;
    }

    /** Every sample in order. */
    public List<Sample> samples() {
        return samples;
    }

    /** The samples of metric {@code name} (exact sample name). */
    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of the one sample of {@code name} with exactly {@code labels}, or NaN when absent. */
    public double value(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(new TreeMap<>(labels)))
                .mapToDouble(Sample::value).findFirst().orElse(Double.NaN);
    }

    /** Sum of all samples of {@code name}. */
    public double sum(String name) {
        return samples(name).stream().mapToDouble(Sample::value).sum();
    }
}
