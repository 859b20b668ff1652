package io.dsrgw.agent.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A host simulated in memory: interprets the iproute2 commands the agent runs (with the kernel's
 * answers for duplicates and missing objects) and prints {@code ip -j} JSON like iproute2 6.1 does.
 */
final class FakeHost implements Host {
    static final class Link {
        final String name;
        final int index;
        boolean up;
        final String kind;
        boolean pi;
        boolean multiQueue;
        String addrGenMode = "eui64";
        int mtu = 1500;
        /** Tunnel parameters as info_data prints them (local, remote, ikey, proto); empty for other devices. */
        final Map<String, String> tunnel = new LinkedHashMap<>();

        Link(String name, int index, boolean up, String kind) {
            this.name = name;
            this.index = index;
            this.up = up;
            this.kind = kind;
        }
    }

    record Addr(String device, String address, int prefix, String label) {
    }

    final Map<String, Link> links = new LinkedHashMap<>();
    final List<Addr> addresses = new ArrayList<>();
    final Map<String, String> sysctls = new LinkedHashMap<>();
    final List<String> commands = new ArrayList<>();
    final List<String> sysctlWrites = new ArrayList<>();
    private int nextIndex = 1;
    /** When set, a command starting with this prefix fails like the kernel refusing it. */
    String failPrefix;
    /** The agent's nftables table as nft would list it; null when absent. */
    NftTable nftTable;
    /** Simulates a host without the nft binary. */
    boolean nftMissing;
    /** Tunnel kinds the simulated kernel can create; others fail with "Error: Unknown device type.". */
    final java.util.Set<String> kernelKinds = new java.util.HashSet<>(List.of("ipip", "sit", "gre", "ip6tnl",
            "ip6gre"));
    /** Answers of {@code ip -j -4/-6 route get ADDRESS}: address -> prefsrc. */
    final Map<String, String> routeSources = new LinkedHashMap<>();
    /** Simulates the fou module: false = a kernel without it (every {@code ip fou} fails like iproute2 6.1). */
    boolean fouModule = true;
    /** The kernel's fou ports as "PORT FAMILY TYPE" ("6080 4 gue", "5555 6 ipproto 4"). */
    final List<String> fouPorts = new ArrayList<>();
    /** Packets counted by the nft table's named counters. */
    final Map<String, Long> counterPackets = new LinkedHashMap<>();

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A typical host: lo up with 127.0.0.1/8, eth0, systemd-style sysctls. */
    static FakeHost typical() {
        FakeHost h = new FakeHost();
        h.addLink("lo", true, null);
        h.addresses.add(new Addr("lo", "127.0.0.1", 8, "lo"));
        h.addLink("eth0", true, "veth");
        h.sysctls.put("net.ipv4.conf.all.rp_filter", "2");
        h.sysctls.put("net.ipv4.conf.default.rp_filter", "2");
        h.sysctls.put("net.ipv4.conf.all.arp_ignore", "0");
        h.sysctls.put("net.ipv4.conf.all.arp_announce", "0");
        h.sysctls.put("net.ipv4.conf.lo.rp_filter", "0");
        h.sysctls.put("net.ipv4.conf.eth0.rp_filter", "2");
        return h;
    }

    Link addLink(String name, boolean up, String kind) {
        Link l = new Link(name, nextIndex++, up, kind);
        links.put(name, l);
        if (!sysctls.containsKey("net.ipv4.conf." + name + ".rp_filter")) {
            sysctls.put("net.ipv4.conf." + name + ".rp_filter", sysctls.getOrDefault("net.ipv4.conf.default.rp_filter", "0"));
        }
        if (!sysctls.containsKey("net.ipv6.conf." + name + ".disable_ipv6")) {
            sysctls.put("net.ipv6.conf." + name + ".disable_ipv6",
                    sysctls.getOrDefault("net.ipv6.conf.default.disable_ipv6", "0"));
        }
        return l;
    }

    /** Everything the agent could change, as one comparable value. */
    String snapshot() {
        StringBuilder sb = new StringBuilder();
        links.values().forEach(l -> sb.append(l.name).append(' ').append(l.index).append(' ').append(l.up).append(' ')
                .append(l.kind).append(' ').append(l.addrGenMode).append(' ').append(l.mtu).append(' ')
                .append(l.tunnel).append('\n'));
        addresses.forEach(a -> sb.append(a).append('\n'));
        sb.append("nft ").append(nftTable).append('\n');
        fouPorts.forEach(f -> sb.append("fou ").append(f).append('\n'));
        sysctls.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    @Override
    public CommandResult run(List<String> argv) throws java.io.IOException {
        String line = String.join(" ", argv);
        if (nftMissing && argv.getFirst().equals("nft")) {
            throw new java.io.IOException("cannot run " + line
                    + ": Cannot run program \"nft\": error=2, No such file or directory");
        }
        commands.add(line);
        if (failPrefix != null && line.startsWith(failPrefix)) {
            return new CommandResult(argv, 2, "", "RTNETLINK answers: Operation not permitted\n");
        }
        try {
            return switch (line) {
                case "ip -j -d link show" -> ok(argv, linksJson());
                default -> execute(argv, line);
            };
        } catch (Fail f) {
            return new CommandResult(argv, f.code, "", f.getMessage() + "\n");
        }
    }

    /** ip -j fou show | ip fou add port N gue [-6] | ip fou del port N [-6], with the kernel's errnos. */
    private CommandResult fou(List<String> argv, String[] a) throws Fail {
        if (!fouModule) {
            throw new Fail(1, "RTNETLINK answers: No such file or directory\nError talking to the kernel");
        }
        if (a[1].equals("-j")) {
            ArrayNode arr = JSON.createArrayNode();
            for (String f : fouPorts) {
                String[] p = f.split(" ");
                ObjectNode o = arr.addObject().put("port", Integer.parseInt(p[0]));
                if (p[2].equals("gue")) {
                    o.putNull("gue");
                } else {
                    o.put("ipproto", Integer.parseInt(p[3]));
                }
                o.put("family", p[1].equals("6") ? "inet6" : "inet");
            }
            return ok(argv, arr.toString() + "\n");
        }
        if (a[2].equals("show")) {
            StringBuilder text = new StringBuilder();
            for (String f : fouPorts) {
                String[] p = f.split(" ");
                text.append("port ").append(p[0]).append(p[2].equals("gue") ? " gue" : " ipproto " + p[3])
                        .append(p[1].equals("6") ? " -6" : "").append('\n');
            }
            return ok(argv, text.toString());
        }
        String family = a[a.length - 1].equals("-6") ? "6" : "4";
        String prefix = a[4] + " " + family + " ";
        boolean exists = fouPorts.stream().anyMatch(f -> f.startsWith(prefix));
        if (a[2].equals("add")) {
            if (exists) {
                throw new Fail(2, "RTNETLINK answers: Operation already in progress");
            }
            fouPorts.add(prefix + "gue");
        } else {
            if (!exists) {
                throw new Fail(2, "RTNETLINK answers: No such file or directory");
            }
            fouPorts.removeIf(f -> f.startsWith(prefix));
        }
        return ok(argv, "");
    }

    private CommandResult execute(List<String> argv, String line) throws Fail {
        String[] a = argv.toArray(String[]::new);
        if (a[0].equals("nft")) {
            return nft(argv, line);
        }
        if (a[0].equals("ip") && (a[1].equals("fou") || (a.length > 2 && a[2].equals("fou")))) {
            return fou(argv, a);
        }
        if (line.startsWith("ip -j addr show dev ")) {
            Link l = link(a[5]);
            return ok(argv, addressesJson(l));
        }
        if (line.startsWith("ip addr add ")) {
            String[] cidr = a[3].split("/");
            Link l = link(a[5]);
            String label = a.length > 7 ? a[7] : null;
            for (Addr x : addresses) {
                if (x.device.equals(l.name) && x.address.equals(cidr[0]) && x.prefix == Integer.parseInt(cidr[1])) {
                    throw new Fail(2, "RTNETLINK answers: File exists");
                }
            }
            addresses.add(new Addr(l.name, cidr[0], Integer.parseInt(cidr[1]), label));
            return ok(argv, "");
        }
        if (line.startsWith("ip addr del ")) {
            String[] cidr = a[3].split("/");
            Link l = link(a[5]);
            boolean removed = addresses.removeIf(x -> x.device.equals(l.name) && x.address.equals(cidr[0])
                    && x.prefix == Integer.parseInt(cidr[1]));
            if (!removed) {
                throw new Fail(2, "RTNETLINK answers: Cannot assign requested address");
            }
            return ok(argv, "");
        }
        if (line.startsWith("ip tuntap add dev ") && line.endsWith(" mode tun")) {
            if (links.containsKey(a[4])) {
                throw new Fail(1, "ioctl(TUNSETIFF): Device or resource busy");
            }
            addLink(a[4], false, "tun");
            return ok(argv, "");
        }
        if (line.startsWith("ip link set dev ") && line.endsWith(" addrgenmode none")) {
            link(a[4]).addrGenMode = "none";
            return ok(argv, "");
        }
        if (line.startsWith("ip link add ")) {
            return addTunnel(argv, a);
        }
        if (line.startsWith("ip -j -4 route get ") || line.startsWith("ip -j -6 route get ")) {
            String src = routeSources.get(a[5]);
            if (src == null) {
                throw new Fail(2, "RTNETLINK answers: Network is unreachable");
            }
            return ok(argv, "[{\"dst\":\"" + a[5] + "\",\"dev\":\"eth0\",\"prefsrc\":\"" + src
                    + "\",\"flags\":[],\"uid\":0,\"cache\":[]}]");
        }
        if (line.startsWith("ip link set dev ") && a.length == 7 && a[5].equals("mtu")) {
            link(a[4]).mtu = Integer.parseInt(a[6]);
            return ok(argv, "");
        }
        if (line.startsWith("ip link set dev ") && line.endsWith(" up")) {
            link(a[4]).up = true;
            return ok(argv, "");
        }
        if (line.startsWith("ip link del dev ")) {
            Link l = link(a[4]);
            links.remove(l.name);
            addresses.removeIf(x -> x.device.equals(l.name));
            sysctls.keySet().removeIf(k -> k.startsWith("net.ipv4.conf." + l.name + ".")
                    || k.startsWith("net.ipv6.conf." + l.name + "."));
            return ok(argv, "");
        }
        throw new Fail(255, "FakeHost: unknown command: " + line);
    }

    /**
     * {@code ip link add NAME type KIND remote R local L [mode any] [key K]} with the kernel's rules: an unknown
     * type fails, a duplicate name or a duplicate (type, local, remote, key) fails with "File exists".
     */
    private CommandResult addTunnel(List<String> argv, String[] a) throws Fail {
        String name = a[3];
        String kind = a[5];
        if (!kernelKinds.contains(kind)) {
            throw new Fail(2, "Error: Unknown device type.");
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 6; i + 1 < a.length; i += 2) {
            params.put(a[i], a[i + 1]);
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("remote", params.get("remote"));
        data.put("local", params.get("local"));
        if (params.containsKey("mode")) {
            data.put("proto", params.get("mode"));
        }
        if (params.containsKey("key")) {
            long k = Long.parseLong(params.get("key"));
            String dotted = (k >>> 24) + "." + (k >>> 16 & 255) + "." + (k >>> 8 & 255) + "." + (k & 255);
            data.put("ikey", dotted);
            data.put("okey", dotted);
        }
        if (links.containsKey(name)) {
            throw new Fail(2, "RTNETLINK answers: File exists");
        }
        for (Link l : links.values()) {
            if (kind.equals(l.kind) && Objects.equals(l.tunnel.get("local"), data.get("local"))
                    && Objects.equals(l.tunnel.get("remote"), data.get("remote"))
                    && Objects.equals(l.tunnel.get("ikey"), data.get("ikey"))) {
                throw new Fail(2, "RTNETLINK answers: File exists");
            }
        }
        Link l = addLink(name, false, kind);
        l.tunnel.putAll(data);
        return ok(argv, "");
    }

    /** Adds a tunnel device as if created by hand: {@code params} as info_data. */
    Link addTunnelLink(String name, String kind, boolean up, int mtu, Map<String, String> params) {
        Link l = addLink(name, up, kind);
        l.mtu = mtu;
        l.tunnel.putAll(params);
        return l;
    }

    private static final java.util.regex.Pattern SET = java.util.regex.Pattern.compile(
            "set (\\w+) \\{ type (\\w+); elements = \\{ ([^}]*) \\}; \\};");
    private static final java.util.regex.Pattern COUNTER = java.util.regex.Pattern.compile(
            " counter (\\w+) \\{ \\};");
    private static final java.util.regex.Pattern CHAIN = java.util.regex.Pattern.compile(
            "chain (\\w+) \\{ type (\\w+) hook (\\w+) priority (-?\\d+); policy (\\w+);(.*?) \\};");
    private static final java.util.regex.Pattern RULE = java.util.regex.Pattern.compile(
            " ([^;]*?) comment \"([^\"]*)\";");

    /** nft as the agent uses it: list tables, list the agent's table, replace it by script, delete it. */
    private CommandResult nft(List<String> argv, String line) throws Fail {
        String prefix = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}}";
        if (line.equals("nft -j list tables")) {
            return ok(argv, prefix + (nftTable == null ? "" : ", {\"table\": {\"family\": \"inet\", \"name\": "
                    + "\"dsrgw_agent\", \"handle\": 9}}") + "]}");
        }
        if (line.equals("nft -j list table inet dsrgw_agent")) {
            if (nftTable == null) {
                throw new Fail(1, "Error: No such file or directory");
            }
            ArrayNode items = JSON.createArrayNode();
            items.addObject().putObject("table").put("family", "inet").put("name", "dsrgw_agent");
            for (NftTable.NftSet set : nftTable.sets()) {
                ArrayNode elem = items.addObject().putObject("set").put("family", "inet").put("name", set.name())
                        .put("table", "dsrgw_agent").put("type", set.type()).putArray("elem");
                set.elements().forEach(elem::add);
            }
            for (String c : nftTable.counters()) {
                items.addObject().putObject("counter").put("family", "inet").put("name", c)
                        .put("table", "dsrgw_agent").put("handle", 3).put("packets", counterPackets.getOrDefault(c, 0L))
                        .put("bytes", 0);
            }
            for (NftTable.NftChain c : nftTable.chains()) {
                items.addObject().putObject("chain").put("family", "inet").put("table", "dsrgw_agent")
                        .put("name", c.name()).put("type", c.type()).put("hook", c.hook()).put("prio", c.priority())
                        .put("policy", c.policy());
            }
            for (NftTable.NftChain c : nftTable.chains()) {
                for (NftTable.NftRule r : c.rules()) {
                    items.addObject().putObject("rule").put("family", "inet").put("table", "dsrgw_agent")
                            .put("chain", c.name()).put("comment", r.comment()).putArray("expr");
                }
            }
            return ok(argv, prefix + ", " + items.toString().substring(1) + "}");
        }
        if (line.equals("nft delete table inet dsrgw_agent")) {
            if (nftTable == null) {
                throw new Fail(1, "Error: Could not process rule: No such file or directory");
            }
            nftTable = null;
            return ok(argv, "");
        }
        if (argv.size() == 2 && argv.get(1).startsWith("add table inet dsrgw_agent; delete table inet dsrgw_agent; ")) {
            String script = argv.get(1);
            List<NftTable.NftSet> sets = new ArrayList<>();
            java.util.regex.Matcher m = SET.matcher(script);
            while (m.find()) {
                sets.add(new NftTable.NftSet(m.group(1), m.group(2), List.of(m.group(3).split(", "))));
            }
            List<NftTable.NftChain> chains = new ArrayList<>();
            m = CHAIN.matcher(script);
            while (m.find()) {
                List<NftTable.NftRule> rules = new ArrayList<>();
                java.util.regex.Matcher r = RULE.matcher(m.group(6));
                while (r.find()) {
                    rules.add(new NftTable.NftRule(r.group(1), r.group(2)));
                }
                chains.add(new NftTable.NftChain(m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4)),
                        m.group(5), rules));
            }
            List<String> counters = new ArrayList<>();
            m = COUNTER.matcher(script);
            while (m.find()) {
                counters.add(m.group(1));
            }
            nftTable = new NftTable(sets, counters, chains);
            counterPackets.clear();
            return ok(argv, "");
        }
        throw new Fail(1, "FakeHost: unknown nft command: " + line);
    }

    @Override
    public String readSysctl(String key) {
        return sysctls.get(key);
    }

    @Override
    public void writeSysctl(String key, String value) throws java.io.IOException {
        if (!sysctls.containsKey(key)) {
            throw new java.nio.file.NoSuchFileException("/proc/sys/" + key.replace('.', '/'));
        }
        sysctlWrites.add(key + "=" + value);
        sysctls.put(key, value);
    }

    private Link link(String name) throws Fail {
        Link l = links.get(name);
        if (l == null) {
            throw new Fail(1, "Cannot find device \"" + name + "\"");
        }
        return l;
    }

    private String linksJson() {
        ArrayNode arr = JSON.createArrayNode();
        for (Link l : links.values()) {
            ObjectNode o = arr.addObject();
            o.put("ifindex", l.index).put("ifname", l.name);
            ArrayNode flags = o.putArray("flags");
            if (l.name.equals("lo")) {
                flags.add("LOOPBACK");
            }
            if (l.up) {
                flags.add("UP");
            }
            o.put("mtu", l.mtu);
            if (l.kind != null) {
                ObjectNode info = o.putObject("linkinfo").put("info_kind", l.kind);
                if (!l.tunnel.isEmpty()) {
                    ObjectNode data = info.putObject("info_data");
                    l.tunnel.forEach(data::put);
                    data.put("ttl", 0).put("pmtudisc", true);
                }
                if (l.kind.equals("tun")) {
                    info.putObject("info_data").put("type", "tun").put("pi", l.pi).put("vnet_hdr", false)
                            .put("multi_queue", l.multiQueue).put("persist", true);
                }
            }
            o.put("inet6_addr_gen_mode", l.addrGenMode);
        }
        return arr.toString();
    }

    private String addressesJson(Link l) {
        ArrayNode arr = JSON.createArrayNode();
        ObjectNode o = arr.addObject();
        o.put("ifindex", l.index).put("ifname", l.name);
        ArrayNode info = o.putArray("addr_info");
        for (Addr a : addresses) {
            if (a.device.equals(l.name)) {
                ObjectNode n = info.addObject().put("family", a.address.contains(":") ? "inet6" : "inet")
                        .put("local", a.address).put("prefixlen", a.prefix).put("scope", "host");
                n.put("label", Objects.requireNonNullElse(a.label, l.name));
                n.put("valid_life_time", 4294967295L).put("preferred_life_time", 4294967295L);
            }
        }
        return arr.toString();
    }

    private static CommandResult ok(List<String> argv, String stdout) {
        return new CommandResult(argv, 0, stdout, "");
    }

    private static final class Fail extends Exception {
        final int code;

        Fail(int code, String message) {
            super(message);
            this.code = code;
        }
    }
}
