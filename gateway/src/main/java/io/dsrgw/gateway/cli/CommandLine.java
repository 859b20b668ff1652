package io.dsrgw.gateway.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed arguments of one sub-command: {@code --name value} or {@code --name=value} options from a fixed set,
 * and positional arguments. Every mistake is a {@link UsageException} naming the argument and what was expected.
 */
final class CommandLine {
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private CommandLine() {
    }

    /**
     * @param args    the arguments after the sub-command
     * @param allowed the option names this sub-command accepts, e.g. {@code --config}
     * @param maxPositional how many positional arguments are allowed
     */
    static CommandLine parse(List<String> args, List<String> allowed, int maxPositional) throws UsageException {
        CommandLine cl = new CommandLine();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--") && a.length() > 2) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (!allowed.contains(name)) {
                    throw new UsageException("unknown option " + name + expected(allowed));
                }
                if (value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException("option " + name + " needs a value (expected: " + name + " "
                                + metaVar(name) + ")");
                    }
                    value = args.get(++i);
                }
                if (value.isEmpty()) {
                    throw new UsageException("option " + name + " has an empty value (expected: " + name + " "
                            + metaVar(name) + ")");
                }
                if (cl.options.putIfAbsent(name, value) != null) {
                    throw new UsageException("option " + name + " given twice (expected: once)");
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageException("unknown option " + a + expected(allowed));
            } else {
                if (cl.positional.size() >= maxPositional) {
                    throw new UsageException("unexpected argument " + a + (maxPositional == 0
                            ? " (expected: options only" + (allowed.isEmpty() ? "" : ": " + String.join(", ", allowed))
                            + ")" : " (expected: " + maxPositional + " argument" + (maxPositional == 1 ? "" : "s")
                            + ")"));
                }
                cl.positional.add(a);
            }
        }
        return cl;
    }

    private static String expected(List<String> allowed) {
        return allowed.isEmpty() ? " (expected: no options)" : " (expected: " + String.join(", ", allowed) + ")";
    }

    private static String metaVar(String option) {
        return switch (option) {
            case "--in", "--out" -> "FILE.pcap";
            default -> "FILE";
        };
    }

    /** The value of a required option. */
    String required(String name) throws UsageException {
        String v = options.get(name);
        if (v == null) {
            throw new UsageException("missing option " + name + " (expected: " + name + " " + metaVar(name) + ")");
        }
        return v;
    }

    List<String> positional() {
        return positional;
    }
}
