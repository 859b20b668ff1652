package io.dsrgw.harness.netns;

import java.util.List;
import java.util.Map;

/**
 * Drops every forwarded ICMP "fragmentation needed" (type 3 code 4) and ICMPv6 "packet too big" (type 2) in one
 * namespace (normally the router): the "PMTUD black hole" that MSS clamping on the backends must survive. An
 * nftables table of its own, {@value #TABLE}, with a forward chain and named counters, so that a test can show
 * that messages were really dropped; {@link #remove()} deletes the table.
 */
public final class TooBigFilter implements AutoCloseable {
    public static final String TABLE = "dsrgw_harness_toobig";
    private static final String SCRIPT = """
            table inet %1$s {
              counter dropped_frag_needed { }
              counter dropped_packet_too_big { }
              chain forward {
                type filter hook forward priority -200; policy accept;
                icmp type destination-unreachable icmp code frag-needed counter name dropped_frag_needed drop
                icmpv6 type packet-too-big counter name dropped_packet_too_big drop
              }
            }
            """.formatted(TABLE);

    private final Namespace ns;
    private boolean installed;

    private TooBigFilter(Namespace ns) {
        this.ns = ns;
        this.installed = true;
    }

    /** Installs the drop rules in {@code ns} (replacing an earlier copy of this table). */
    public static TooBigFilter install(Namespace ns) throws CommandException {
        ns.execUnchecked(Commands.DEFAULT_TIMEOUT, "nft", "delete", "table", "inet", TABLE);
        Commands.Result r = Commands.run(ns.wrap(List.of("sh", "-c", "printf '%s' \"$1\" | nft -f -", "nft",
                SCRIPT)));
        if (!r.ok()) {
            throw new CommandException("nft -f - in " + ns.name() + " exited " + r.exitCode() + ": "
                    + r.stderr().strip() + "\nscript:\n" + SCRIPT, r.exitCode());
        }
        return new TooBigFilter(ns);
    }

    /** Packets dropped so far: {@code dropped_frag_needed} and {@code dropped_packet_too_big}. */
    public Map<String, NftCounters.Count> dropped() throws CommandException {
        return NftCounters.parse(ns.exec("nft", "list", "counters", "table", "inet", TABLE).stdout());
    }

    /** Deletes the table (idempotent). */
    public void remove() throws CommandException {
        if (installed) {
            ns.exec("nft", "delete", "table", "inet", TABLE);
            installed = false;
        }
    }

    @Override
    public void close() throws CommandException {
        remove();
    }
}
