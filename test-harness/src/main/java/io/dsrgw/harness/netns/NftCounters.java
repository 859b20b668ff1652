package io.dsrgw.harness.netns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exact packet counters in one namespace: an nftables table {@code inet dsrgw_harness} with one named counter
 * per rule, each rule matching only (no verdicts, so forwarding is unaffected). Unlike link counters they do not
 * count ARP or neighbour discovery, so tests can assert exact numbers such as "zero packets from the VIP".
 *
 * <pre>
 * NftCounters c = NftCounters.install(gatewayNs, Map.of(
 *         "from_vip", "iifname \"eth0\" ip saddr 10.100.0.1"), Hook.PREROUTING);
 * c.read().get("from_vip");
 * </pre>
 */
public final class NftCounters {
    public static final String TABLE = "dsrgw_harness";
    private static final Pattern COUNTER = Pattern.compile(
            "counter\\s+(\\S+)\\s*\\{[^}]*?packets\\s+(\\d+)\\s+bytes\\s+(\\d+)", Pattern.DOTALL);

    /** Where the rules run. */
    public enum Hook {
        /** Everything that arrives on an interface (forwarded or local), before routing. */
        PREROUTING("filter", "prerouting", "-300"),
        /** Everything that leaves an interface (forwarded or locally sent), after routing. */
        POSTROUTING("filter", "postrouting", "300");

        final String type;
        final String hook;
        final String priority;

        Hook(String type, String hook, String priority) {
            this.type = type;
            this.hook = hook;
            this.priority = priority;
        }
    }

    /** Packets and bytes of one counter. */
    public record Count(long packets, long bytes) {
    }

    private final Namespace ns;

    private NftCounters(Namespace ns) {
        this.ns = ns;
    }

    /**
     * Creates (or extends) the table in {@code ns} with one chain per hook and, for each entry, a named counter
     * and a rule {@code MATCH counter name NAME}. Counter names: [a-z0-9_].
     */
    public static NftCounters install(Namespace ns, Hook hook, Map<String, String> matchByName)
            throws CommandException {
        StringBuilder script = new StringBuilder();
        script.append("table inet ").append(TABLE).append(" {\n");
        for (String name : matchByName.keySet()) {
            if (!name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("counter name: " + name + " (expected: [a-z][a-z0-9_]*)");
            }
            script.append("  counter ").append(name).append(" { }\n");
        }
        String chain = hook.hook;
        script.append("  chain ").append(chain).append(" {\n    type ").append(hook.type).append(" hook ")
                .append(hook.hook).append(" priority ").append(hook.priority).append("; policy accept;\n");
        for (Map.Entry<String, String> e : matchByName.entrySet()) {
            script.append("    ").append(e.getValue()).append(" counter name ").append(e.getKey()).append('\n');
        }
        script.append("  }\n}\n");
        nft(ns, script.toString());
        return new NftCounters(ns);
    }

    /** Current values of every counter in the table. */
    public Map<String, Count> read() throws CommandException {
        return parse(ns.exec("nft", "list", "counters", "table", "inet", TABLE).stdout());
    }

    /** Parses {@code nft list counters} output. */
    static Map<String, Count> parse(String listing) {
        Map<String, Count> out = new LinkedHashMap<>();
        Matcher m = COUNTER.matcher(listing);
        while (m.find()) {
            out.put(m.group(1), new Count(Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
        }
        return out;
    }

    /** Resets every counter to zero. */
    public void reset() throws CommandException {
        ns.exec("nft", "reset", "counters", "table", "inet", TABLE);
    }

    private static void nft(Namespace ns, String script) throws CommandException {
        // nft -f - reads the script from stdin; pass it through a here-string via sh to keep Commands simple.
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "printf '%s' \"$1\" | nft -f -", "nft", script));
        Commands.Result r = Commands.run(ns.wrap(cmd));
        if (!r.ok()) {
            throw new CommandException("nft -f - in " + ns.name() + " exited " + r.exitCode() + ": "
                    + r.stderr().strip() + "\nscript:\n" + script, r.exitCode());
        }
    }
}
