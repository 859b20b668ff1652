package io.dsrgw.gateway.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dsrgw.conf.BackendState;
import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.AfterAll;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.dsrgw.gateway.dataplane.FuzzModel.check;
import static io.dsrgw.gateway.dataplane.FuzzModel.checksum;
import static io.dsrgw.gateway.dataplane.FuzzModel.canonical;
import static io.dsrgw.gateway.dataplane.FuzzModel.declaredLength;
import static io.dsrgw.gateway.dataplane.FuzzModel.u16;
import static io.dsrgw.gateway.dataplane.FuzzModel.v4;
import static io.dsrgw.gateway.dataplane.FuzzModel.v6;

/**
 * Coverage-guided fuzzing of the whole Java data plane ({@link PacketPipeline}): one fuzz byte picks a profile, the
 * rest is the packet. Byte values 0..239 pick a {@link FuzzModel.Profile} (the classic tunnel kinds, echo mode,
 * tunnel-mtu, GRE key/checksum, flow table or pure Maglev) checked by {@link FuzzModel#check}; 240..255 pick one of
 * this target's {@link KindProfile}s with the kinds of issue 15: GUE / GUE6 backends, or L2 DSR ({@code none})
 * backends next to GUE ones. Every outcome must hold: no exception, counters that add up, outputs only to
 * configured backends with the inner packet unchanged (GUE: outer IPv4/IPv6 + UDP to the gue-port from a source
 * port of the range, checksum 0 over IPv4 and valid over IPv6; L2: the packet itself, byte-identical, through
 * {@link TxSink#sendToNeighbour} to an L2 backend of its VIP, never routed), or well-formed ICMP to the client.
 *
 * <p>{@code mvn test} runs the saved inputs ({@code PipelineFuzzTestInputs/pipeline/}, regression mode);
 * {@code scripts/fuzz PipelineFuzzTest} fuzzes.
 */
class PipelineFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void pipeline(byte[] data) {
        if (data.length == 0) {
            return;
        }
        // byte 0: the profile; the rest: the packet (raw bytes, so that saved inputs read as packets)
        byte[] packet = java.util.Arrays.copyOfRange(data, 1, data.length);
        int b = data[0] & 0xff;
        if (b >= KindProfile.FIRST_BYTE) {
            KindProfile profile = KindProfile.of(b);
            KindRun run = runKinds(profile, packet);
            checkKinds(profile, packet, run);
            KIND_OUTCOMES.merge((profile.l2() ? "l2 " : "gue ") + run.verdict().id(), 1L, Long::sum);
            return;
        }
        FuzzModel.Profile profile = FuzzModel.Profile.of(data[0]);
        FuzzModel.JavaRun run = FuzzModel.run(profile, packet);
        FuzzModel.check(profile, packet, run);
    }

    /** Checked outcomes of the kinds profiles ("l2 tx_packets" -> count), printed at the end. */
    static final Map<String, Long> KIND_OUTCOMES = new java.util.concurrent.ConcurrentSkipListMap<>();

    @AfterAll
    static void report() {
        System.out.println("PipelineFuzzTest: issue-15 kind profiles checked: " + KIND_OUTCOMES);
        if (!FuzzModel.TOLERATED_COUNTS.isEmpty()) {
            System.out.println("PipelineFuzzTest: tolerated (known, -Ddsrgw.fuzz.tolerate): "
                    + FuzzModel.TOLERATED_COUNTS);
        }
    }

    // ------------------------------------------------------------------------------------ issue 15 kinds

    static final int GUE_PORT = 6080;
    static final int GUE_SPORT_MIN = 50000;
    static final int GUE_SPORT_MAX = 50999;

    /**
     * A snapshot with the kinds of issue 15. {@code l2}: L2 DSR backends (plus one GUE backend per UDP VIP, so a
     * VIP mixes both); otherwise GUE (IPv4 backends) and GUE6 (IPv6 backends) only. {@code smallMtu}: tunnel-mtu
     * and the L2 link MTU 600 instead of 1500 (too-big and fragmentation paths).
     */
    record KindProfile(boolean l2, boolean smallMtu, boolean flowTable, EchoMode echo) {
        static final int FIRST_BYTE = 240;

        static KindProfile of(int b) {
            int i = b - FIRST_BYTE;
            return new KindProfile(i % 2 == 1, (i / 2) % 2 == 1, (i / 4) % 2 == 1,
                    (i / 8) % 2 == 1 ? EchoMode.FORWARD : EchoMode.ANSWER);
        }

        int mtu() {
            return smallMtu ? 600 : 1500;
        }
    }

    /** A configured backend: the VIP it serves (canonical) and its kind. */
    record KindBackend(String vip, TunnelKind kind) {
    }

    /** A VIP service of the kinds model: address, protocol, ports (the a4/a6 services of {@link FuzzModel}). */
    record KindVip(String name, String address, int protocol, int[] ports, List<String[]> l2Backends,
                   List<String[]> gueBackends) {
    }

    static final List<KindVip> KIND_VIPS = List.of(
            new KindVip("a4-tcp", "10.100.0.1", IpProtocol.TCP, new int[] {80, 443},
                    List.of(new String[] {"10.1.0.1", "none"}, new String[] {"10.1.0.2", "none"}),
                    List.of(new String[] {"10.1.0.1", "gue"}, new String[] {"fd00:1::1", "gue6"})),
            new KindVip("a4-udp", "10.100.0.1", IpProtocol.UDP, new int[] {53},
                    List.of(new String[] {"10.1.0.1", "none"}, new String[] {"10.1.0.3", "gue"}),
                    List.of(new String[] {"10.1.0.3", "gue"}, new String[] {"fd00:1::3", "gue6"})),
            new KindVip("a6-tcp", "fd00:100::1", IpProtocol.TCP, new int[] {80, 443},
                    List.of(new String[] {"fd00:1::4", "none"}, new String[] {"fd00:1::5", "none"}),
                    List.of(new String[] {"10.1.0.4", "gue"}, new String[] {"fd00:1::4", "gue6"})),
            new KindVip("a6-udp", "fd00:100::1", IpProtocol.UDP, new int[] {53},
                    List.of(new String[] {"fd00:1::4", "none"}, new String[] {"fd00:1::6", "gue6"}),
                    List.of(new String[] {"10.1.0.6", "gue"}, new String[] {"fd00:1::6", "gue6"})));

    private static final Map<KindProfile, ForwardingSnapshot> KIND_SNAPSHOTS = new HashMap<>();
    private static final Map<KindProfile, Map<String, List<KindBackend>>> KIND_BACKENDS = new HashMap<>();
    private static final Map<KindProfile, PacketPipeline> KIND_PIPELINES = new HashMap<>();
    private static long clock;

    static synchronized ForwardingSnapshot kindSnapshot(KindProfile p) {
        KindProfile key = new KindProfile(p.l2(), p.smallMtu(), false, p.echo());
        ForwardingSnapshot s = KIND_SNAPSHOTS.get(key);
        if (s == null) {
            ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("fuzz-seed", 251, Ipv4Addresses.parse(
                    FuzzModel.TUNNEL_SOURCE4), FuzzModel.TTL, p.mtu()).icmp(p.echo(), 1_000_000)
                    .gueSourcePorts(GUE_SPORT_MIN, GUE_SPORT_MAX);
            long[] source6 = Ipv6Addresses.parse(FuzzModel.TUNNEL_SOURCE6);
            b.tunnelSourceIpv6(source6[0], source6[1]);
            Map<String, List<KindBackend>> infos = new HashMap<>();
            for (KindVip v : KIND_VIPS) {
                List<ForwardingSnapshot.Backend> backends = new ArrayList<>();
                for (String[] d : p.l2() ? v.l2Backends() : v.gueBackends()) {
                    TunnelKind kind = TunnelKind.fromId(d[1]);
                    backends.add(new ForwardingSnapshot.Backend(FuzzModel.inet(d[0]), 100, BackendState.ACTIVE,
                            kind));
                    infos.computeIfAbsent(canonical(d[0]), k -> new ArrayList<>())
                            .add(new KindBackend(canonical(v.address()), kind));
                }
                b.addVip(v.name(), FuzzModel.inet(v.address()), v.protocol(), v.ports(), null, false, GUE_PORT,
                        backends);
            }
            s = b.build();
            KIND_SNAPSHOTS.put(key, s);
            KIND_BACKENDS.put(key, Map.copyOf(infos));
        }
        return s;
    }

    static synchronized Map<String, List<KindBackend>> kindBackends(KindProfile p) {
        kindSnapshot(p);
        return KIND_BACKENDS.get(new KindProfile(p.l2(), p.smallMtu(), false, p.echo()));
    }

    /** One packet handed to the sink: {@code neighbour} when through sendToNeighbour (L2), else routed. */
    record KindOutput(byte[] packet, String destination, boolean neighbour) {
    }

    record KindRun(CounterSet verdict, List<KindOutput> outputs) {
    }

    /** As {@link FuzzModel#run}: counters must move by exactly rx + the verdict and still add up. */
    static synchronized KindRun runKinds(KindProfile p, byte[] packet) {
        PacketPipeline pipeline = KIND_PIPELINES.computeIfAbsent(p, k -> new PacketPipeline(kindSnapshot(k),
                new WorkerCounters(), 64));
        pipeline.flowSteering(p.flowTable() ? new FlowSteering(new FlowTable(64, FlowTimeouts.DEFAULT)) : null);
        clock += 2_000_000_000L;
        pipeline.beginBatch(clock);
        WorkerCounters counters = pipeline.counters();
        long[] before = counters(counters);
        List<KindOutput> outputs = new ArrayList<>();
        int linkMtu = p.mtu();
        TxSink sink = new TxSink() {
            @Override
            public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
                outputs.add(new KindOutput(bytes(seg, offset, length), Ipv4Addresses.format(destinationIpv4), false));
                return true;
            }

            @Override
            public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
                outputs.add(new KindOutput(bytes(seg, offset, length), v6(address6(hi, lo), 0), false));
                return true;
            }

            @Override
            public int sendToNeighbour(MemorySegment seg, long offset, int length, int neighbourIpv4) {
                if (length > linkMtu) {
                    return linkMtu;
                }
                outputs.add(new KindOutput(bytes(seg, offset, length), Ipv4Addresses.format(neighbourIpv4), true));
                return SENT;
            }

            @Override
            public int sendToNeighbour6(MemorySegment seg, long offset, int length, long hi, long lo) {
                if (length > linkMtu) {
                    return linkMtu;
                }
                outputs.add(new KindOutput(bytes(seg, offset, length), v6(address6(hi, lo), 0), true));
                return SENT;
            }
        };
        CounterSet verdict;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length + 1);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            verdict = pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length, sink);
        }
        long[] after = counters(counters);
        long sum = 0;
        for (CounterSet c : CounterSet.all()) {
            long delta = after[c.ordinal()] - before[c.ordinal()];
            long expected = c == CounterSet.RX_PACKETS || c == verdict ? 1 : 0;
            check(delta == expected, () -> "counter " + c.id() + " moved by " + delta + " (expected: " + expected
                    + ", verdict " + verdict.id() + ")");
            sum += c == CounterSet.RX_PACKETS ? 0 : after[c.ordinal()];
        }
        long total = sum;
        check(total == after[CounterSet.RX_PACKETS.ordinal()], () -> "rx_packets "
                + after[CounterSet.RX_PACKETS.ordinal()] + " != sum of outcomes " + total);
        return new KindRun(verdict, outputs);
    }

    private static byte[] bytes(MemorySegment seg, long offset, int length) {
        return seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] address6(long hi, long lo) {
        byte[] a = new byte[16];
        ValueLayout.OfLong big = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
        MemorySegment.ofArray(a).set(big, 0, hi);
        MemorySegment.ofArray(a).set(big, 8, lo);
        return a;
    }

    private static long[] counters(WorkerCounters c) {
        long[] v = new long[CounterSet.all().length];
        for (CounterSet s : CounterSet.all()) {
            v[s.ordinal()] = c.get(s);
        }
        return v;
    }

    /** Every invariant of {@code r}, the pipeline's answer to {@code input} under the kinds profile {@code p}. */
    static void checkKinds(KindProfile p, byte[] input, KindRun r) {
        Supplier<String> where = () -> r.verdict().id() + " for " + HexFormat.of().formatHex(input) + " (" + p + ")";
        switch (r.verdict()) {
            case TX_PACKETS, FWD_ICMP_ERROR -> {
                check(r.outputs().size() == 1, () -> where.get() + ": " + r.outputs().size()
                        + " packets sent (expected: 1)");
                String quotedVip = r.verdict() == CounterSet.FWD_ICMP_ERROR
                        ? FuzzModel.checkQuoteIsFromTheVip(input, where) : null;
                byte[] inner = delivered(p, r.outputs().getFirst(), where, quotedVip);
                FuzzModel.checkInnerIsInput(inner, input, where);
                checkKindSource(p, input, where);
                if (r.verdict() == CounterSet.TX_PACKETS) {
                    FuzzModel.checkService(input, where);
                }
            }
            case TX_FRAGMENTS -> {
                check(!r.outputs().isEmpty(), () -> where.get() + ": no fragment sent");
                checkKindFragments(p, input, r.outputs(), where);
                checkKindSource(p, input, where);
            }
            case TX_ICMP_TOO_BIG, TX_ECHO_REPLY -> {
                check(r.outputs().size() == 1, () -> where.get() + ": " + r.outputs().size()
                        + " packets sent (expected: 1)");
                KindOutput o = r.outputs().getFirst();
                check(!o.neighbour(), () -> where.get() + ": ICMP to the client sent to a backend's MAC");
                checkKindSource(p, input, where);
                checkIcmpToClient(input, o, r.verdict() == CounterSet.TX_ECHO_REPLY, where);
            }
            default -> check(r.outputs().isEmpty(), () -> where.get() + ": a drop sent " + r.outputs().size()
                    + " packets");
        }
    }

    /**
     * What a backend receives: for L2 the packet itself (through sendToNeighbour to an L2 backend of its VIP), for
     * GUE the inner packet behind outer IP + UDP (routed to a GUE / GUE6 backend of its VIP); returns it.
     */
    static byte[] delivered(KindProfile p, KindOutput o, Supplier<String> where, String alsoVip) {
        byte[] out = o.packet();
        List<KindBackend> configured = kindBackends(p).get(o.destination());
        check(configured != null, () -> where.get() + ": sent to " + o.destination() + ", not a configured backend");
        if (o.neighbour()) {
            // L2 DSR: no header added, the destination stays the VIP, sent to an L2 backend of that VIP
            check(out.length >= 20, () -> where.get() + ": L2 frame of " + out.length + " bytes");
            boolean v6 = (out[0] & 0xf0) == 0x60;
            String vip = v6 ? v6(out, 24) : v4(out, 16);
            check(configured.stream().anyMatch(k -> k.kind() == TunnelKind.NONE
                    && (k.vip().equals(vip) || k.vip().equals(alsoVip))), () -> where.get() + ": packet for " + vip
                    + " to the MAC of " + o.destination() + ", not an L2 DSR backend of that VIP: " + configured);
            return out;
        }
        int family = (out[0] & 0xf0) >> 4;
        int header = family == 4 ? 20 : 40;
        check(out.length >= header + 8 + 20, () -> where.get() + ": outer packet of " + out.length + " bytes");
        String src;
        String dst;
        if (family == 4) {
            check((out[0] & 0x0f) == 5, () -> where.get() + ": outer IHL " + (out[0] & 0x0f));
            check(u16(out, 2) == out.length, () -> where.get() + ": outer total length " + u16(out, 2));
            check(checksum(out, 0, 20, 0) == 0, () -> where.get() + ": outer IPv4 header checksum");
            check((out[8] & 0xff) == FuzzModel.TTL, () -> where.get() + ": outer TTL " + (out[8] & 0xff));
            check((out[9] & 0xff) == IpProtocol.UDP, () -> where.get() + ": outer protocol " + (out[9] & 0xff));
            src = v4(out, 12);
            dst = v4(out, 16);
        } else {
            check(family == 6, () -> where.get() + ": outer version " + family);
            check(u16(out, 4) == out.length - 40, () -> where.get() + ": outer payload length " + u16(out, 4));
            check((out[7] & 0xff) == FuzzModel.TTL, () -> where.get() + ": outer hop limit " + (out[7] & 0xff));
            check((out[6] & 0xff) == IpProtocol.UDP, () -> where.get() + ": outer next header " + (out[6] & 0xff));
            int label = (out[1] & 0x0f) << 16 | (out[2] & 0xff) << 8 | (out[3] & 0xff);
            check(label != 0, () -> where.get() + ": outer flow label 0 (RFC 6438)");
            src = v6(out, 8);
            dst = v6(out, 24);
        }
        check(src.equals(family == 4 ? FuzzModel.TUNNEL_SOURCE4 : canonical(FuzzModel.TUNNEL_SOURCE6)),
                () -> where.get() + ": outer source " + src);
        check(dst.equals(o.destination()), () -> where.get() + ": outer destination " + dst + ", sent to "
                + o.destination());
        TunnelKind kind = family == 4 ? TunnelKind.GUE : TunnelKind.GUE6;
        int sport = u16(out, header);
        int dport = u16(out, header + 2);
        int udpLength = u16(out, header + 4);
        int udpChecksum = u16(out, header + 6);
        check(dport == GUE_PORT, () -> where.get() + ": UDP destination port " + dport);
        check(sport >= GUE_SPORT_MIN && sport <= GUE_SPORT_MAX, () -> where.get() + ": UDP source port " + sport);
        check(udpLength == out.length - header, () -> where.get() + ": UDP length " + udpLength);
        if (family == 4) {
            check(udpChecksum == 0, () -> where.get() + ": GUE over IPv4 sends UDP checksum 0, not " + udpChecksum);
        } else {
            long pseudo = 0;
            for (int i = 8; i < 40; i += 2) {
                pseudo += u16(out, i);
            }
            pseudo += udpLength + IpProtocol.UDP;
            long sum = pseudo;
            check(udpChecksum != 0 && checksum(out, 40, udpLength, sum) == 0, () -> where.get()
                    + ": GUE6 UDP checksum " + udpChecksum);
        }
        byte[] inner = Arrays.copyOfRange(out, header + 8, out.length);
        check(inner.length >= 20, () -> where.get() + ": inner of " + inner.length + " bytes");
        boolean v6 = (inner[0] & 0xf0) == 0x60;
        check(v6 || (inner[0] & 0xf0) == 0x40, () -> where.get() + ": GUE variant 1 inner version "
                + ((inner[0] & 0xf0) >> 4));
        String vip = v6 ? v6(inner, 24) : v4(inner, 16);
        check(configured.stream().anyMatch(k -> k.kind() == kind && (k.vip().equals(vip) || k.vip().equals(alsoVip))),
                () -> where.get() + ": " + kind + " packet for " + vip + " to " + dst + ", not such a backend of that VIP: "
                        + configured);
        return inner;
    }

    /** Issue 14's source rule against this configuration's own addresses (VIPs, tunnel sources, its backends). */
    static void checkKindSource(KindProfile p, byte[] input, Supplier<String> where) {
        boolean v6 = (input[0] & 0xf0) == 0x60;
        String src = v6 ? v6(input, 8) : v4(input, 12);
        boolean own = kindBackends(p).containsKey(src) || src.equals(FuzzModel.TUNNEL_SOURCE4)
                || src.equals(canonical(FuzzModel.TUNNEL_SOURCE6))
                || KIND_VIPS.stream().anyMatch(v -> canonical(v.address()).equals(src));
        FuzzModel.checkRule(FuzzModel.SOURCE_POLICY, !FuzzModel.martian(input, v6) && !own,
                () -> where.get() + ": handled a packet from " + src + ", a source no client can have");
    }

    /**
     * IPv4 without DF, too big: L2 fragments go to one backend's MAC, each within the link MTU, with the input's
     * header fields (TTL not decremented); GUE ones in outer packets (or an outer IPv4 fragmented). Reassembled,
     * they are the input.
     */
    static void checkKindFragments(KindProfile p, byte[] input, List<KindOutput> outputs, Supplier<String> where) {
        check((input[0] & 0xf0) == 0x40, () -> where.get() + ": fragments of a non-IPv4 packet");
        String destination = outputs.getFirst().destination();
        boolean l2 = outputs.getFirst().neighbour();
        List<byte[]> pieces = new ArrayList<>();
        boolean outerFragmented = false;
        for (KindOutput o : outputs) {
            check(o.destination().equals(destination) && o.neighbour() == l2, () -> where.get() + ": fragments to "
                    + destination + " and " + o.destination());
            if (l2) {
                check(o.packet().length <= p.mtu(), () -> where.get() + ": L2 fragment of " + o.packet().length
                        + " bytes above the link MTU " + p.mtu());
                delivered(p, o, where, null);
                pieces.add(o.packet());
            } else if ((o.packet()[0] & 0xf0) == 0x40 && (u16(o.packet(), 6) & 0x3fff) != 0) {
                pieces.add(o.packet()); // an outer IPv4 fragment: reassembled below, then decapsulated
                outerFragmented = true;
            } else {
                pieces.add(delivered(p, o, where, null));
            }
        }
        if (outerFragmented) {
            // the outer was fragmented: the reassembled outer must be a GUE packet carrying the input
            byte[] outer = FuzzModel.normalise(FuzzModel.reassemble(pieces, 0, false, where));
            FuzzModel.checkInnerIsInput(delivered(p, new KindOutput(outer, destination, false), where, null), input,
                    where);
        } else {
            FuzzModel.checkReassembledInput(FuzzModel.reassembleInput(pieces, input, where), input, where);
        }
    }

    /** A too-big message or echo reply: routed, from the VIP to the input's source, checksums valid. */
    static void checkIcmpToClient(byte[] input, KindOutput o, boolean echoReply, Supplier<String> where) {
        byte[] out = o.packet();
        boolean v6 = (input[0] & 0xf0) == 0x60;
        String client = v6 ? v6(input, 8) : v4(input, 12);
        String vip = v6 ? v6(input, 24) : v4(input, 16);
        check(o.destination().equals(client), () -> where.get() + ": ICMP sent to " + o.destination()
                + ", the client is " + client);
        if (v6) {
            check(out.length >= 48 && (out[0] & 0xf0) == 0x60 && u16(out, 4) == out.length - 40
                    && (out[6] & 0xff) == 58, () -> where.get() + ": ICMPv6 message IPv6 header");
            check(v6(out, 8).equals(vip) && v6(out, 24).equals(client), () -> where.get() + ": ICMPv6 addresses");
            check((out[40] & 0xff) == (echoReply ? 129 : 2) && out[41] == 0, () -> where.get() + ": ICMPv6 type");
        } else {
            check(out.length >= 28 && (out[0] & 0xff) == 0x45 && u16(out, 2) == out.length
                    && checksum(out, 0, 20, 0) == 0 && (out[9] & 0xff) == 1, () -> where.get()
                    + ": ICMP message IPv4 header");
            check(v4(out, 12).equals(vip) && v4(out, 16).equals(client), () -> where.get() + ": ICMP addresses");
            check(echoReply ? out[20] == 0 && out[21] == 0 : out[20] == 3 && out[21] == 4, () -> where.get()
                    + ": ICMP type");
            if (!echoReply) {
                int mtu = u16(out, 26);
                check(mtu > 0 && mtu < declaredLength(input), () -> where.get() + ": frag-needed MTU " + mtu
                        + " for a packet of " + declaredLength(input));
                check(Arrays.equals(Arrays.copyOfRange(out, 28, out.length), Arrays.copyOf(input, out.length - 28)),
                        () -> where.get() + ": the quote is not the input's start");
            }
        }
    }
}
