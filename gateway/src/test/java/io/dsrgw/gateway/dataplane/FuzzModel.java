package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The configuration the data-plane fuzz targets run against, and the invariants every packet's outcome must satisfy,
 * checked on the bytes with code of its own (not the pipeline's flyweights, except to find the upper-layer header
 * of an IPv6 packet):
 * <ul>
 *   <li>two IPv4 and two IPv6 VIPs (TCP and UDP services, a GRE key on the second of each family) whose backends
 *       cover every tunnel kind: ipip, sit, gre with and without key (and checksum), ip6tnl 4in6 and 6in6, ip6gre;
 *       plus a VIP whose only backend drains (no backend in rotation);</li>
 *   <li>a {@link Profile} (one fuzz byte) picks the kinds the mixed VIPs use, the echo mode, a small or normal
 *       tunnel-mtu, the GRE key/checksum of the first VIPs and whether a flow table is in front of Maglev.</li>
 * </ul>
 * Invariants ({@link #check}): a forwarded packet (tx_packets, fwd_icmp_error) is exactly one well-formed outer
 * packet to a configured backend of the VIP the inner packet is addressed to, with that backend's kind, GRE key and
 * checksum, and the inner packet byte-identical to the input; fragments reassemble to it; an originated ICMP message
 * (too-big, echo reply) goes from the VIP to the input's source with valid checksums; a drop sends nothing. The rules
 * of issue 14 that the data plane gets with the g14fix branch (ICMP errors only about the VIP they were sent to; no
 * packet from, no ICMP to, a source no client can have) are checked too; {@code -Ddsrgw.fuzz.tolerate=NAME,..}
 * ({@value #ICMP_CROSS_VIP}, {@value #SOURCE_POLICY}) counts them instead of failing, for long runs on a tree
 * without those fixes.
 */
public final class FuzzModel {
    public static final String ICMP_CROSS_VIP = "icmp-cross-vip";
    public static final String SOURCE_POLICY = "source-policy";
    static final Set<String> TOLERATED = Set.of(System.getProperty("dsrgw.fuzz.tolerate", "").split(","));
    /** Tolerated violations by name, printed by the targets at the end. */
    public static final Map<String, Long> TOLERATED_COUNTS = new ConcurrentHashMap<>();

    public static final String TUNNEL_SOURCE4 = "10.0.2.2";
    public static final String TUNNEL_SOURCE6 = "fd00:2::2";
    public static final int TTL = 64;
    static final int SMALL_MTU = 600;
    static final long KEY_A = 0xdeadbeefL;
    static final long KEY_B4 = 7;
    static final long KEY_B6 = 4242;

    /** One snapshot configuration. */
    public record Profile(int kinds, EchoMode echo, boolean smallMtu, int greOptions, boolean flowTable) {
        /** kinds: 0 mixed, 1 ipip/sit, 2 gre, 3 ip6tnl, 4 ip6gre; greOptions: bit 0 key on the first VIPs, bit 1 checksum. */
        public static Profile of(int b) {
            int v = b & 0xff;
            return new Profile(v % 5, EchoMode.values()[(v / 5) % 3], (v / 15) % 2 == 1, (v / 30) % 4,
                    (v / 120) % 2 == 1);
        }

        Profile withoutFlowTable() {
            return new Profile(kinds, echo, smallMtu, greOptions, false);
        }

        public int mtu() {
            return smallMtu ? SMALL_MTU : 1500;
        }
    }

    /** A configured backend: its VIP's address, kind, GRE key (or null) and checksum. */
    public record BackendInfo(String vip, TunnelKind kind, Long key, boolean checksum) {
    }

    /** A VIP of the model. */
    record VipDef(String name, String address, int protocol, int[] ports, boolean keyed, List<String[]> backends) {
    }

    static final List<VipDef> VIPS = List.of(
            new VipDef("a4-tcp", "10.100.0.1", IpProtocol.TCP, new int[] {80, 443}, false, mixed4()),
            new VipDef("a4-udp", "10.100.0.1", IpProtocol.UDP, new int[] {53}, false, mixed4()),
            new VipDef("b4-tcp", "10.100.0.2", IpProtocol.TCP, new int[] {80}, true,
                    List.of(new String[] {"10.1.0.3", "gre"}, new String[] {"fd00:1::3", "ip6gre"})),
            new VipDef("a6-tcp", "fd00:100::1", IpProtocol.TCP, new int[] {80, 443}, false, mixed6()),
            new VipDef("a6-udp", "fd00:100::1", IpProtocol.UDP, new int[] {53}, false, mixed6()),
            new VipDef("b6-udp", "fd00:100::2", IpProtocol.UDP, new int[] {53}, true,
                    List.of(new String[] {"fd00:1::6", "ip6gre"}, new String[] {"10.1.0.6", "gre"})),
            new VipDef("d4-udp", "10.100.0.3", IpProtocol.UDP, new int[] {123}, false,
                    List.<String[]>of(new String[] {"10.1.0.7", "ipip", "draining"})));

    private static List<String[]> mixed4() {
        return List.of(new String[] {"10.1.0.1", "ipip"}, new String[] {"10.1.0.2", "gre"},
                new String[] {"fd00:1::1", "ip6tnl"}, new String[] {"fd00:1::2", "ip6gre"});
    }

    private static List<String[]> mixed6() {
        return List.of(new String[] {"10.1.0.4", "sit"}, new String[] {"fd00:1::4", "ip6tnl"},
                new String[] {"fd00:1::5", "ip6gre"}, new String[] {"10.1.0.5", "gre"});
    }

    /** Whether {@code address} (canonical) is a backend of some VIP of the model (whichever profiles keep it). */
    static boolean backendAddress(String address) {
        for (VipDef v : VIPS) {
            for (String[] b : v.backends) {
                if (canonical(b[0]).equals(address)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Every VIP and backend address of the model, and the tunnel sources: the candidates for "own" addresses; which
     * backends a configuration has depends on the profile ({@link #checkSource}).
     */
    static final Set<String> OWN_ADDRESSES;

    static {
        java.util.HashSet<String> own = new java.util.HashSet<>(List.of(TUNNEL_SOURCE4, TUNNEL_SOURCE6));
        for (VipDef v : VIPS) {
            own.add(canonical(v.address));
            for (String[] b : v.backends) {
                own.add(canonical(b[0]));
            }
        }
        OWN_ADDRESSES = Set.copyOf(own);
    }

    private static final Map<Profile, ForwardingSnapshot> SNAPSHOTS = new HashMap<>();
    private static final Map<Profile, Map<String, BackendInfo>> BACKENDS = new HashMap<>();

    private FuzzModel() {
    }

    static boolean keep(Profile p, VipDef v, TunnelKind kind) {
        if (v.keyed || v.backends.size() == 1 || p.kinds == 0) {
            return true;
        }
        return switch (p.kinds) {
            case 1 -> kind == TunnelKind.IPIP || kind == TunnelKind.SIT;
            case 2 -> kind == TunnelKind.GRE;
            case 3 -> kind == TunnelKind.IP6TNL;
            default -> kind == TunnelKind.IP6GRE;
        };
    }

    /** The snapshot of profile {@code p} (built once; the flow table is the pipeline's, not the snapshot's). */
    public static synchronized ForwardingSnapshot snapshot(Profile p) {
        Profile key = p.withoutFlowTable();
        ForwardingSnapshot s = SNAPSHOTS.get(key);
        if (s == null) {
            ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("fuzz-seed", 251, Ipv4Addresses.parse(
                    TUNNEL_SOURCE4), TTL, p.mtu()).icmp(p.echo, 1_000_000);
            long[] source6 = Ipv6Addresses.parse(TUNNEL_SOURCE6);
            b.tunnelSourceIpv6(source6[0], source6[1]);
            Map<String, BackendInfo> infos = new HashMap<>();
            for (VipDef v : VIPS) {
                Long greKey = null;
                if (v.keyed) {
                    greKey = v.address.contains(":") ? KEY_B6 : KEY_B4;
                } else if ((p.greOptions & 1) != 0) {
                    greKey = KEY_A;
                }
                boolean checksum = (p.greOptions & 2) != 0;
                List<ForwardingSnapshot.Backend> backends = new ArrayList<>();
                for (String[] d : v.backends) {
                    TunnelKind kind = TunnelKind.fromId(d[1]);
                    if (keep(p, v, kind)) {
                        BackendState state = d.length > 2 ? BackendState.DRAINING : BackendState.ACTIVE;
                        backends.add(new ForwardingSnapshot.Backend(inet(d[0]), 100, state, kind));
                        infos.put(canonical(d[0]), new BackendInfo(canonical(v.address), kind, greKey, checksum));
                    }
                }
                b.addVip(v.name, inet(v.address), v.protocol, v.ports, greKey, checksum, backends);
            }
            s = b.build();
            SNAPSHOTS.put(key, s);
            BACKENDS.put(key, Map.copyOf(infos));
        }
        return s;
    }

    static synchronized Map<String, BackendInfo> backends(Profile p) {
        snapshot(p);
        return BACKENDS.get(p.withoutFlowTable());
    }

    static InetAddress inet(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static String canonical(String literal) {
        return inet(literal).getHostAddress();
    }

    // ------------------------------------------------------------------------------------------- running Java

    /** One packet handed to the sink. */
    public record Output(byte[] packet, String destination) {
    }

    /** The pipeline's verdict and outputs for one input. */
    public record JavaRun(CounterSet verdict, List<Output> outputs) {
    }

    /** A pipeline per profile, reused (counters checked by difference); a fresh flow table per packet. */
    private static final Map<Profile, PacketPipeline> PIPELINES = new HashMap<>();
    private static long clock;

    /**
     * Runs {@code packet} through profile {@code p}'s pipeline (behind the headroom of a fresh slot), checks that the
     * counters moved by exactly rx + the returned verdict and still add up, and returns what was sent.
     */
    public static synchronized JavaRun run(Profile p, byte[] packet) {
        PacketPipeline pipeline = PIPELINES.computeIfAbsent(p, k -> new PacketPipeline(snapshot(k),
                new WorkerCounters(), 64));
        pipeline.flowSteering(p.flowTable ? new FlowSteering(new FlowTable(64, FlowTimeouts.DEFAULT)) : null);
        // A second per packet: the too-big bucket is full again, so a verdict never depends on earlier inputs.
        clock += 2_000_000_000L;
        pipeline.beginBatch(clock);
        WorkerCounters counters = pipeline.counters();
        long[] before = snapshotCounters(counters);
        List<Output> outputs = new ArrayList<>();
        TxSink sink = new TxSink() {
            @Override
            public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
                outputs.add(new Output(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE),
                        Ipv4Addresses.format(destinationIpv4)));
                return true;
            }

            @Override
            public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
                byte[] destination = new byte[16];
                MemorySegment.ofArray(destination).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
                        java.nio.ByteOrder.BIG_ENDIAN), 0, hi);
                MemorySegment.ofArray(destination).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
                        java.nio.ByteOrder.BIG_ENDIAN), 8, lo);
                // as v6() writes it: canonical() would turn ::ffff:a.b.c.d into the IPv4 text a.b.c.d
                outputs.add(new Output(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE),
                        v6(destination, 0)));
                return true;
            }
        };
        CounterSet verdict;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length + 1);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            verdict = pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length, sink);
            // copies taken while the slot is alive; the input itself must not have been changed beyond the packet
        }
        long[] after = snapshotCounters(counters);
        for (CounterSet c : CounterSet.all()) {
            long delta = after[c.ordinal()] - before[c.ordinal()];
            long expected = c == CounterSet.RX_PACKETS || c == verdict ? 1 : 0;
            check(delta == expected, () -> "counter " + c.id() + " moved by " + delta + " (expected: " + expected
                    + ", verdict " + verdict.id() + ")");
        }
        long sum = 0;
        for (CounterSet c : CounterSet.all()) {
            sum += c == CounterSet.RX_PACKETS ? 0 : after[c.ordinal()];
        }
        long total = sum;
        check(total == after[CounterSet.RX_PACKETS.ordinal()], () -> "rx_packets " + after[CounterSet.RX_PACKETS.ordinal()]
                + " != sum of outcomes " + total);
        return new JavaRun(verdict, outputs);
    }

    private static long[] snapshotCounters(WorkerCounters c) {
        long[] v = new long[CounterSet.all().length];
        for (CounterSet s : CounterSet.all()) {
            v[s.ordinal()] = c.get(s);
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------- invariants

    /** Thrown when an invariant does not hold: a finding. */
    public static final class Violation extends AssertionError {
        Violation(String message) {
            super(message);
        }
    }

    /** The message is built only when the invariant fails: checks run millions of times per minute. */
    static void check(boolean ok, Supplier<String> message) {
        if (!ok) {
            throw new Violation(message.get());
        }
    }

    static void checkRule(String rule, boolean ok, Supplier<String> message) {
        if (ok) {
            return;
        }
        if (TOLERATED.contains(rule)) {
            TOLERATED_COUNTS.merge(rule, 1L, Long::sum);
            return;
        }
        throw new Violation("[" + rule + "] " + message.get());
    }

    /** Checks every invariant of {@code r}, the pipeline's answer to {@code input} under profile {@code p}. */
    public static void check(Profile p, byte[] input, JavaRun r) {
        Supplier<String> where = () -> r.verdict().id() + " for " + HexFormat.of().formatHex(input) + " (" + p + ")";
        switch (r.verdict()) {
            case TX_PACKETS, FWD_ICMP_ERROR -> {
                check(r.outputs().size() == 1, () -> where.get() + ": " + r.outputs().size() + " packets sent (expected: 1)");
                Output o = r.outputs().getFirst();
                // ICMP errors: tolerating icmp-cross-vip also tolerates the backend of the quoted packet's VIP
                String quotedVip = r.verdict() == CounterSet.FWD_ICMP_ERROR ? checkQuoteIsFromTheVip(input, where)
                        : null;
                byte[] inner = checkTunnelled(p, o, where, quotedVip);
                checkInnerIsInput(inner, input, where);
                checkSource(p, input, where);
                if (r.verdict() == CounterSet.TX_PACKETS) {
                    checkService(input, where);
                }
            }
            case TX_FRAGMENTS -> {
                check(!r.outputs().isEmpty(), () -> where.get() + ": no fragment sent");
                checkFragments(p, input, r.outputs(), where);
                checkSource(p, input, where);
            }
            case TX_ICMP_TOO_BIG -> {
                check(r.outputs().size() == 1, () -> where.get() + ": " + r.outputs().size() + " packets sent (expected: 1)");
                checkIcmpToClient(p, input, r.outputs().getFirst(), false, where);
            }
            case TX_ECHO_REPLY -> {
                check(r.outputs().size() == 1, () -> where.get() + ": " + r.outputs().size() + " packets sent (expected: 1)");
                checkIcmpToClient(p, input, r.outputs().getFirst(), true, where);
            }
            default -> check(r.outputs().isEmpty(), () -> where.get() + ": a drop sent " + r.outputs().size() + " packets");
        }
    }

    /** The outer packet is well formed, to a backend of the inner packet's VIP, with its kind; returns the inner. */
    static byte[] checkTunnelled(Profile p, Output o, Supplier<String> where) {
        return checkTunnelled(p, o, where, null);
    }

    /** {@link #checkTunnelled(Profile, Output, Supplier)}, also accepting a backend of {@code alsoVip} if not null. */
    static byte[] checkTunnelled(Profile p, Output o, Supplier<String> where, String alsoVip) {
        byte[] out = o.packet();
        check(out.length >= 40, () -> where.get() + ": outer packet of " + out.length + " bytes");
        int family = (out[0] & 0xf0) >> 4;
        String src;
        String dst;
        int proto;
        int headerLength;
        if (family == 4) {
            check((out[0] & 0x0f) == 5, () -> where.get() + ": outer IHL " + (out[0] & 0x0f));
            check(u16(out, 2) == out.length, () -> where.get() + ": outer total length " + u16(out, 2) + " of " + out.length);
            check(checksum(out, 0, 20, 0) == 0, () -> where.get() + ": outer IPv4 header checksum");
            check((out[8] & 0xff) == TTL, () -> where.get() + ": outer TTL " + (out[8] & 0xff));
            src = v4(out, 12);
            dst = v4(out, 16);
            proto = out[9] & 0xff;
            headerLength = 20;
        } else {
            check(family == 6, () -> where.get() + ": outer version " + family);
            check(u16(out, 4) == out.length - 40, () -> where.get() + ": outer payload length " + u16(out, 4));
            check((out[7] & 0xff) == TTL, () -> where.get() + ": outer hop limit " + (out[7] & 0xff));
            int label = (out[1] & 0x0f) << 16 | (out[2] & 0xff) << 8 | (out[3] & 0xff);
            check(label != 0, () -> where.get() + ": outer flow label 0 (RFC 6438)");
            src = v6(out, 8);
            dst = v6(out, 24);
            proto = out[6] & 0xff;
            headerLength = 40;
        }
        check(src.equals(family == 4 ? TUNNEL_SOURCE4 : canonical(TUNNEL_SOURCE6)), () -> where.get() + ": outer source " + src);
        check(dst.equals(o.destination()), () -> where.get() + ": outer destination " + dst + ", sent to " + o.destination());
        BackendInfo backend = backends(p).get(dst);
        check(backend != null, () -> where.get() + ": sent to " + dst + ", not a configured backend");
        TunnelKind kind = switch (proto) {
            case 4 -> family == 4 ? TunnelKind.IPIP : TunnelKind.IP6TNL;
            case 41 -> family == 4 ? TunnelKind.SIT : TunnelKind.IP6TNL;
            case 47 -> family == 4 ? TunnelKind.GRE : TunnelKind.IP6GRE;
            default -> null;
        };
        check(kind == backend.kind(), () -> where.get() + ": outer protocol " + proto + " over IPv" + family + " for a "
                + backend.kind() + " backend");
        int innerOffset = headerLength;
        int innerFamilyByOuter = proto == 4 ? 4 : proto == 41 ? 6 : 0;
        if (proto == 47) {
            check(out.length >= headerLength + 4, () -> where.get() + ": GRE header cut");
            int flags = u16(out, headerLength);
            int type = u16(out, headerLength + 2);
            boolean c = (flags & 0x8000) != 0;
            boolean k = (flags & 0x2000) != 0;
            check((flags & ~0xa000) == 0, () -> where.get() + ": GRE flags/version " + Integer.toHexString(flags));
            check(c == backend.checksum(), () -> where.get() + ": GRE checksum present " + c);
            check(k == (backend.key() != null), () -> where.get() + ": GRE key present " + k);
            int greLength = 4 + (c ? 4 : 0) + (k ? 4 : 0);
            if (c) {
                check(checksum(out, headerLength, out.length - headerLength, 0) == 0, () -> where.get() + ": GRE checksum");
            }
            if (k) {
                long key = u32(out, headerLength + 4 + (c ? 4 : 0));
                check(key == backend.key(), () -> where.get() + ": GRE key " + key + " (expected: " + backend.key() + ")");
            }
            innerFamilyByOuter = type == 0x0800 ? 4 : type == 0x86dd ? 6 : -1;
            innerOffset += greLength;
        }
        byte[] inner = Arrays.copyOfRange(out, innerOffset, out.length);
        int announced = innerFamilyByOuter;
        check(inner.length >= (announced == 6 ? 40 : 20) && (inner[0] & 0xf0) >> 4 == announced, () -> where.get()
                + ": inner of " + inner.length + " bytes, family " + (inner.length == 0 ? "none" : (inner[0] & 0xf0) >> 4)
                + " under an outer announcing IPv" + announced);
        String innerDestination = innerFamilyByOuter == 4 ? v4(inner, 16) : v6(inner, 24);
        check(innerDestination.equals(backend.vip()) || backend.vip().equals(alsoVip), () -> where.get() + ": for VIP "
                + innerDestination
                + " sent to a backend of VIP " + backend.vip());
        return inner;
    }

    static void checkInnerIsInput(byte[] inner, byte[] input, Supplier<String> where) {
        int declared = declaredLength(input);
        check(inner.length == declared, () -> where.get() + ": inner of " + inner.length + " bytes, input declares " + declared);
        check(Arrays.equals(inner, Arrays.copyOf(input, declared)), () -> where.get() + ": inner packet differs from the input");
    }

    static int declaredLength(byte[] ip) {
        return (ip[0] & 0xf0) == 0x60 ? 40 + u16(ip, 4) : u16(ip, 2);
    }

    /** Issue 14: no packet from a source no client can have is forwarded, and no ICMP is sent to one. */
    /**
     * The source is neither a martian nor an address of the gateway's configuration under profile {@code p}: a VIP,
     * a tunnel source, or a backend the profile keeps. A backend address of the model that {@code p} leaves out is an
     * ordinary client for that configuration (found by the XDP target after 5 M executions: the rule had used every
     * profile's backends, so a packet from fd00:1::1, an ip6tnl backend only in profiles that keep ip6tnl, was
     * reported under an ip6gre-only profile).
     */
    static void checkSource(Profile p, byte[] input, Supplier<String> where) {
        boolean v6 = (input[0] & 0xf0) == 0x60;
        String src = v6 ? v6(input, 8) : v4(input, 12);
        boolean own = OWN_ADDRESSES.contains(src) && (!backendAddress(src) || backends(p).containsKey(src));
        checkRule(SOURCE_POLICY, !martian(input, v6) && !own,
                () -> where.get() + ": handled a packet from " + src + ", a source no client can have");
    }

    static boolean martian(byte[] p, boolean v6) {
        if (v6) {
            byte[] a = Arrays.copyOfRange(p, 8, 24);
            boolean zeroPrefix = true;
            for (int i = 0; i < 15; i++) {
                zeroPrefix &= a[i] == 0;
            }
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) {
                v4Mapped &= a[i] == 0;
            }
            v4Mapped &= (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
            return (a[0] & 0xff) == 0xff || (zeroPrefix && (a[15] == 0 || a[15] == 1)) || v4Mapped;
        }
        int first = p[12] & 0xff;
        return first == 0 || first == 127 || first >= 224;
    }

    /**
     * A forwarded TCP/UDP packet that is not a fragment goes to a configured service (VIP address, protocol, port);
     * fragments and ICMP (echo forwarded, big pings) are classified by address.
     */
    static void checkService(byte[] input, Supplier<String> where) {
        boolean v6 = (input[0] & 0xf0) == 0x60;
        int protocol;
        int transport;
        if (v6) {
            Ipv6Flyweight ip6 = new Ipv6Flyweight();
            check(ip6.wrap(MemorySegment.ofArray(input), 0, input.length) == PacketError.OK, () -> where.get()
                    + ": forwarded an unparsable packet");
            if (ip6.isFragment()) {
                return;
            }
            protocol = ip6.upperProtocol();
            transport = (int) ip6.upperOffset();
        } else {
            if ((u16(input, 6) & 0x3fff) != 0) {
                return; // MF or an offset: a fragment
            }
            protocol = input[9] & 0xff;
            transport = (input[0] & 0x0f) * 4;
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return;
        }
        int port = u16(input, transport + 2);
        String vip = v6 ? v6(input, 24) : v4(input, 16);
        boolean served = false;
        for (VipDef d : VIPS) {
            if (canonical(d.address).equals(vip) && d.protocol == protocol) {
                for (int p : d.ports) {
                    served |= p == port;
                }
            }
        }
        boolean ok = served;
        check(ok, () -> where.get() + ": forwarded to " + vip + " protocol " + protocol + " port " + port
                + ", not a configured service");
    }

    /** Issue 14 (a): an ICMP error is forwarded only when the packet it quotes came from the VIP it was sent to. */
    static String checkQuoteIsFromTheVip(byte[] input, Supplier<String> where) {
        boolean v6 = (input[0] & 0xf0) == 0x60;
        String vip = v6 ? v6(input, 24) : v4(input, 16);
        String quotedSource;
        if (v6) {
            Ipv6Flyweight ip6 = new Ipv6Flyweight();
            MemorySegment seg = MemorySegment.ofArray(input);
            check(ip6.wrap(seg, 0, input.length) == PacketError.OK, () -> where.get() + ": forwarded an unparsable packet");
            int quote = (int) ip6.upperOffset() + 8;
            check(quote + 40 <= input.length, () -> where.get() + ": quote cut");
            quotedSource = v6(input, quote + 8);
        } else {
            int quote = (input[0] & 0x0f) * 4 + 8;
            check(quote + 20 <= input.length, () -> where.get() + ": quote cut");
            quotedSource = v4(input, quote + 12);
        }
        checkRule(ICMP_CROSS_VIP, quotedSource.equals(vip), () -> where.get() + ": an ICMP error to VIP " + vip
                + " quoting a packet from " + quotedSource + " was forwarded");
        return quotedSource;
    }

    /** IPv4 without DF, too big: every fragment goes to one backend and they reassemble to the input. */
    static void checkFragments(Profile p, byte[] input, List<Output> outputs, Supplier<String> where) {
        check((input[0] & 0xf0) == 0x40, () -> where.get() + ": fragments of a non-IPv4 packet");
        String destination = outputs.getFirst().destination();
        boolean ipv4Outer = (outputs.getFirst().packet()[0] & 0xf0) == 0x40;
        List<byte[]> fragments = new java.util.ArrayList<>();
        for (Output o : outputs) {
            check(o.destination().equals(destination), () -> where.get() + ": fragments to " + destination + " and "
                    + o.destination());
            // RFC 2003 5.1: the outer packet is fragmented; RFC 2473 7.1: each inner fragment in its own IPv6 outer
            fragments.add(ipv4Outer ? o.packet() : checkTunnelled(p, o, where));
        }
        if (ipv4Outer) {
            byte[] whole = reassemble(fragments, 0, false, where);
            byte[] inner = checkTunnelled(p, new Output(normalise(whole), destination), where);
            checkInnerIsInput(inner, input, where);
        } else {
            checkReassembledInput(reassembleInput(fragments, input, where), input, where);
        }
    }

    /**
     * Fragments of the input itself (not of an outer packet), reassembled. The input may itself be a fragment (RFC
     * 791 allows fragmenting fragments): its pieces then start at its offset and the last keeps its MF flag.
     */
    static byte[] reassembleInput(List<byte[]> fragments, byte[] input, Supplier<String> where) {
        return reassemble(fragments, (u16(input, 6) & 0x1fff) * 8, (u16(input, 6) & 0x2000) != 0, where);
    }

    /**
     * IPv4 fragments (header checksums, total lengths, offsets from {@code base} without gaps or repeats, MF on all
     * but the last, whose MF is {@code lastMore}) -> the header of the one at {@code base} + the payload, its total
     * length fixed.
     */
    static byte[] reassemble(List<byte[]> fragments, int base, boolean lastMore, Supplier<String> where) {
        TreeMap<Integer, byte[]> pieces = new TreeMap<>();
        TreeMap<Integer, Boolean> more = new TreeMap<>();
        byte[] firstHeader = null;
        for (byte[] frag : fragments) {
            check(frag.length >= 20 && (frag[0] & 0xf0) == 0x40, () -> where.get() + ": fragment");
            int ihl = (frag[0] & 0x0f) * 4;
            check(checksum(frag, 0, ihl, 0) == 0, () -> where.get() + ": fragment header checksum");
            check(u16(frag, 2) == frag.length, () -> where.get() + ": fragment total length");
            int flags = u16(frag, 6);
            int offset = (flags & 0x1fff) * 8;
            if (offset == base) {
                firstHeader = Arrays.copyOf(frag, ihl);
            }
            more.put(offset, (flags & 0x2000) != 0);
            check(pieces.put(offset, Arrays.copyOfRange(frag, ihl, frag.length)) == null, () -> where.get()
                    + ": offset twice");
        }
        check(firstHeader != null && more.lastEntry().getValue() == lastMore
                && !more.headMap(more.lastKey()).containsValue(false), () -> where.get() + ": fragments incomplete: "
                + more);
        int[] expected = {base};
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (Map.Entry<Integer, byte[]> e : pieces.entrySet()) {
            check(e.getKey() == expected[0], () -> where.get() + ": fragment gap at " + expected[0]);
            data.writeBytes(e.getValue());
            expected[0] += e.getValue().length;
        }
        byte[] payload = data.toByteArray();
        byte[] whole = new byte[firstHeader.length + payload.length];
        System.arraycopy(firstHeader, 0, whole, 0, firstHeader.length);
        System.arraycopy(payload, 0, whole, firstHeader.length, payload.length);
        whole[2] = (byte) (whole.length >> 8);
        whole[3] = (byte) whole.length;
        return whole;
    }

    /** The reassembled input: its payload behind its header (length, flags, checksum rewritten, the rest kept). */
    static void checkReassembledInput(byte[] whole, byte[] input, Supplier<String> where) {
        int ihl = (input[0] & 0x0f) * 4;
        int declared = declaredLength(input);
        int headerLength = (whole[0] & 0x0f) * 4;
        check(Arrays.equals(Arrays.copyOfRange(whole, headerLength, whole.length),
                Arrays.copyOfRange(input, ihl, declared)), () -> where.get() + ": reassembled inner payload differs");
        for (int i : new int[] {0, 1, 4, 5, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19}) {
            check(whole[i] == input[i], () -> where.get() + ": reassembled inner header byte " + i + " differs");
        }
    }

    /** A reassembled outer IPv4 packet with flags/offset cleared and its checksum recomputed. */
    static byte[] normalise(byte[] whole) {
        whole[6] = (byte) (whole[6] & 0x40);
        whole[7] = 0;
        whole[10] = 0;
        whole[11] = 0;
        int c = checksum(whole, 0, (whole[0] & 0x0f) * 4, 0);
        whole[10] = (byte) (c >> 8);
        whole[11] = (byte) c;
        return whole;
    }

    /** A too-big message or echo reply: from the VIP to the input's source, checksums valid. */
    static void checkIcmpToClient(Profile p, byte[] input, Output o, boolean echoReply, Supplier<String> where) {
        byte[] out = o.packet();
        boolean v6 = (input[0] & 0xf0) == 0x60;
        String client = v6 ? v6(input, 8) : v4(input, 12);
        String vip = v6 ? v6(input, 24) : v4(input, 16);
        check(o.destination().equals(client), () -> where.get() + ": ICMP sent to " + o.destination() + ", the client is " + client);
        checkSource(p, input, where);
        if (v6) {
            check(out.length >= 48 && (out[0] & 0xf0) == 0x60 && u16(out, 4) == out.length - 40, () -> where.get()
                    + ": ICMPv6 message IPv6 header");
            check(v6(out, 8).equals(vip) && v6(out, 24).equals(client), () -> where.get() + ": ICMPv6 addresses");
            check((out[6] & 0xff) == 58, () -> where.get() + ": next header " + (out[6] & 0xff));
            long pseudo = 0;
            for (int i = 8; i < 40; i += 2) {
                pseudo += u16(out, i);
            }
            pseudo += out.length - 40;
            pseudo += 58;
            boolean inputValid = !echoReply || icmpv6ChecksumValid(input);
            if (inputValid) {
                check(checksum(out, 40, out.length - 40, pseudo) == 0, () -> where.get() + ": ICMPv6 checksum");
            }
            if (echoReply) {
                check((out[40] & 0xff) == 129 && out[41] == 0, () -> where.get() + ": not an echo reply");
            } else {
                check((out[40] & 0xff) == 2 && out[41] == 0, () -> where.get() + ": not a packet too big");
                check(out.length <= 1280, () -> where.get() + ": packet too big of " + out.length + " bytes");
                check(Arrays.equals(Arrays.copyOfRange(out, 48, out.length), Arrays.copyOf(input, out.length - 48)),
                        () -> where.get() + ": the quote is not the input's start");
            }
        } else {
            check(out.length >= 28 && (out[0] & 0xff) == 0x45 && u16(out, 2) == out.length, () -> where.get()
                    + ": ICMP message IPv4 header");
            check(checksum(out, 0, 20, 0) == 0, () -> where.get() + ": ICMP message IPv4 header checksum");
            check(v4(out, 12).equals(vip) && v4(out, 16).equals(client), () -> where.get() + ": ICMP addresses");
            check((out[9] & 0xff) == 1, () -> where.get() + ": protocol " + (out[9] & 0xff));
            int ihl = (input[0] & 0x0f) * 4;
            boolean inputValid = !echoReply || checksum(input, ihl, declaredLength(input) - ihl, 0) == 0;
            if (inputValid) {
                check(checksum(out, 20, out.length - 20, 0) == 0, () -> where.get() + ": ICMP checksum");
            }
            if (echoReply) {
                check(out[20] == 0 && out[21] == 0, () -> where.get() + ": not an echo reply");
            } else {
                check(out[20] == 3 && out[21] == 4, () -> where.get() + ": not fragmentation needed");
                check(Arrays.equals(Arrays.copyOfRange(out, 28, out.length), Arrays.copyOf(input, out.length - 28)),
                        () -> where.get() + ": the quote is not the input's start");
            }
        }
        if (echoReply) {
            int inOff = v6 ? 40 : (input[0] & 0x0f) * 4;
            int outOff = v6 ? 40 : 20;
            check(Arrays.equals(Arrays.copyOfRange(out, outOff + 4, out.length),
                    Arrays.copyOfRange(input, inOff + 4, declaredLength(input))), () -> where.get()
                    + ": echo reply data differs from the request's");
        }
    }

    private static boolean icmpv6ChecksumValid(byte[] input) {
        int length = declaredLength(input) - 40;
        long pseudo = 0;
        for (int i = 8; i < 40; i += 2) {
            pseudo += u16(input, i);
        }
        pseudo += length + 58;
        return checksum(input, 40, length, pseudo) == 0;
    }

    // ------------------------------------------------------------------------------------------- bytes

    static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    static long u32(byte[] b, int i) {
        return (long) u16(b, i) << 16 | u16(b, i + 2);
    }

    static String v4(byte[] b, int i) {
        return (b[i] & 0xff) + "." + (b[i + 1] & 0xff) + "." + (b[i + 2] & 0xff) + "." + (b[i + 3] & 0xff);
    }

    static String v6(byte[] b, int i) {
        try {
            // Inet6Address explicitly: InetAddress.getByAddress would turn ::ffff:a.b.c.d into an IPv4 address
            return java.net.Inet6Address.getByAddress(null, Arrays.copyOfRange(b, i, i + 16), -1).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 1071 one's complement over b[off, off+len) plus {@code initial}: 0 when a checksum inside is right. */
    static int checksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += u16(b, off + i);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
