package io.dsrgw.encap.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the golden-packet tables in {@code src/test/resources/fixtures/} (format: the README.md there): one
 * table per feature, each case with a description, a config, an input packet, the expected verdict and the
 * expected output packets. Published in the {@code dsrgw-encap:tests} test-jar so that the gateway runs the
 * same tables through its pipeline tests and {@code dsr-gateway replay}. Allocates and throws freely: test
 * code only.
 */
public final class FixtureTable {
    /** The tables in the test-jar, by resource name (without {@code .txt}). */
    public static final List<String> TABLES = List.of("tunnel-kinds", "ipv6-extension-headers", "icmp-too-big",
            "echo", "icmp-error-flow", "fragments", "l2-dsr");

    /**
     * One case of a table.
     *
     * @param table the table name; @param line the line of the {@code case:} field (for messages)
     * @param config the {@code config:} pairs in order; @param fields every other named field (key, expect-*)
     */
    public record Case(String table, int line, String description, Map<String, String> config,
                       Map<String, String> fields, byte[] input, String verdict, List<byte[]> outputs) {
        /** The config value, or an {@link IllegalArgumentException} naming the case when it is missing. */
        public String config(String name) {
            String value = config.get(name);
            if (value == null) {
                throw new IllegalArgumentException(this + ": no config '" + name + "' (expected in: " + config + ")");
            }
            return value;
        }

        /** True when the case's config has this key. */
        public boolean hasConfig(String name) {
            return config.containsKey(name);
        }

        /** A config number in decimal or 0x hex. */
        public long configNumber(String name) {
            return parseNumber(config(name));
        }

        /** A field value ({@code key}, {@code expect-upper}, ...) or null. */
        public String field(String name) {
            return fields.get(name);
        }

        public String op() {
            return config("op");
        }

        @Override
        public String toString() {
            return table + ".txt:" + line + " " + description;
        }
    }

    private FixtureTable() {
    }

    /** The cases of a table in the test-jar ({@code /fixtures/<name>.txt} on the class path). */
    public static List<Case> load(String name) {
        String resource = "/fixtures/" + name + ".txt";
        try (InputStream in = FixtureTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture table " + resource + " on the class path (expected: one"
                        + " of " + TABLES + ")");
            }
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /** The cases of a table file (e.g. a copy edited for a replay run). */
    public static List<Case> load(Path file) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.txt$", "");
        return parse(name, Files.readString(file));
    }

    /** The cases of table text (see the README for the format). */
    public static List<Case> parse(String table, String text) {
        List<Case> cases = new ArrayList<>();
        List<String[]> fields = new ArrayList<>(); // {name, value, line}
        String[] lines = text.split("\n", -1);
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i].stripTrailing() : "";
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isEmpty()) {
                if (!fields.isEmpty()) {
                    cases.add(toCase(table, fields));
                    fields.clear();
                }
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (fields.isEmpty()) {
                    throw new IllegalArgumentException(table + ".txt:" + (i + 1)
                            + ": continuation line without a field");
                }
                String[] last = fields.get(fields.size() - 1);
                last[1] = last[1] + line.strip();
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(table + ".txt:" + (i + 1) + ": '" + line
                        + "' (expected: name: value)");
            }
            fields.add(new String[] {line.substring(0, colon).strip(), line.substring(colon + 1).strip(),
                Integer.toString(i + 1)});
        }
        return Collections.unmodifiableList(cases);
    }

    private static Case toCase(String table, List<String[]> fields) {
        String where = table + ".txt:" + fields.get(0)[2];
        if (!fields.get(0)[0].equals("case")) {
            throw new IllegalArgumentException(where + ": a case starts with 'case:' (found: " + fields.get(0)[0]
                    + ")");
        }
        Map<String, String> config = new LinkedHashMap<>();
        Map<String, String> named = new LinkedHashMap<>();
        byte[] input = null;
        String verdict = null;
        List<byte[]> outputs = new ArrayList<>();
        for (String[] field : fields.subList(1, fields.size())) {
            switch (field[0]) {
                case "config" -> {
                    for (String pair : field[1].split("\\s+")) {
                        int eq = pair.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(where + ": config '" + pair + "' (expected: key=value)");
                        }
                        config.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                case "input" -> input = HexFormat.of().parseHex(field[1]);
                case "verdict" -> verdict = field[1];
                case "output" -> outputs.add(HexFormat.of().parseHex(field[1]));
                default -> named.put(field[0], field[1]);
            }
        }
        if (input == null || verdict == null) {
            throw new IllegalArgumentException(where + ": a case needs input and verdict");
        }
        return new Case(table, Integer.parseInt(fields.get(0)[2]), fields.get(0)[1],
                Collections.unmodifiableMap(config), Collections.unmodifiableMap(named), input, verdict,
                Collections.unmodifiableList(outputs));
    }

    /**
     * Writes the inputs of {@code cases} to a pcap (LINKTYPE_RAW, one packet per case, in order, 1 ms apart),
     * e.g. as the {@code --in} of {@code dsr-gateway replay}.
     */
    public static void writeInputs(List<Case> cases, Path pcap) throws IOException {
        try (io.dsrgw.encap.pcap.PcapWriter w = io.dsrgw.encap.pcap.PcapWriter.create(pcap,
                io.dsrgw.encap.pcap.LinkType.RAW, true)) {
            long t = 1_700_000_000_000_000_000L;
            for (Case c : cases) {
                w.write(t, java.lang.foreign.MemorySegment.ofArray(c.input()), 0, c.input().length);
                t += 1_000_000L;
            }
        }
    }

    /** Decimal or 0x-prefixed hex. */
    public static long parseNumber(String text) {
        return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
    }

    /**
     * A copy of an outer packet with the fields that differ per gateway zeroed: the IPv4 identification and
     * header checksum (per worker), or the IPv6 flow label (from the keyed flow hash). For comparing a
     * gateway's output with a table's {@code output}.
     */
    public static byte[] maskPerGatewayFields(byte[] packet) {
        byte[] copy = packet.clone();
        if (copy.length >= 20 && (copy[0] & 0xf0) == 0x40) {
            copy[4] = 0;
            copy[5] = 0;
            copy[10] = 0;
            copy[11] = 0;
        } else if (copy.length >= 40 && (copy[0] & 0xf0) == 0x60) {
            copy[1] &= (byte) 0xf0;
            copy[2] = 0;
            copy[3] = 0;
        }
        return copy;
    }
}
