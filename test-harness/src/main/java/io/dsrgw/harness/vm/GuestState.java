package io.dsrgw.harness.vm;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A comparable snapshot of what a DSR backend setup touches in the guest: links with their details
 * ({@code ip -d -o link}: type, tunnel parameters, flags, MTU), addresses ({@code ip -o addr}: device, address,
 * scope, label), the whole nftables ruleset, and the IPv4 rp_filter/arp_ignore/arp_announce sysctls of
 * {@code all}, {@code default} and every device. Left out, because they identify an instance rather than describe
 * a configuration: interface indexes, address lifetimes, and what the kernel randomizes per created device (the
 * real kernel taught this: ip6tnl and ip6gre get a random {@code permaddr} and, from it, a random IPv6 link-local
 * address every time). Two snapshots are equal exactly when the configuration is. For "{@code down} leaves the VM
 * as before {@code apply}": capture before, apply, down, capture again, {@link #diff}. For "a restart recreates no
 * interface": compare {@link #ifindexByName()}.
 *
 * @param lines sorted, one fact per line, prefixed by its kind: "link: ", "addr: ", "nft: ", "fou: " (the kernel's
 *              GUE receive ports), "sysctl: "
 * @param ifindexByName interface index of every link (a recreated link gets a new one)
 */
public record GuestState(List<String> lines, Map<String, Integer> ifindexByName) {
    private static final Pattern LINK = Pattern.compile("^(\\d+):\\s+([^:@\\s]+)");
    static final String CAPTURE = """
            echo @@link; ip -d -o link show
            echo @@addr; ip -o addr show
            echo @@nft; nft list ruleset
            echo @@fou; ip fou show 2>&1
            echo @@sysctl; sysctl -a 2>/dev/null \\
              | grep -E '^net[.]ipv4[.]conf[.][^.]+[.](rp_filter|arp_ignore|arp_announce) '
            """;

    /** iproute2's warning when the kernel's table changed during the dump (e.g. DAD or carrier during boot). */
    static final String DUMP_INTERRUPTED = "Dump was interrupted";
    private static final int CAPTURE_ATTEMPTS = 5;

    /**
     * Captures the current state of {@code vm} (one command-channel round trip; repeated while iproute2 reports an
     * interrupted, possibly inconsistent dump).
     */
    public static GuestState capture(Vm vm) throws IOException {
        String out = vm.check(CAPTURE).output();
        for (int i = 1; i < CAPTURE_ATTEMPTS && out.contains(DUMP_INTERRUPTED); i++) {
            out = vm.check("sleep 0.2\n" + CAPTURE).output();
        }
        if (out.contains(DUMP_INTERRUPTED)) {
            throw new IOException("guest state: iproute2 reported \"" + DUMP_INTERRUPTED + "\" " + CAPTURE_ATTEMPTS
                    + " times in a row");
        }
        return parse(out);
    }

    static GuestState parse(String output) {
        TreeSet<String> sorted = new TreeSet<>();
        Map<String, Integer> ifindex = new TreeMap<>();
        String section = "?";
        for (String raw : output.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("@@")) {
                section = line.substring(2);
                continue;
            }
            if (line.isEmpty() || line.equals("}")) {
                continue;
            }
            if (section.equals("link")) {
                Matcher m = LINK.matcher(line);
                if (m.find()) {
                    ifindex.put(m.group(2), Integer.parseInt(m.group(1)));
                }
                // "7: dsrip6@NONE: <...> mtu 1452 ... permaddr 2625:733f:2e83:: ..." -> without index and permaddr.
                // Carrier is operational, not configuration (eth0 has none for a moment after boot): without the
                // NO-CARRIER/LOWER_UP/DORMANT flags and the operstate.
                line = line.replaceFirst("^\\d+:\\s+", "").replaceAll("\\s*permaddr \\S+", "")
                        .replaceAll("(?<=[<,])(NO-CARRIER|LOWER_UP|DORMANT)(,|(?=>))", "").replace(",>", ">")
                        .replaceFirst(" state \\S+", "");
            } else if (section.equals("addr")) {
                if (line.contains(" inet6 fe80:") && line.contains("scope link")) {
                    continue;
                }
                // "1: lo    inet 10.100.0.1/32 scope global lo\       valid_lft forever preferred_lft forever"
                line = line.replaceFirst("^\\d+:\\s+", "").replaceFirst("\\\\\\s+valid_lft.*$", "");
            }
            sorted.add(section + ": " + line.replaceAll("\\s+", " ").strip());
        }
        return new GuestState(List.copyOf(sorted), Map.copyOf(ifindex));
    }

    /** Lines only in this snapshot ("- ...") and only in {@code after} ("+ ..."); empty when equal. */
    public List<String> diff(GuestState after) {
        List<String> d = new ArrayList<>();
        for (String l : lines) {
            if (!after.lines.contains(l)) {
                d.add("- " + l);
            }
        }
        for (String l : after.lines) {
            if (!lines.contains(l)) {
                d.add("+ " + l);
            }
        }
        return d;
    }
}
