package io.dsrgw.conf;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code dsrgw.gateway} -> {@link GatewayConfig}, collecting every problem. */
final class GatewayReader {

    static final int MIN_TUNNEL_MTU = 576;          // RFC 791: every IPv4 host must accept 576-byte datagrams
    static final int MAX_TUNNEL_MTU = 65535;        // IPv4 total length is 16 bits
    static final int MAX_QUEUES = 256;              // MAX_TAP_QUEUES in drivers/net/tun.c
    static final int MAX_BATCH = 1024;              // UIO_MAXIOV: sendmmsg takes at most 1024 messages
    static final long MAX_MAGLEV_TABLE_SIZE = 1_000_003; // prime; 1M entries * 4 bytes per VIP is plenty
    static final long MAX_GRE_KEY = 0xffff_ffffL;   // RFC 2890 §2.1: 32-bit key
    static final Duration MIN_HC_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_HC_INTERVAL = Duration.ofHours(1);
    static final Duration MIN_HC_TIMEOUT = Duration.ofMillis(10);
    static final Duration MAX_HC_TIMEOUT = Duration.ofMinutes(1);
    static final int MAX_RISE_FALL = 100;
    static final int MIN_HTTP_STATUS = 100;         // RFC 9110 section 15: status codes are 100..599
    static final int MAX_HTTP_STATUS = 599;
    static final Duration MAX_REMOVED_BACKEND_GRACE = Duration.ofHours(1);
    static final Duration MIN_FLOW_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_FLOW_TIMEOUT = Duration.ofDays(1);
    /** 1e6 too-big messages per second per worker is already far beyond what any client needs: a sanity cap. */
    static final long MAX_TOO_BIG_RATE = 1_000_000;
    /** RFC 8200 §5: every link an IPv6 packet crosses has an MTU of at least 1280 bytes. */
    static final int IPV6_MIN_MTU = 1280;

    static final Map<String, String> INGRESS_KINDS = Validation.ids(
        new String[] {IngressConfig.KIND_TUN, IngressConfig.KIND_XDP, IngressConfig.KIND_PCAP}, s -> s);
    static final Map<String, String> EGRESS_KINDS = Validation.ids(
        new String[] {IngressConfig.EGRESS_PACKET, IngressConfig.EGRESS_RAW}, s -> s);
    static final Map<String, String> NEW_FLOW_QUEUE_MODES = Validation.ids(new String[] {
        IngressConfig.NEW_FLOW_QUEUE_AUTO, IngressConfig.NEW_FLOW_QUEUE_ON, IngressConfig.NEW_FLOW_QUEUE_OFF}, s -> s);
    static final Map<String, String> XDP_MODES = Validation.ids(
        new String[] {XdpConfig.MODE_NATIVE, XdpConfig.MODE_GENERIC}, s -> s);
    /** Interfaces one gateway may put its XDP program on: a sanity cap (one program, one link per interface). */
    static final int MAX_XDP_INTERFACES = 64;
    /** sched_get_priority_max(SCHED_FIFO) on Linux. */
    static final int MAX_REALTIME_PRIORITY = 99;
    static final Map<String, Protocol> PROTOCOLS = Validation.ids(Protocol.values(), Protocol::id);
    static final Map<String, TunnelFamily> TUNNELS = Validation.ids(TunnelFamily.values(), TunnelFamily::id);
    static final Map<String, BackendState> STATES = Validation.ids(BackendState.values(), BackendState::id);
    static final Map<String, String> HC_TYPES = Validation.ids(
        new String[] {HealthCheckConfig.TYPE_TCP, HealthCheckConfig.TYPE_HTTP, HealthCheckConfig.TYPE_HTTPS,
            HealthCheckConfig.TYPE_AGENT, HealthCheckConfig.TYPE_TUNNEL}, s -> s);
    static final String HC_EXPECTED = "an object { type, port, path, expected-status, interval, timeout, rise, fall }";
    static final String STATUS_RULE = "an HTTP status 100..599 or a range such as \"200-399\"";
    static final Map<String, EchoMode> ECHO_MODES = Validation.ids(EchoMode.values(), EchoMode::id);

    /** Element defaults ({@code dsrgw.gateway.defaults}), typed once; built-in values stand in for bad ones. */
    private record Defaults(TunnelFamily tunnel, int weight, BackendState state, String hcType, String hcPath,
                            Duration hcInterval, Duration hcTimeout, int hcRise, int hcFall,
                            IntRanges hcExpectedStatus) {
    }

    private final Problems problems;
    private Defaults defaults;
    private TunnelSourceConfig tunnelSource;
    /** tunnel-source.ipv4 / ipv6 written but invalid: do not also blame every backend of that family. */
    private boolean badIpv4Source;
    private boolean badIpv6Source;
    /** The tunnel and address of the VIP whose backends are being read (either may be null: invalid). */
    private TunnelFamily vipTunnel;
    private InetAddress vipAddress;
    /** Some backend of the VIP being read overrides its tunnel to gre (then a gre-key is meaningful). */
    private boolean greOverride;
    /** Some backend of the VIP being read overrides its tunnel to gue (then a gue-port is meaningful). */
    private boolean gueOverride;

    private GatewayReader(Problems problems) {
        this.problems = problems;
    }

    /** @return the config, or null when problems were recorded */
    static GatewayConfig read(ObjectReader gw) {
        return new GatewayReader(gw.problems()).gateway(gw);
    }

    private GatewayConfig gateway(ObjectReader gw) {
        gw.allowKeys("ingress", "tunnel-source", "tunnel-mtu", "ttl", "hash-seed", "maglev-table-size",
            "batch-size", "vips", "admin", "defaults", "icmp", "removed-backend-grace", "flow-table", "announce",
            "security", "gue-port", "gue-source-ports");
        defaults = defaults(gw.object("defaults", false, "an object"));
        IngressConfig ingress = ingress(gw.object("ingress", false, "an object { kind, device, queues }"));
        tunnelSource = tunnelSource(gw.object("tunnel-source", false, "an object { ipv4, ipv6 }"));
        Long mtu = gw.integer("tunnel-mtu", MIN_TUNNEL_MTU, MAX_TUNNEL_MTU, true);
        Long ttl = gw.integer("ttl", 1, 255, true);
        String seed = gw.string("hash-seed", true, "a non-empty string, the same on every gateway");
        if (seed != null && seed.isEmpty()) {
            gw.bad(gw.value("hash-seed"), gw.child("hash-seed"), "a non-empty string, the same on every gateway");
            seed = null;
        }
        Long tableSize = gw.integer("maglev-table-size", 2, MAX_MAGLEV_TABLE_SIZE, true);
        if (tableSize != null && !Hocon.isPrime(tableSize)) {
            gw.bad(gw.value("maglev-table-size"), gw.child("maglev-table-size"), "a prime number (next prime: "
                + Hocon.nextPrime(tableSize) + ")");
            tableSize = null;
        }
        Long batch = gw.integer("batch-size", 1, MAX_BATCH, true);
        List<VipConfig> vips = vips(gw, tableSize);
        AdminConfig admin = admin(gw.object("admin", false, "an object { socket, http }"));
        IcmpConfig icmp = icmp(gw.object("icmp", false, "an object { echo, echo-rate, too-big-rate }"));
        Duration grace = gw.duration("removed-backend-grace", Duration.ZERO, MAX_REMOVED_BACKEND_GRACE, true);
        FlowTableConfig flowTable = flowTable(gw.object("flow-table", false, "an object { capacity, "
            + "tcp-syn-timeout, tcp-established-timeout, tcp-closing-timeout, udp-timeout, other-timeout }"));
        AnnounceConfig announce = announce(gw.object("announce", false, "an object { table, withdraw-grace }"));
        SecurityConfig security = security(gw.object("security", false, "an object { deny-sources }"));
        GueConfig gue = gue(gw);
        if (mtu != null) {
            ipv6MtuCheck(gw, mtu, vips);
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new GatewayConfig(ingress, tunnelSource, mtu.intValue(), ttl.intValue(), seed, tableSize.intValue(),
            batch.intValue(), vips, admin, icmp, grace, flowTable, announce, security, gue);
    }

    static final String GUE_SOURCE_PORTS_RULE = "a port range \"FIRST-LAST\" with 1 <= FIRST <= LAST <= 65535, "
        + "e.g. \"49152-65535\"";

    /**
     * gue-port and gue-source-ports (GUE, issue 15). The source range is one string "FIRST-LAST" rather than two
     * keys, so that it cannot be half-overridden by an include.
     */
    private static GueConfig gue(ObjectReader gw) {
        Long port = gw.integer("gue-port", 1, 65535, true);
        String range = gw.string("gue-source-ports", true, GUE_SOURCE_PORTS_RULE);
        int[] bounds = range == null ? null : portRange(range);
        if (range != null && bounds == null) {
            gw.bad(gw.value("gue-source-ports"), gw.child("gue-source-ports"), GUE_SOURCE_PORTS_RULE);
        }
        return port == null || bounds == null ? null : new GueConfig(port.intValue(), bounds[0], bounds[1]);
    }

    /** "FIRST-LAST" (or a single port "P") -> {first, last}, or null when malformed or out of range. */
    static int[] portRange(String text) {
        String[] parts = text.strip().split("-", -1);
        if (parts.length > 2) {
            return null;
        }
        try {
            int first = Integer.parseInt(parts[0].strip());
            int last = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : first;
            return first >= 1 && first <= last && last <= 65535 ? new int[] {first, last} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static final String PREFIX_RULE = "a source prefix \"ADDRESS/LENGTH\" (IPv4 /1../32, IPv6 /1../128, host bits zero)"
        + " or an address, e.g. \"198.51.100.0/24\" or \"2001:db8:bad::/48\"";

    private static SecurityConfig security(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("deny-sources");
        List<SourcePrefix> prefixes = prefixList(o, "deny-sources", SecurityConfig.MAX_DENY_SOURCES);
        return prefixes == null ? null : new SecurityConfig(prefixes);
    }

    /** A list of unique prefixes ({@link #PREFIX_RULE}) of at most {@code max} entries; null when bad or missing. */
    static List<SourcePrefix> prefixList(ObjectReader o, String key, int max) {
        com.typesafe.config.ConfigList list = o.list(key, true, false, "a list of " + PREFIX_RULE);
        if (list == null) {
            return null;
        }
        String path = o.child(key);
        if (list.size() > max) {
            o.bad(list, path, "at most " + max + " prefixes (" + list.size() + " given)");
            return null;
        }
        List<SourcePrefix> prefixes = new ArrayList<>();
        Map<SourcePrefix, com.typesafe.config.ConfigValue> seen = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            com.typesafe.config.ConfigValue v = list.get(i);
            String p = path + "[" + i + "]";
            SourcePrefix prefix = prefix(o, v, p);
            if (prefix == null) {
                ok = false;
                continue;
            }
            com.typesafe.config.ConfigValue first = seen.putIfAbsent(prefix, v);
            if (first != null) {
                o.bad(v, p, "unique prefixes; " + prefix + " is already listed at "
                    + o.problems().location(first.origin()));
                ok = false;
                continue;
            }
            prefixes.add(prefix);
        }
        return ok ? prefixes : null;
    }

    private static SourcePrefix prefix(ObjectReader o, com.typesafe.config.ConfigValue v, String path) {
        if (v.valueType() != com.typesafe.config.ConfigValueType.STRING) {
            o.bad(v, path, PREFIX_RULE);
            return null;
        }
        String text = ((String) v.unwrapped()).trim();
        int slash = text.indexOf('/');
        InetAddress address;
        try {
            address = IpLiterals.parse(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            o.bad(v, path, PREFIX_RULE + "; " + e.getMessage());
            return null;
        }
        int max = address instanceof java.net.Inet4Address ? 32 : 128;
        int length = max;
        if (slash >= 0) {
            String len = text.substring(slash + 1);
            if (!len.matches("[0-9]{1,3}") || Integer.parseInt(len) < 1 || Integer.parseInt(len) > max) {
                o.bad(v, path, PREFIX_RULE + "; the length must be 1.." + max
                    + " (/0 would drop every client)");
                return null;
            }
            length = Integer.parseInt(len);
        }
        InetAddress network = SourcePrefix.masked(address.getAddress(), length);
        if (!network.equals(address)) {
            o.bad(v, path, PREFIX_RULE + "; host bits are set, did you mean \"" + IpLiterals.format(network) + "/"
                + length + "\"?");
            return null;
        }
        return new SourcePrefix(address, length);
    }

    static final String TABLE_RULE = "a routing table id 1.." + AnnounceConfig.MAX_TABLE + " other than 253 "
        + "(default), 254 (main) and 255 (local), e.g. 200: a table of its own, which BIRD's kernel protocol learns";

    /** {@code announce { table, withdraw-grace }}: no table, no announcing (the other keys still checked). */
    private static AnnounceConfig announce(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("table", "withdraw-grace");
        Long table = null;
        boolean tableOk = true;
        if (o.has("table")) {
            table = o.integerValue(o.value("table"), o.child("table"), 1, AnnounceConfig.MAX_TABLE, TABLE_RULE);
            if (table != null && AnnounceConfig.isSystemTable(table)) {
                o.bad(o.value("table"), o.child("table"), TABLE_RULE + "; the system's tables hold other routes, "
                    + "which BIRD would announce too");
                table = null;
            }
            tableOk = table != null;
        }
        Duration grace = o.duration("withdraw-grace", Duration.ZERO, AnnounceConfig.MAX_WITHDRAW_GRACE, true);
        if (!tableOk || grace == null) {
            return null;
        }
        return new AnnounceConfig(table == null ? AnnounceConfig.OFF_TABLE : table, grace);
    }

    /**
     * The route is per address: VIPs sharing an address (other protocols or ports) must agree on {@code announce},
     * or one VIP's {@code announce = false} would be silently overridden by the other's route.
     */
    private void announceAgreement(ObjectReader o, String name, InetAddress address, boolean announce,
                                   Map<InetAddress, AnnounceClaim> announceByAddress) {
        AnnounceClaim first = announceByAddress.putIfAbsent(address,
            new AnnounceClaim(announce, name, problems.location(o.origin())));
        if (first == null || first.announce == announce) {
            return;
        }
        String expected = "announce = " + first.announce + " like VIP " + first.vip + " at " + first.location
            + ", which has the same address " + IpLiterals.format(address) + " (the announced route is per address)";
        if (o.userHas("announce")) {
            o.bad(o.value("announce"), o.child("announce"), expected);
        } else {
            problems.add(o.origin(), o.child("announce"), "true (the default)", expected);
        }
    }

    private static FlowTableConfig flowTable(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("capacity", "tcp-syn-timeout", "tcp-established-timeout", "tcp-closing-timeout", "udp-timeout",
            "other-timeout");
        Long capacity = o.integer("capacity", FlowTableConfig.MIN_CAPACITY, FlowTableConfig.MAX_CAPACITY, true);
        if (capacity != null && Long.bitCount(capacity) != 1) {
            long below = Long.highestOneBit(capacity);
            o.bad(o.value("capacity"), o.child("capacity"), "a power of two " + FlowTableConfig.MIN_CAPACITY + ".."
                + FlowTableConfig.MAX_CAPACITY + " (nearest: " + below + " or " + below * 2 + ")");
            capacity = null;
        }
        Duration syn = o.duration("tcp-syn-timeout", MIN_FLOW_TIMEOUT, MAX_FLOW_TIMEOUT, true);
        Duration established = o.duration("tcp-established-timeout", MIN_FLOW_TIMEOUT, MAX_FLOW_TIMEOUT, true);
        Duration closing = o.duration("tcp-closing-timeout", MIN_FLOW_TIMEOUT, MAX_FLOW_TIMEOUT, true);
        Duration udp = o.duration("udp-timeout", MIN_FLOW_TIMEOUT, MAX_FLOW_TIMEOUT, true);
        Duration other = o.duration("other-timeout", MIN_FLOW_TIMEOUT, MAX_FLOW_TIMEOUT, true);
        if (capacity == null || syn == null || established == null || closing == null || udp == null
            || other == null) {
            return null;
        }
        return new FlowTableConfig(capacity.intValue(), syn, established, closing, udp, other);
    }

    private static IcmpConfig icmp(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("echo", "echo-rate", "too-big-rate");
        EchoMode echo = o.choice("echo", ECHO_MODES, true);
        Long echoRate = o.integer("echo-rate", 0, MAX_TOO_BIG_RATE, true);
        Long rate = o.integer("too-big-rate", 0, MAX_TOO_BIG_RATE, true);
        return echo == null || rate == null || echoRate == null ? null
                : new IcmpConfig(echo, rate.intValue(), echoRate.intValue());
    }

    /**
     * Outer header bytes of a kind (contract table): IPv4 20, IPv6 40, GRE base header 4, its key and checksum
     * fields 4 each (RFC 2784 §2, RFC 2890 §2), GUE's UDP header 8 (RFC 768).
     */
    static int overheadBytes(TunnelKind kind, boolean greKey, boolean greChecksum) {
        int gre = 4 + (greKey ? 4 : 0) + (greChecksum ? 4 : 0);
        return switch (kind) {
            case IPIP, SIT -> 20;
            case IP6TNL -> 40;
            case GRE -> 20 + gre;
            case IP6GRE -> 40 + gre;
            case GUE -> 20 + 8; // GUE variant 1: outer IP + UDP, no GUE header
            case GUE6 -> 40 + 8;
            case NONE -> 0; // L2 DSR: the packet itself, no outer header
        };
    }

    /**
     * IPv6 never goes below a 1280-byte link MTU (RFC 8200 §5): an IPv6 outer header needs tunnel-mtu >= 1280,
     * and an IPv6 VIP needs tunnel-mtu - overhead >= 1280, or the gateway would have to tell IPv6 clients a path
     * MTU that IPv6 does not allow. Reported once, at tunnel-mtu, naming the backend that needs the most.
     */
    private void ipv6MtuCheck(ObjectReader gw, long mtu, List<VipConfig> vips) {
        long needed = 0;
        String why = null;
        for (VipConfig vip : vips) {
            for (BackendConfig b : vip.backends()) {
                TunnelKind kind = b.tunnelKind(vip);
                if (kind == TunnelKind.NONE) {
                    continue; // L2 DSR: no tunnel, tunnel-mtu does not apply (only the link's MTU)
                }
                boolean gre = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
                int overhead = overheadBytes(kind, gre && vip.greKey() != null, gre && vip.greChecksum());
                long min = vip.isIpv4() ? (b.isIpv4() ? 0 : IPV6_MIN_MTU) : IPV6_MIN_MTU + overhead;
                if (min > needed) {
                    needed = min;
                    why = "VIP " + vip.name() + " reaches backend " + IpLiterals.format(b.address()) + " through "
                        + kind.id() + (vip.isIpv4() ? " (IPv6 outer header)" : " (" + overhead
                        + " bytes of outer headers around IPv6)");
                }
            }
        }
        if (mtu < needed) {
            gw.bad(gw.value("tunnel-mtu"), gw.child("tunnel-mtu"), "an integer " + needed + ".." + MAX_TUNNEL_MTU
                + ": " + why + ", and IPv6 needs a link MTU of at least " + IPV6_MIN_MTU + " (RFC 8200 section 5)");
        }
    }

    private Defaults defaults(ObjectReader d) {
        Defaults builtIn = new Defaults(TunnelFamily.IPIP, 100, BackendState.ACTIVE, HealthCheckConfig.TYPE_TCP,
            "/", Duration.ofMillis(250), Duration.ofMillis(200), 2, 3, IntRanges.HTTP_2XX_3XX);
        if (d == null) {
            return builtIn;
        }
        d.allowKeys("vip", "backend", "health-check");
        ObjectReader vip = d.object("vip", false, "an object { tunnel }");
        ObjectReader backend = d.object("backend", false, "an object { weight, state }");
        ObjectReader hc = d.object("health-check", false,
            "an object { type, path, expected-status, interval, timeout, rise, fall }");
        TunnelFamily tunnel = null;
        if (vip != null) {
            vip.allowKeys("tunnel");
            tunnel = vip.choice("tunnel", TUNNELS, true);
        }
        Long weight = null;
        BackendState state = null;
        if (backend != null) {
            backend.allowKeys("weight", "state");
            weight = backend.integer("weight", 0, 65535, true);
            state = backend.choice("state", STATES, true);
        }
        String type = null;
        String path = null;
        Duration interval = null;
        Duration timeout = null;
        Long rise = null;
        Long fall = null;
        IntRanges expectedStatus = null;
        if (hc != null) {
            hc.allowKeys("type", "path", "expected-status", "interval", "timeout", "rise", "fall");
            type = hc.choice("type", HC_TYPES, true);
            path = httpPath(hc, true);
            interval = hc.duration("interval", MIN_HC_INTERVAL, MAX_HC_INTERVAL, true);
            timeout = hc.duration("timeout", MIN_HC_TIMEOUT, MAX_HC_TIMEOUT, true);
            rise = hc.integer("rise", 1, MAX_RISE_FALL, true);
            fall = hc.integer("fall", 1, MAX_RISE_FALL, true);
            expectedStatus = expectedStatus(hc, true);
            if (interval != null && timeout != null && timeout.compareTo(interval) >= 0) {
                timeoutTooLong(hc, interval, timeout);
                timeout = null;
            }
        }
        return new Defaults(tunnel != null ? tunnel : builtIn.tunnel,
            weight != null ? weight.intValue() : builtIn.weight, state != null ? state : builtIn.state,
            type != null ? type : builtIn.hcType, path != null ? path : builtIn.hcPath,
            interval != null ? interval : builtIn.hcInterval, timeout != null ? timeout : builtIn.hcTimeout,
            rise != null ? rise.intValue() : builtIn.hcRise, fall != null ? fall.intValue() : builtIn.hcFall,
            expectedStatus != null ? expectedStatus : builtIn.hcExpectedStatus);
    }

    private IngressConfig ingress(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("kind", "device", "queues", "xdp", "realtime-priority", "egress", "new-flow-queue",
                "known-sources-per-second");
        String kind = o.choice("kind", INGRESS_KINDS, true);
        String device = o.string("device", true, Validation.INTERFACE_NAME_RULE);
        if (device != null && !Validation.isInterfaceName(device)) {
            o.bad(o.value("device"), o.child("device"), Validation.INTERFACE_NAME_RULE);
            device = null;
        }
        Long queues = o.integer("queues", 1, MAX_QUEUES, true);
        XdpConfig xdp = xdp(o.object("xdp", false, XDP_EXPECTED), IngressConfig.KIND_XDP.equals(kind), device);
        Long realtime = o.integer("realtime-priority", 0, MAX_REALTIME_PRIORITY, true);
        String egress = o.choice("egress", EGRESS_KINDS, true);
        String newFlowQueue = o.choice("new-flow-queue", NEW_FLOW_QUEUE_MODES, true);
        Long knownSources = o.integer("known-sources-per-second", 0, IngressConfig.MAX_KNOWN_SOURCES_PER_SECOND,
                true);
        if (kind == null || device == null || queues == null || xdp == null || realtime == null || egress == null
                || newFlowQueue == null || knownSources == null) {
            return null;
        }
        return new IngressConfig(kind, device, queues.intValue(), xdp, realtime.intValue(), egress, newFlowQueue,
                knownSources.intValue());
    }

    static final String XDP_EXPECTED = "an object { interfaces = [\"eth0\", ...], mode = native | generic }";

    /**
     * {@code ingress.xdp}: validated whatever the kind (a typo should not wait until the kind is switched), required
     * to name interfaces only when the kind is xdp. Whether an interface exists is checked by {@code run}: the file
     * may be checked on another host.
     */
    private XdpConfig xdp(ObjectReader o, boolean required, String tunDevice) {
        if (o == null) {
            return required ? null : XdpConfig.NONE;
        }
        o.allowKeys("interfaces", "mode");
        String mode = o.choice("mode", XDP_MODES, true);
        String expected = "a non-empty list of 1.." + MAX_XDP_INTERFACES + " distinct interface names ("
            + Validation.INTERFACE_NAME_RULE + "), e.g. [\"eth0\"]";
        ConfigList list = o.list("interfaces", required, required, expected);
        List<String> names = new ArrayList<>();
        boolean ok = true;
        if (list != null) {
            if (list.size() > MAX_XDP_INTERFACES) {
                o.bad(list, o.child("interfaces"), expected);
                return null;
            }
            Map<String, ConfigValue> seen = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                ConfigValue e = list.get(i);
                String p = o.child("interfaces") + "[" + i + "]";
                String name = o.scalarText(e, p, Validation.INTERFACE_NAME_RULE);
                if (name == null) {
                    ok = false;
                    continue;
                }
                if (!Validation.isInterfaceName(name)) {
                    o.bad(e, p, Validation.INTERFACE_NAME_RULE);
                    ok = false;
                    continue;
                }
                if (name.equals(tunDevice)) {
                    o.bad(e, p, "an interface VIP traffic arrives on, not the TUN device ingress.device (" + tunDevice
                        + "): the TUN is the slow path behind the XDP program");
                    ok = false;
                    continue;
                }
                ConfigValue first = seen.putIfAbsent(name, e);
                if (first != null) {
                    o.bad(e, p, "distinct interface names; " + name + " is already listed at "
                        + problems.location(first.origin()));
                    ok = false;
                    continue;
                }
                names.add(name);
            }
        } else if (required) {
            ok = false;
        }
        if (!ok || mode == null) {
            return null;
        }
        return new XdpConfig(names, mode);
    }

    private TunnelSourceConfig tunnelSource(ObjectReader o) {
        if (o == null) {
            badIpv4Source = true;
            badIpv6Source = true;
            return null;
        }
        o.allowKeys("ipv4", "ipv6");
        InetAddress v4 = o.address("ipv4", ObjectReader.Family.IPV4, false);
        InetAddress v6 = o.address("ipv6", ObjectReader.Family.IPV6, false);
        badIpv4Source = v4 == null && o.has("ipv4");
        badIpv6Source = v6 == null && o.has("ipv6");
        return new TunnelSourceConfig((Inet4Address) v4, (Inet6Address) v6);
    }

    private AdminConfig admin(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("socket", "socket-readonly", "http");
        String socket = o.string("socket", true, "an absolute path");
        String readOnly = socketPath(o, "socket-readonly", false);
        if (socket != null && !socket.startsWith("/")) {
            o.bad(o.value("socket"), o.child("socket"), "an absolute path, e.g. /run/dsrgw/gateway.sock");
            socket = null;
        } else if (socket != null && !UnixSocketPaths.fits(socket)) {
            // Found here, not when run binds (ENAMETOOLONG): check-config must reject what run cannot use.
            // The whole path is shown (not shortened like other values): the reader needs it to pick a shorter one.
            o.problem(o.value("socket"), o.child("socket"),
                Hocon.quote(socket) + " is " + UnixSocketPaths.byteLength(socket) + " bytes", UnixSocketPaths.RULE);
            socket = null;
        }
        // The HTTP server's own rule (loopback only), so that check-config refuses what run cannot bind.
        String http = o.string("http", true, AdminHttpAddress.RULE);
        if (http != null && AdminHttpAddress.problem(http) != null) {
            o.bad(o.value("http"), o.child("http"), AdminHttpAddress.RULE);
            http = null;
        }
        if (readOnly != null && !readOnly.isEmpty() && readOnly.equals(socket)) {
            o.bad(o.value("socket-readonly"), o.child("socket-readonly"), "a path other than admin.socket");
            readOnly = null;
        }
        return socket == null || http == null || readOnly == null ? null : new AdminConfig(socket, http, readOnly);
    }

    /** An optional absolute unix socket path that fits sun_path; "" when absent or empty; null when reported. */
    private static String socketPath(ObjectReader o, String key, boolean required) {
        if (!o.has(key)) {
            return "";
        }
        String path = o.string(key, required, "an absolute path");
        if (path == null) {
            return null;
        }
        if (path.isEmpty()) {
            return "";
        }
        if (!path.startsWith("/")) {
            o.bad(o.value(key), o.child(key), "an absolute path, e.g. /run/dsrgw/gateway-ro.sock");
            return null;
        }
        if (!UnixSocketPaths.fits(path)) {
            o.problem(o.value(key), o.child(key), Hocon.quote(path) + " is " + UnixSocketPaths.byteLength(path)
                    + " bytes", UnixSocketPaths.RULE);
            return null;
        }
        return path;
    }

    static String hostPort(ObjectReader o, String key) {
        String s = o.string(key, true, Validation.HOST_PORT_RULE);
        if (s == null) {
            return null;
        }
        String why = Validation.hostPortProblem(s);
        if (why != null) {
            o.bad(o.value(key), o.child(key), Validation.HOST_PORT_RULE + "; " + why);
            return null;
        }
        return s;
    }

    private static String httpPath(ObjectReader o, boolean required) {
        String path = o.string("path", required, "an HTTP path starting with /");
        if (path != null && (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 0x7f))) {
            o.bad(o.value("path"), o.child("path"), "an HTTP path starting with /, without spaces");
            return null;
        }
        return path;
    }

    /** The first VIP seen at an address and its {@code announce}, for the agreement check. */
    private record AnnounceClaim(boolean announce, String vip, String location) {
    }

    /** One VIP's (address, protocol, port) claim, for the duplicate check. */
    private record Claim(InetAddress address, Protocol protocol, long port) {
    }

    private List<VipConfig> vips(ObjectReader gw, Long tableSize) {
        String expected = "a list of VIP objects { name, address, protocol, ports, backends, ... }";
        ConfigList list = gw.list("vips", true, false, expected);
        if (list == null) {
            return List.of();
        }
        List<VipConfig> vips = new ArrayList<>();
        Map<String, ConfigValue> names = new HashMap<>();
        Map<Claim, String> claims = new HashMap<>();
        Map<InetAddress, AnnounceClaim> announceByAddress = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = gw.child("vips") + "[" + i + "]";
            ObjectReader o = gw.element(list.get(i), path, null, expected);
            if (o == null) {
                continue;
            }
            VipConfig vip = vip(o, names, claims, tableSize);
            if (vip != null) {
                announceAgreement(o, vip.name(), vip.address(), vip.announce(), announceByAddress);
                vips.add(vip);
            }
        }
        return vips;
    }

    private VipConfig vip(ObjectReader o, Map<String, ConfigValue> names, Map<Claim, String> claims,
                          Long tableSize) {
        o.allowKeys("name", "address", "protocol", "ports", "tunnel", "gre-key", "gre-checksum", "flow-table",
            "health-check", "backends", "announce", "gue-port");
        String name = o.string("name", true, Validation.VIP_NAME_RULE);
        String label = name != null ? "VIP " + name : o.path();
        if (name != null && !Validation.isVipName(name)) {
            o.bad(o.value("name"), o.child("name"), Validation.VIP_NAME_RULE);
            name = null;
        }
        if (name != null) {
            ConfigValue first = names.putIfAbsent(name, o.value("name"));
            if (first != null) {
                o.bad(o.value("name"), o.child("name"), "a unique VIP name; " + name + " is already used at "
                    + problems.location(first.origin()));
                name = null;
            }
        }
        InetAddress address = o.address("address", ObjectReader.Family.ANY, true);
        Protocol protocol = o.choice("protocol", PROTOCOLS, true);
        List<Integer> ports = ports(o, label, address, protocol, claims);
        TunnelFamily tunnel = o.userHas("tunnel") ? tunnel(o, o.value("tunnel"), o.child("tunnel"))
            : defaults.tunnel;
        Long greKey = o.integer("gre-key", 0, MAX_GRE_KEY, false);
        Boolean greChecksum = o.has("gre-checksum") ? o.bool("gre-checksum", true) : Boolean.FALSE;
        Long guePort = o.integer("gue-port", 1, 65535, false);
        boolean badGuePort = o.userHas("gue-port") && guePort == null;
        Boolean flowTable = o.has("flow-table") ? o.bool("flow-table", true) : Boolean.TRUE;
        Boolean announce = o.has("announce") ? o.bool("announce", true) : Boolean.TRUE;
        HealthCheckConfig hc = null;
        boolean hcOk = true;
        if (o.has("health-check")) {
            ObjectReader h = o.object("health-check", false, HC_EXPECTED);
            hc = h == null ? null : healthCheck(h, ports, null);
            hcOk = hc != null;
        }
        greOverride = false;
        gueOverride = false;
        vipTunnel = tunnel;
        vipAddress = address;
        List<BackendConfig> backends = backends(o, tableSize, ports, hc);
        boolean noGre = tunnel != null && tunnel != TunnelFamily.GRE && !greOverride;
        if (greKey != null && noGre) {
            o.bad(o.value("gre-key"), o.child("gre-key"), "no gre-key on a VIP with tunnel = " + tunnel.id()
                + " (set tunnel = gre, or tunnel = gre on a backend, to use a key)");
            return null;
        }
        if (Boolean.TRUE.equals(greChecksum) && noGre) {
            o.bad(o.value("gre-checksum"), o.child("gre-checksum"), "no gre-checksum on a VIP with tunnel = "
                + tunnel.id() + " (set tunnel = gre, or tunnel = gre on a backend, to send GRE checksums)");
            return null;
        }
        if (guePort != null && tunnel != null && tunnel != TunnelFamily.GUE && !gueOverride) {
            o.bad(o.value("gue-port"), o.child("gue-port"), "no gue-port on a VIP with tunnel = " + tunnel.id()
                + " (set tunnel = gue, or tunnel = gue on a backend, to choose the GUE port)");
            return null;
        }
        if (name == null || address == null || protocol == null || ports == null || tunnel == null || !hcOk
            || backends == null || greChecksum == null || flowTable == null || announce == null || badGuePort) {
            return null;
        }
        return new VipConfig(name, address, protocol, ports, tunnel, greKey, hc, backends, greChecksum, flowTable,
            announce, guePort == null ? null : guePort.intValue());
    }

    private List<Integer> ports(ObjectReader o, String label, InetAddress address, Protocol protocol,
                                Map<Claim, String> claims) {
        String expected = "a non-empty list of ports 1..65535, e.g. [80, 443]";
        ConfigList list = o.list("ports", true, true, expected);
        if (list == null) {
            return null;
        }
        List<Integer> ports = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String path = o.child("ports") + "[" + i + "]";
            Long port = o.integerValue(v, path, 1, 65535, "a port 1..65535");
            if (port == null) {
                ok = false;
                continue;
            }
            if (ports.contains(port.intValue())) {
                o.bad(v, path, "unique ports; " + port + " is listed twice");
                ok = false;
                continue;
            }
            ports.add(port.intValue());
            if (address != null && protocol != null) {
                String here = label + " at " + problems.location(v.origin());
                String other = claims.putIfAbsent(new Claim(address, protocol, port), here);
                if (other != null) {
                    o.bad(v, path, "a port no other VIP has; " + IpLiterals.format(address) + " " + protocol.id()
                        + " " + port + " already belongs to " + other);
                    ok = false;
                }
            }
        }
        return ok ? ports : null;
    }

    private TunnelFamily tunnel(ObjectReader o, ConfigValue v, String path) {
        String s = v.valueType() == com.typesafe.config.ConfigValueType.STRING ? (String) v.unwrapped() : "";
        if (s.equals("sit") || s.equals("ip6tnl")) {
            o.bad(v, path, "ipip, gre, gue or none (" + s + " is chosen automatically: the backend's address family picks "
                + "the outer header)");
            return null;
        }
        if (s.equals("ip6gre")) {
            o.bad(v, path, "ipip, gre, gue or none (ip6gre is gre to an IPv6 backend)");
            return null;
        }
        if (s.equals("gue6")) {
            o.bad(v, path, "ipip, gre, gue or none (gue6 is gue to an IPv6 backend)");
            return null;
        }
        return o.choiceValue(v, path, TUNNELS, "ipip, gre, gue or none");
    }

    /**
     * One health-check object. Each key the object leaves out comes from {@code parent} (the VIP's check, when
     * this is a backend's override), else from {@code defaults.health-check}; port and path are inherited from the
     * parent only when the type stays the same, else they take the type's defaults (agent: 9181 and "/ready",
     * tunnel: port 0 = ICMP echo, others: the VIP's first port and defaults.health-check.path).
     */
    private HealthCheckConfig healthCheck(ObjectReader h, List<Integer> ports, HealthCheckConfig parent) {
        h.allowKeys("type", "port", "path", "expected-status", "interval", "timeout", "rise", "fall");
        String type = h.has("type") ? h.choice("type", HC_TYPES, true)
            : parent != null ? parent.type() : defaults.hcType;
        boolean inherit = parent != null && parent.type().equals(type);
        boolean http = HealthCheckConfig.TYPE_HTTP.equals(type) || HealthCheckConfig.TYPE_HTTPS.equals(type);
        boolean agent = HealthCheckConfig.TYPE_AGENT.equals(type);
        boolean tunnel = HealthCheckConfig.TYPE_TUNNEL.equals(type);
        Long port = h.integer("port", 1, 65535, false);
        boolean portOk = port != null || !h.has("port");
        if (port == null) {
            port = inherit ? (Long) (long) parent.port() : agent ? (Long) (long) HealthCheckConfig.AGENT_PORT
                : tunnel || ports == null ? (Long) 0L : (Long) (long) ports.get(0);
        }
        String path;
        if (h.has("path")) {
            path = httpPath(h, true);
            if (path != null && type != null && !http && !agent) {
                h.bad(h.value("path"), h.child("path"), "no path with type = " + type
                    + " (only http, https and agent probe a path)");
                path = null;
            }
        } else {
            path = inherit ? parent.path() : agent ? HealthCheckConfig.AGENT_PATH : defaults.hcPath;
        }
        IntRanges expectedStatus;
        if (h.has("expected-status")) {
            expectedStatus = expectedStatus(h, true);
            if (expectedStatus != null && type != null && !http) {
                h.bad(h.value("expected-status"), h.child("expected-status"), "no expected-status with type = "
                    + type + (agent ? " (the agent's answer decides: 200 ready, 503 draining or not-ready)"
                    : " (only http and https check a status)"));
                expectedStatus = null;
            }
        } else {
            expectedStatus = parent != null ? parent.expectedStatus() : defaults.hcExpectedStatus;
        }
        Duration interval = h.has("interval") ? h.duration("interval", MIN_HC_INTERVAL, MAX_HC_INTERVAL, true)
            : parent != null ? parent.interval() : defaults.hcInterval;
        Duration timeout = h.has("timeout") ? h.duration("timeout", MIN_HC_TIMEOUT, MAX_HC_TIMEOUT, true)
            : parent != null ? parent.timeout() : defaults.hcTimeout;
        Long rise = h.has("rise") ? h.integer("rise", 1, MAX_RISE_FALL, true)
            : (Long) (long) (parent != null ? parent.rise() : defaults.hcRise);
        Long fall = h.has("fall") ? h.integer("fall", 1, MAX_RISE_FALL, true)
            : (Long) (long) (parent != null ? parent.fall() : defaults.hcFall);
        // Neither written here: both come from the parent or the defaults, which were checked there.
        if (interval != null && timeout != null && timeout.compareTo(interval) >= 0
            && (h.has("interval") || h.has("timeout"))) {
            timeoutTooLong(h, interval, timeout);
            timeout = null;
        }
        if (type == null || !portOk || path == null || expectedStatus == null || interval == null || timeout == null
            || rise == null || fall == null) {
            return null;
        }
        return new HealthCheckConfig(type, port.intValue(), path, interval, timeout, rise.intValue(),
            fall.intValue(), expectedStatus);
    }

    /** Reports timeout >= interval where the user wrote timeout (else interval) in this object. */
    private static void timeoutTooLong(ObjectReader h, Duration interval, Duration timeout) {
        String expected = "a timeout shorter than interval (" + Hocon.formatDuration(interval)
            + "): a probe must end before the next one starts";
        if (h.userHas("timeout")) {
            h.bad(h.value("timeout"), h.child("timeout"), expected);
        } else if (h.userHas("interval")) {
            h.bad(h.value("interval"), h.child("interval"), "an interval longer than timeout ("
                + Hocon.formatDuration(timeout) + "): a probe must end before the next one starts");
        } else {
            h.problems().add(h.origin(), h.child("timeout"), Hocon.formatDuration(timeout), expected);
        }
    }

    /**
     * expected-status: one status or range, or a non-empty list of them; statuses 100..599, ranges "low-high"
     * with low <= high, no status listed twice.
     */
    private static IntRanges expectedStatus(ObjectReader h, boolean required) {
        String expected = STATUS_RULE + ", or a non-empty list of them, e.g. [200, \"300-399\"]";
        ConfigValue v = h.value("expected-status");
        if (v == null) {
            if (required) {
                h.missing("expected-status", expected);
            }
            return null;
        }
        String path = h.child("expected-status");
        if (!(v instanceof ConfigList list)) {
            int[] r = statusRange(h, v, path);
            return r == null ? null : IntRanges.ofRanges(List.of(r));
        }
        if (list.isEmpty()) {
            h.bad(v, path, expected);
            return null;
        }
        List<int[]> ranges = new ArrayList<>();
        List<ConfigValue> where = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue e = list.get(i);
            String p = path + "[" + i + "]";
            int[] r = statusRange(h, e, p);
            if (r == null) {
                ok = false;
                continue;
            }
            for (int j = 0; j < ranges.size(); j++) {
                int[] q = ranges.get(j);
                if (r[0] <= q[1] && q[0] <= r[1]) {
                    h.bad(e, p, "statuses not already listed; " + Math.max(r[0], q[0]) + " is also in "
                        + Hocon.render(where.get(j)));
                    ok = false;
                    r = null;
                    break;
                }
            }
            if (r != null) {
                ranges.add(r);
                where.add(e);
            }
        }
        return ok ? IntRanges.ofRanges(ranges) : null;
    }

    /** @return {low, high} of one status (200) or range ("200-399"), or null (problem recorded) */
    private static int[] statusRange(ObjectReader h, ConfigValue v, String path) {
        String s = v.valueType() == com.typesafe.config.ConfigValueType.NUMBER
            || v.valueType() == com.typesafe.config.ConfigValueType.STRING ? String.valueOf(v.unwrapped()).trim()
            : null;
        if (s == null || !s.matches("[0-9]{1,3}(\\s*-\\s*[0-9]{1,3})?")) {
            h.bad(v, path, STATUS_RULE);
            return null;
        }
        int dash = s.indexOf('-');
        int low = Integer.parseInt((dash < 0 ? s : s.substring(0, dash)).trim());
        int high = dash < 0 ? low : Integer.parseInt(s.substring(dash + 1).trim());
        if (low < MIN_HTTP_STATUS || high > MAX_HTTP_STATUS) {
            h.bad(v, path, STATUS_RULE + "; HTTP statuses are " + MIN_HTTP_STATUS + ".." + MAX_HTTP_STATUS);
            return null;
        }
        if (low > high) {
            h.bad(v, path, STATUS_RULE + "; the range is empty (write it low-high: \"" + high + "-" + low + "\")");
            return null;
        }
        return new int[] {low, high};
    }

    private List<BackendConfig> backends(ObjectReader vip, Long tableSize, List<Integer> ports,
                                         HealthCheckConfig vipCheck) {
        String expected = "a list of backend objects { address, weight, state }, possibly empty";
        ConfigList list = vip.list("backends", true, false, expected);
        if (list == null) {
            return null;
        }
        List<BackendConfig> backends = new ArrayList<>();
        Map<InetAddress, ConfigValue> seen = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            String path = vip.child("backends") + "[" + i + "]";
            ObjectReader o = vip.element(list.get(i), path, null, "a backend object { address, weight, state }");
            BackendConfig b = o == null ? null : backend(o, seen, ports, vipCheck);
            if (b == null) {
                ok = false;
                continue;
            }
            backends.add(b);
        }
        if (tableSize != null && list.size() >= tableSize) {
            vip.bad(list, vip.child("backends"), "fewer backends (" + list.size() + ") than maglev-table-size ("
                + tableSize + "); raise maglev-table-size to a prime such as "
                + Hocon.nextPrime(Math.max(100L * list.size(), list.size() + 1L)));
            ok = false;
        }
        return ok ? backends : null;
    }

    private BackendConfig backend(ObjectReader o, Map<InetAddress, ConfigValue> seen, List<Integer> ports,
                                  HealthCheckConfig vipCheck) {
        o.allowKeys("address", "weight", "state", "tunnel", "health-check");
        InetAddress address = o.address("address", ObjectReader.Family.ANY, true);
        TunnelFamily override = null;
        boolean overrideOk = true;
        if (o.has("tunnel")) {
            override = tunnel(o, o.value("tunnel"), o.child("tunnel"));
            overrideOk = override != null;
            greOverride |= override == TunnelFamily.GRE;
            gueOverride |= override == TunnelFamily.GUE;
        }
        TunnelFamily effective = override != null ? override : vipTunnel;
        if (address != null) {
            ConfigValue first = seen.putIfAbsent(address, o.value("address"));
            if (first != null) {
                o.bad(o.value("address"), o.child("address"), "a backend address not already in this VIP; "
                    + IpLiterals.format(address) + " is listed at " + problems.location(first.origin()));
                address = null;
            } else if (effective == TunnelFamily.NONE) {
                address = linkLayerBackend(o, address);
            } else if (address instanceof Inet4Address && tunnelSource != null && tunnelSource.ipv4() == null
                && !badIpv4Source) {
                o.bad(o.value("address"), o.child("address"), "tunnel-source.ipv4 to be set: an IPv4 backend "
                    + "needs an IPv4 outer source");
                address = null;
            } else if (address instanceof Inet6Address && tunnelSource != null && tunnelSource.ipv6() == null
                && !badIpv6Source) {
                o.bad(o.value("address"), o.child("address"), "tunnel-source.ipv6 to be set: an IPv6 backend "
                    + "needs an IPv6 outer source");
                address = null;
            }
        }
        Long weight = o.has("weight") ? o.integer("weight", 0, 65535, true) : (Long) (long) defaults.weight;
        BackendState state = o.has("state") ? o.choice("state", STATES, true) : defaults.state;
        HealthCheckConfig hc = null;
        boolean hcOk = true;
        if (o.has("health-check")) {
            ObjectReader h = o.object("health-check", false, HC_EXPECTED);
            hc = h == null ? null : healthCheck(h, ports, vipCheck);
            hcOk = hc != null;
        }
        HealthCheckConfig effectiveCheck = hc != null ? hc : vipCheck;
        if (effective == TunnelFamily.NONE && effectiveCheck != null
            && HealthCheckConfig.TYPE_TUNNEL.equals(effectiveCheck.type())) {
            // The tunnel check sends its probe through the backend's tunnel; an L2 DSR backend has none.
            String where = hc != null ? o.child("health-check") : o.child("tunnel");
            o.bad(hc != null ? o.value("health-check") : o.has("tunnel") ? o.value("tunnel") : o.value("address"),
                hc != null || o.has("tunnel") ? where : o.child("address"), "a health check other than type = "
                + "tunnel for a tunnel = none (L2 DSR) backend: there is no tunnel to probe through (use tcp, http, "
                + "https or agent)");
            hcOk = false;
        }
        if (address == null || weight == null || state == null || !overrideOk || !hcOk) {
            return null;
        }
        return new BackendConfig(address, weight.intValue(), state, override, hc);
    }

    /**
     * A {@code tunnel = none} backend (L2 DSR): the VIP's packet goes to it unchanged, so it must be of the VIP's
     * family (nothing changes families without a tunnel); it needs no tunnel source. Whether it is on a network
     * the gateway is connected to depends on the host, not the file: the gateway checks that (check-config, run,
     * reload). Returns the address, or null when reported.
     */
    private InetAddress linkLayerBackend(ObjectReader o, InetAddress address) {
        if (vipAddress != null && (address instanceof Inet4Address) != (vipAddress instanceof Inet4Address)) {
            String vipFamily = vipAddress instanceof Inet4Address ? "IPv4" : "IPv6";
            o.bad(o.value("address"), o.child("address"), "an " + vipFamily + " address like the VIP's: tunnel = "
                + "none sends the VIP's packet unchanged to the backend's MAC, so it cannot change address families "
                + "(use an " + vipFamily + " address of the backend, or tunnel = ipip or gre for this backend)");
            return null;
        }
        return address;
    }
}
