package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.dsrgw.gateway.dataplane.FixtureTablesPipelineTest.inet;
import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.ICMP;
import static io.dsrgw.gateway.dataplane.TestPackets.MF;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.concat;
import static io.dsrgw.gateway.dataplane.TestPackets.fragmentHeader;
import static io.dsrgw.gateway.dataplane.TestPackets.hex;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpEcho;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpv6Echo;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv6;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The issue-3 behaviour of the pipeline with several backends per VIP and mixed kinds: too-big per backend kind
 * and its rate limit (injected clock), DF-clear fragmentation, ICMP errors and fragments reaching the flow's own
 * backend, echo answer/forward/drop, IPv6 classification.
 */
class PacketPipelineIcmpTest {
    static final String VIP4 = "10.100.0.1";
    static final String VIP6 = "fd00:100::1";
    static final String ROUTER4 = "10.0.1.1";
    static final String ROUTER6 = "fd00:1::1";

    /**
     * web4 (TCP 80, UDP 53 as dns4) over GRE to three IPv4 backends and IP6GRE to one IPv6 backend; web6 (TCP 80,
     * UDP 53) over IP6TNL to three IPv6 backends and SIT to one IPv4 backend.
     */
    static ForwardingSnapshot snapshot(EchoMode echo, int tooBigRate, int tunnelMtu) {
        return snapshot(echo, tooBigRate, 100, tunnelMtu);
    }

    /** As {@link #snapshot(EchoMode, int, int)} with an echo reply rate ({@code icmp.echo-rate}). */
    static ForwardingSnapshot snapshot(EchoMode echo, int tooBigRate, int echoRate, int tunnelMtu) {
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("icmp-seed", 251, Ipv4Addresses.parse("10.0.2.2"),
                64, tunnelMtu).icmp(echo, tooBigRate, echoRate);
        long[] s6 = Ipv6Addresses.parse("fd00:2::2");
        b.tunnelSourceIpv6(s6[0], s6[1]);
        List<ForwardingSnapshot.Backend> gre = List.of(backend("10.0.3.10", TunnelKind.GRE),
                backend("10.0.3.11", TunnelKind.GRE), backend("10.0.3.12", TunnelKind.GRE),
                backend("fd00:3::19", TunnelKind.IP6GRE));
        List<ForwardingSnapshot.Backend> ip6 = List.of(backend("fd00:3::11", TunnelKind.IP6TNL),
                backend("fd00:3::12", TunnelKind.IP6TNL), backend("fd00:3::13", TunnelKind.IP6TNL),
                backend("10.0.3.19", TunnelKind.SIT));
        b.addVip("web4", inet(VIP4), TCP, new int[] {80}, 42L, false, gre);
        b.addVip("dns4", inet(VIP4), UDP, new int[] {53}, null, false, gre);
        b.addVip("web6", inet(VIP6), TCP, new int[] {80}, null, false, ip6);
        b.addVip("dns6", inet(VIP6), UDP, new int[] {53}, null, false, ip6);
        return b.build();
    }

    static ForwardingSnapshot.Backend backend(String address, TunnelKind kind) {
        return new ForwardingSnapshot.Backend(inet(address), 100, true, kind);
    }

    /** Captures packets and destinations (text) of both families. */
    static class Capture implements TxSink {
        final List<byte[]> packets = new ArrayList<>();
        final List<String> destinations = new ArrayList<>();

        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            packets.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            destinations.add(Ipv4Addresses.format(destinationIpv4));
            return true;
        }

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
            packets.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            destinations.add(Ipv6Addresses.format(hi, lo));
            return true;
        }

        String lastDestination() {
            return destinations.getLast();
        }
    }

    static CounterSet run(PacketPipeline p, byte[] packet, Capture sink) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            return p.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length, sink);
        }
    }

    static PacketPipeline pipeline(ForwardingSnapshot s) {
        return new PacketPipeline(s, new WorkerCounters());
    }

    /** The VIP -> client packet a backend sends for the flow client:port -> VIP:80, as an ICMP error quotes it. */
    static byte[] reply4(String client, int clientPort) {
        return ipv4(0, 77, DF, 64, TCP, VIP4, client, tcp(80, clientPort, 0));
    }

    static byte[] icmpError4(int type, int code, int mtu, byte[] quote) {
        byte[] icmp = new byte[8 + quote.length];
        icmp[0] = (byte) type;
        icmp[1] = (byte) code;
        icmp[6] = (byte) (mtu >>> 8);
        icmp[7] = (byte) mtu;
        System.arraycopy(quote, 0, icmp, 8, quote.length);
        int sum = TestPackets.checksum(icmp, 0, icmp.length);
        icmp[2] = (byte) (sum >>> 8);
        icmp[3] = (byte) sum;
        return icmp;
    }

    static byte[] icmpv6Error(String src, String dst, int type, int mtu, byte[] quote) {
        byte[] icmp = new byte[8 + quote.length];
        icmp[0] = (byte) type;
        icmp[4] = (byte) (mtu >>> 24);
        icmp[5] = (byte) (mtu >>> 16);
        icmp[6] = (byte) (mtu >>> 8);
        icmp[7] = (byte) mtu;
        System.arraycopy(quote, 0, icmp, 8, quote.length);
        int sum = TestPackets.checksum6(src, dst, 58, icmp);
        icmp[2] = (byte) (sum >>> 8);
        icmp[3] = (byte) sum;
        return icmp;
    }

    // ---------------------------------------------------------------------------------------- too big

    @Test
    void shouldSendFragNeededWithTheMtuOfTheChosenBackendsKind() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<Integer> mtus = new HashSet<>();
        for (int port = 1000; port < 1200; port++) {
            Capture sink = new Capture();
            byte[] big = ipv4(0, port, DF, 63, TCP, "10.0.1.2", VIP4, tcp(port, 80, 1480 - 40));
            assertEquals(CounterSet.TX_ICMP_TOO_BIG, run(pipeline(s), big, sink));
            byte[] icmp = sink.packets.getFirst();
            assertEquals("10.0.1.2", sink.lastDestination(), "sent back to the client");
            assertEquals(Ipv4Addresses.parse(VIP4), intAt(icmp, 12), "from the VIP");
            assertEquals(ICMP, icmp[9]);
            assertEquals(3, icmp[20]);
            assertEquals(4, icmp[21]);
            mtus.add((icmp[26] & 0xff) << 8 | (icmp[27] & 0xff));
            assertEquals(0, TestPackets.checksum(icmp, 0, 20), "IPv4 header checksum");
            assertEquals(0, TestPackets.checksum(icmp, 20, icmp.length - 20), "ICMP checksum");
        }
        // keyed GRE to IPv4 backends: 1500 - 28; keyed IP6GRE to the IPv6 backend: 1500 - 48
        assertEquals(Set.of(1472, 1452), mtus);
    }

    @Test
    void shouldSendPacketTooBigForIpv6WithTheExactPerKindMtu() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<Integer> mtus = new HashSet<>();
        for (int port = 1000; port < 1200; port++) {
            Capture sink = new Capture();
            byte[] big = ipv6(0, 0, TCP, 63, "fd00:1::2", VIP6, tcp(port, 80, 1481 - 60));
            assertEquals(CounterSet.TX_ICMP_TOO_BIG, run(pipeline(s), big, sink));
            byte[] icmp = sink.packets.getFirst();
            assertEquals("fd00:1::2", sink.lastDestination());
            assertEquals(58, icmp[6]);
            assertEquals(2, icmp[40] & 0xff);
            assertEquals(hex(TestPackets.addr6(VIP6)), hex(Arrays.copyOfRange(icmp, 8, 24)), "from the VIP");
            assertEquals(1280, icmp.length, "quoted up to the IPv6 minimum MTU");
            mtus.add(intAt(icmp, 44));
            byte[] upper = Arrays.copyOfRange(icmp, 40, icmp.length);
            assertEquals(0, TestPackets.checksum6(VIP6, "fd00:1::2", 58, upper), "ICMPv6 checksum");
        }
        assertEquals(Set.of(1460, 1480), mtus, "IP6TNL 1500 - 40, SIT 1500 - 20");
    }

    @Test
    void shouldRateLimitTooBigPerWorkerWithTheInjectedClock() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 3, 1500);
        PacketPipeline p = pipeline(s);
        byte[] big = ipv4(0, 1, DF, 63, UDP, "10.0.1.2", VIP4, udp(1000, 53, 1600));
        long now = 5_000_000_000L;
        p.beginBatch(now);
        List<CounterSet> verdicts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            verdicts.add(run(p, big, new Capture()));
        }
        assertEquals(List.of(CounterSet.TX_ICMP_TOO_BIG, CounterSet.TX_ICMP_TOO_BIG, CounterSet.TX_ICMP_TOO_BIG,
                CounterSet.DROP_TOO_BIG_RATE_LIMITED, CounterSet.DROP_TOO_BIG_RATE_LIMITED), verdicts, "burst = rate");
        p.beginBatch(now + 300_000_000L); // 0.9 tokens: still nothing
        assertEquals(CounterSet.DROP_TOO_BIG_RATE_LIMITED, run(p, big, new Capture()));
        p.beginBatch(now + 340_000_000L); // 1.02 tokens
        assertEquals(CounterSet.TX_ICMP_TOO_BIG, run(p, big, new Capture()));
        assertEquals(CounterSet.DROP_TOO_BIG_RATE_LIMITED, run(p, big, new Capture()));
        p.beginBatch(now + 3_000_000_000L); // long pause: refilled to the burst, not beyond
        int sent = 0;
        for (int i = 0; i < 10; i++) {
            sent += run(p, big, new Capture()) == CounterSet.TX_ICMP_TOO_BIG ? 1 : 0;
        }
        assertEquals(3, sent);
        assertEquals(4 + 3, p.counters().get(CounterSet.TX_ICMP_TOO_BIG));

        PacketPipeline never = pipeline(snapshot(EchoMode.ANSWER, 0, 1500));
        never.beginBatch(0);
        never.beginBatch(10_000_000_000L);
        assertEquals(CounterSet.DROP_TOO_BIG_RATE_LIMITED, run(never, big, new Capture()), "rate 0: never sent");
    }

    @Test
    void shouldNeverSendTooBigAboutAnIcmpError() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        byte[] quote = concat(reply4("10.0.1.2", 40000), new byte[1500]);
        byte[] error = ipv4(0, 1, DF, 63, ICMP, ROUTER4, VIP4, icmpError4(3, 4, 1400, quote));
        Capture sink = new Capture();
        assertEquals(CounterSet.DROP_TOO_BIG, run(pipeline(s), error, sink));
        assertEquals(0, sink.packets.size());
    }

    // ---------------------------------------------------------------------------------------- fragmentation

    @Test
    void shouldReuseTheFragmentSlotsOnceTheSinkHasSentWhatItHeld() {
        // The TUN's MTU is 65535 (TunIngress.DEVICE_MTU): one batch may bring more fragments than it has slots.
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        byte[] big = ipv4(0, 9, 0, 63, UDP, "10.0.1.2", VIP4, udp(1000, 53, 4000)); // 3 fragments on any backend
        int[] flushes = {0};
        Capture flushing = new Capture() {
            @Override
            public boolean flushPending() {
                flushes[0]++;
                return true; // Capture copies what it takes: the slots are free at once
            }
        };
        PacketPipeline p = new PacketPipeline(s, new WorkerCounters(), 4);
        p.beginBatch(0);
        for (int i = 0; i < 5; i++) {
            assertEquals(CounterSet.TX_FRAGMENTS, run(p, big, flushing), "packet " + i);
        }
        assertEquals(4, flushes[0], "a flush whenever the next packet's fragments did not fit the slots left");
        assertTrue(flushing.packets.size() >= 15, "every fragment sent: " + flushing.packets.size());

        PacketPipeline cannot = new PacketPipeline(s, new WorkerCounters(), 4);
        cannot.beginBatch(0);
        assertEquals(CounterSet.TX_FRAGMENTS, run(cannot, big, new Capture()));
        assertEquals(CounterSet.DROP_TOO_BIG, run(cannot, big, new Capture()), "a sink that cannot flush: no slots");
    }

    @Test
    void shouldFragmentTheOuterPacketOfDfClearIpv4OverAnIpv4Tunnel() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        int checked = 0;
        for (int port = 1000; port < 1040; port++) {
            byte[] inner = ipv4(0, 9, 0, 63, UDP, "10.0.1.2", VIP4, udp(port, 53, 2900));
            Capture sink = new Capture();
            PacketPipeline p = pipeline(s);
            p.beginBatch(0);
            CounterSet verdict = run(p, inner, sink);
            if (sink.lastDestination().contains(":")) {
                continue; // the IP6GRE backend: inner fragmentation, checked below
            }
            assertEquals(CounterSet.TX_FRAGMENTS, verdict);
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            int id = -1;
            for (int i = 0; i < sink.packets.size(); i++) {
                byte[] f = sink.packets.get(i);
                MemorySegment seg = MemorySegment.ofArray(f);
                assertEquals(PacketError.OK, ip.wrap(seg, 0, f.length));
                assertTrue(f.length <= 1500, "fragment " + i + " fits the tunnel: " + f.length);
                assertEquals(IpProtocol.GRE, ip.protocol());
                assertEquals(payload.size(), ip.fragmentOffsetBytes());
                assertEquals(i < sink.packets.size() - 1, ip.moreFragments());
                id = i == 0 ? ip.identification() : id;
                assertEquals(id, ip.identification(), "one datagram");
                payload.write(f, 20, f.length - 20);
            }
            byte[] reassembled = payload.toByteArray();
            // GRE header of dns4 (no key): no flags, version 0, protocol type IPv4; then the inner packet, unchanged
            assertEquals("00000800", hex(Arrays.copyOfRange(reassembled, 0, 4)));
            assertEquals(hex(inner), hex(Arrays.copyOfRange(reassembled, 4, reassembled.length)));
            checked++;
        }
        assertTrue(checked > 10, "flows over GRE: " + checked);
    }

    @Test
    void shouldFragmentTheInnerPacketBeforeAnIpv6Outer() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        Ipv6Flyweight ip6 = new Ipv6Flyweight();
        int checked = 0;
        for (int port = 1000; port < 1100; port++) {
            byte[] inner = ipv4(0, 9, 0, 63, UDP, "10.0.1.2", VIP4, udp(port, 53, 2900));
            Capture sink = new Capture();
            PacketPipeline p = pipeline(s);
            p.beginBatch(0);
            CounterSet verdict = run(p, inner, sink);
            if (!sink.lastDestination().contains(":")) {
                continue;
            }
            assertEquals(CounterSet.TX_FRAGMENTS, verdict);
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (int i = 0; i < sink.packets.size(); i++) {
                byte[] outer = sink.packets.get(i);
                assertTrue(outer.length <= 1500, "outer fits: " + outer.length);
                assertEquals(PacketError.OK, ip6.wrap(MemorySegment.ofArray(outer), 0, outer.length));
                assertEquals(IpProtocol.GRE, ip6.nextHeader());
                int label = ip6.flowLabel();
                assertTrue(label != 0);
                byte[] fragment = Arrays.copyOfRange(outer, 40 + 4, outer.length); // IPv6 + GRE (dns4: no key)
                assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(fragment), 0, fragment.length));
                assertEquals(data.size(), ip.fragmentOffsetBytes());
                assertEquals(i < sink.packets.size() - 1, ip.moreFragments());
                assertEquals(9, ip.identification(), "the client's identification");
                data.write(fragment, 20, fragment.length - 20);
            }
            assertEquals(hex(Arrays.copyOfRange(inner, 20, inner.length)), hex(data.toByteArray()));
            checked++;
        }
        assertTrue(checked > 5, "flows over IP6GRE: " + checked);
    }

    // ---------------------------------------------------------------------------------------- ICMP errors

    @Test
    void shouldForwardIcmpErrorsToTheBackendOfTheQuotedFlow() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String client = "10.0.1." + (2 + i);
            int port = 40000 + i;
            Capture flow = new Capture();
            assertEquals(CounterSet.TX_PACKETS,
                    run(pipeline(s), ipv4(0, 1, DF, 63, TCP, client, VIP4, tcp(port, 80, 0)), flow));
            Capture error = new Capture();
            byte[] icmp = ipv4(0, 2, 0, 255, ICMP, ROUTER4, VIP4,
                    icmpError4(3, 4, 1400, concat(reply4(client, port), new byte[8])));
            assertEquals(CounterSet.FWD_ICMP_ERROR, run(pipeline(s), icmp, error));
            assertEquals(flow.lastDestination(), error.lastDestination(), "flow " + client + ":" + port);
            used.add(flow.lastDestination());
        }
        assertTrue(used.size() >= 3, "spread over backends: " + used);
    }

    @Test
    void shouldForwardIcmpv6ErrorsToTheBackendOfTheQuotedFlow() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String client = "fd00:1::" + Integer.toHexString(2 + i);
            int port = 40000 + i;
            Capture flow = new Capture();
            assertEquals(CounterSet.TX_PACKETS, run(pipeline(s), ipv6(0, 0, TCP, 63, client, VIP6, tcp(port, 80, 0)),
                    flow));
            byte[] quote = ipv6(0, 0, TCP, 64, VIP6, client, tcp(80, port, 0));
            byte[] icmp = ipv6(0, 0, 58, 255, ROUTER6, VIP6, icmpv6Error(ROUTER6, VIP6, 2, 1400, quote));
            Capture error = new Capture();
            assertEquals(CounterSet.FWD_ICMP_ERROR, run(pipeline(s), icmp, error));
            assertEquals(flow.lastDestination(), error.lastDestination());
            used.add(flow.lastDestination());
        }
        assertTrue(used.size() >= 3, "spread over backends: " + used);
    }

    @Test
    void shouldDropIcmpErrorsQuotingSomethingThatIsNoVipFlow() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        byte[] otherPort = ipv4(0, 77, DF, 64, TCP, VIP4, "10.0.1.2", tcp(8080, 40000, 0));
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(s),
                ipv4(0, 2, 0, 255, ICMP, ROUTER4, VIP4, icmpError4(3, 4, 1400, otherPort)), new Capture()));
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(s),
                ipv4(0, 2, 0, 255, ICMP, ROUTER4, "10.100.0.99", icmpError4(3, 4, 1400, reply4("10.0.1.2", 1))),
                new Capture()));
    }

    /** web4 plus a second IPv4 VIP, 10.100.0.2 TCP 80, and web6 plus a second IPv6 VIP, fd00:100::2 TCP 80. */
    static ForwardingSnapshot twoVipSnapshot() {
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("icmp-seed", 251, Ipv4Addresses.parse("10.0.2.2"),
                64, 1500);
        long[] s6 = Ipv6Addresses.parse("fd00:2::2");
        b.tunnelSourceIpv6(s6[0], s6[1]);
        b.addVip("web4", inet(VIP4), TCP, new int[] {80}, null, false, List.of(backend("10.0.3.10", TunnelKind.GRE)));
        b.addVip("other4", inet("10.100.0.2"), TCP, new int[] {80}, null, false,
                List.of(backend("10.0.3.20", TunnelKind.GRE)));
        b.addVip("web6", inet(VIP6), TCP, new int[] {80}, null, false,
                List.of(backend("fd00:3::11", TunnelKind.IP6TNL)));
        b.addVip("other6", inet("fd00:100::2"), TCP, new int[] {80}, null, false,
                List.of(backend("fd00:3::21", TunnelKind.IP6TNL)));
        return b.build();
    }

    @Test
    void shouldDropAnIcmpErrorToOneVipThatQuotesAFlowOfAnotherVip() {
        ForwardingSnapshot s = twoVipSnapshot();
        byte[] otherVipsReply = ipv4(0, 77, DF, 64, TCP, "10.100.0.2", "10.0.1.2", tcp(80, 40000, 0));
        Capture sent = new Capture();
        PacketPipeline p = pipeline(s);
        assertEquals(CounterSet.DROP_ICMP_QUOTE_MISMATCH, run(p,
                ipv4(0, 2, 0, 255, ICMP, ROUTER4, VIP4, icmpError4(3, 4, 1400, otherVipsReply)), sent));
        assertEquals(List.of(), sent.destinations, "nothing tunnelled");
        assertEquals(1, p.counters().get(CounterSet.DROP_ICMP_QUOTE_MISMATCH));
        // the same error sent to the VIP it quotes is forwarded to that VIP's backend
        assertEquals(CounterSet.FWD_ICMP_ERROR, run(p,
                ipv4(0, 2, 0, 255, ICMP, ROUTER4, "10.100.0.2", icmpError4(3, 4, 1400, otherVipsReply)), sent));
        assertEquals(List.of("10.0.3.20"), sent.destinations);
    }

    @Test
    void shouldDropAnIcmpv6ErrorToOneVipThatQuotesAFlowOfAnotherVip() {
        ForwardingSnapshot s = twoVipSnapshot();
        byte[] quote = ipv6(0, 0, TCP, 64, "fd00:100::2", "fd00:1::2", tcp(80, 40000, 0));
        Capture sent = new Capture();
        PacketPipeline p = pipeline(s);
        assertEquals(CounterSet.DROP_ICMP_QUOTE_MISMATCH, run(p,
                ipv6(0, 0, 58, 255, ROUTER6, VIP6, icmpv6Error(ROUTER6, VIP6, 2, 1400, quote)), sent));
        assertEquals(List.of(), sent.destinations, "nothing tunnelled");
        assertEquals(CounterSet.FWD_ICMP_ERROR, run(p, ipv6(0, 0, 58, 255, ROUTER6, "fd00:100::2",
                icmpv6Error(ROUTER6, "fd00:100::2", 2, 1400, quote)), sent));
        assertEquals(List.of("fd00:3::21"), sent.destinations);
    }

    // ---------------------------------------------------------------------------------------- echo

    @Test
    void shouldAnswerForwardOrDropEchoRequestsPerConfig() {
        byte[] ping4 = ipv4(0, 5, 0, 63, ICMP, "10.0.1.2", VIP4, icmpEcho());
        byte[] ping6 = ipv6(0, 0, 58, 63, "fd00:1::2", VIP6, icmpv6Echo("fd00:1::2", VIP6, 7));

        Capture answered = new Capture();
        assertEquals(CounterSet.TX_ECHO_REPLY, run(pipeline(snapshot(EchoMode.ANSWER, 100, 1500)), ping4, answered));
        assertEquals("10.0.1.2", answered.lastDestination());
        assertEquals(0, answered.packets.getFirst()[20], "echo reply");
        assertEquals(CounterSet.TX_ECHO_REPLY, run(pipeline(snapshot(EchoMode.ANSWER, 100, 1500)), ping6, answered));
        assertEquals("fd00:1::2", answered.lastDestination());
        assertEquals(129, answered.packets.getLast()[40] & 0xff);

        ForwardingSnapshot forward = snapshot(EchoMode.FORWARD, 100, 1500);
        Capture forwarded = new Capture();
        assertEquals(CounterSet.TX_PACKETS, run(pipeline(forward), ping4, forwarded));
        assertEquals(CounterSet.TX_PACKETS, run(pipeline(forward), ping4, forwarded));
        assertEquals(forwarded.destinations.get(0), forwarded.destinations.get(1), "same echo id, same backend");
        assertEquals(CounterSet.TX_PACKETS, run(pipeline(forward), ping6, forwarded));

        Capture dropped = new Capture();
        assertEquals(CounterSet.DROP_UNSUPPORTED, run(pipeline(snapshot(EchoMode.DROP, 100, 1500)), ping4, dropped));
        assertEquals(CounterSet.DROP_UNSUPPORTED, run(pipeline(snapshot(EchoMode.DROP, 100, 1500)), ping6, dropped));
        assertEquals(0, dropped.packets.size());

        byte[] notVip = ipv4(0, 5, 0, 63, ICMP, "10.0.1.2", "10.0.2.2", icmpEcho());
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(snapshot(EchoMode.ANSWER, 100, 1500)), notVip, dropped));
    }

    @Test
    void shouldAnswerAtMostTheEchoRatePerWorkerAndDropAndCountTheRest() {
        byte[] ping4 = ipv4(0, 5, 0, 63, ICMP, "10.0.1.2", VIP4, icmpEcho());
        byte[] ping6 = ipv6(0, 0, 58, 63, "fd00:1::2", VIP6, icmpv6Echo("fd00:1::2", VIP6, 7));
        PacketPipeline p = pipeline(snapshot(EchoMode.ANSWER, 100, 3, 1500));
        long now = 5_000_000_000L;
        p.beginBatch(now);
        Capture sink = new Capture();
        List<CounterSet> verdicts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            verdicts.add(run(p, i % 2 == 0 ? ping4 : ping6, sink));
        }
        assertEquals(List.of(CounterSet.TX_ECHO_REPLY, CounterSet.TX_ECHO_REPLY, CounterSet.TX_ECHO_REPLY,
                CounterSet.DROP_ECHO_RATE_LIMITED, CounterSet.DROP_ECHO_RATE_LIMITED), verdicts,
                "burst = rate, one bucket for both families");
        assertEquals(3, sink.packets.size(), "nothing sent for the dropped requests");
        byte[] big = ipv4(0, 1, DF, 63, UDP, "10.0.1.2", VIP4, udp(1000, 53, 1600));
        assertEquals(CounterSet.TX_ICMP_TOO_BIG, run(p, big, sink), "the too-big bucket is another one");
        p.beginBatch(now + 300_000_000L); // 0.9 tokens
        assertEquals(CounterSet.DROP_ECHO_RATE_LIMITED, run(p, ping4, sink));
        p.beginBatch(now + 340_000_000L); // 1.02 tokens
        assertEquals(CounterSet.TX_ECHO_REPLY, run(p, ping6, sink));
        assertEquals(CounterSet.DROP_ECHO_RATE_LIMITED, run(p, ping6, sink));
        p.beginBatch(now + 60_000_000_000L); // a long pause refills to the burst, not beyond
        int answered = 0;
        for (int i = 0; i < 1000; i++) {
            answered += run(p, ping4, sink) == CounterSet.TX_ECHO_REPLY ? 1 : 0;
        }
        assertEquals(3, answered);
        assertEquals(3 + 1 + 3, p.counters().get(CounterSet.TX_ECHO_REPLY));
        assertEquals(2 + 1 + 1 + 997, p.counters().get(CounterSet.DROP_ECHO_RATE_LIMITED));

        PacketPipeline never = pipeline(snapshot(EchoMode.ANSWER, 100, 0, 1500));
        never.beginBatch(0);
        never.beginBatch(10_000_000_000L);
        assertEquals(CounterSet.DROP_ECHO_RATE_LIMITED, run(never, ping4, sink), "rate 0: never answered");
        assertEquals(CounterSet.DROP_ECHO_RATE_LIMITED, run(never, ping6, sink), "rate 0: never answered");

        PacketPipeline forward = pipeline(snapshot(EchoMode.FORWARD, 100, 1, 1500));
        forward.beginBatch(0);
        for (int i = 0; i < 5; i++) {
            assertEquals(CounterSet.TX_PACKETS, run(forward, ping4, sink), "forwarded requests: the backends answer");
        }
    }

    @Test
    void shouldSendTheFragmentsOfABigPingToOneBackendUnlessEchoIsDropped() {
        byte[] echo = icmpEcho();
        byte[] first = ipv4(0, 9, MF, 63, ICMP, "10.0.1.2", VIP4, concat(echo, new byte[1384]));
        byte[] last = ipv4(0, 9, 175, 63, ICMP, "10.0.1.2", VIP4, new byte[100]);
        byte[] first6 = ipv6(0, 0, 44, 63, "fd00:1::2", VIP6, concat(fragmentHeader(58, 0, true, 3), echo,
                new byte[1184]));
        byte[] last6 = ipv6(0, 0, 44, 63, "fd00:1::2", VIP6, concat(fragmentHeader(58, 1200, false, 3),
                new byte[100]));
        for (EchoMode mode : List.of(EchoMode.ANSWER, EchoMode.FORWARD)) {
            Capture sink = new Capture();
            for (byte[] f : List.of(first, last)) {
                assertEquals(CounterSet.TX_PACKETS, run(pipeline(snapshot(mode, 100, 1500)), f, sink), mode.name());
            }
            assertEquals(1, new HashSet<>(sink.destinations).size(), "one backend reassembles and answers");
            Capture sink6 = new Capture();
            for (byte[] f : List.of(first6, last6)) {
                assertEquals(CounterSet.TX_PACKETS, run(pipeline(snapshot(mode, 100, 1500)), f, sink6), mode.name());
            }
            assertEquals(1, new HashSet<>(sink6.destinations).size());
        }
        for (byte[] f : List.of(first, last, first6, last6)) {
            assertEquals(CounterSet.DROP_UNSUPPORTED, run(pipeline(snapshot(EchoMode.DROP, 100, 1500)), f,
                    new Capture()));
        }
    }

    // ---------------------------------------------------------------------------------------- IPv6

    @Test
    void shouldSendEveryFragmentOfAnIpv6DatagramToOneBackend() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String client = "fd00:1::" + Integer.toHexString(100 + i);
            byte[] first = ipv6(0, 0, 44, 63, client, VIP6,
                    concat(fragmentHeader(UDP, 0, true, i), udp(5000 + i, 53, 1224)));
            byte[] middle = ipv6(0, 0, 44, 63, client, VIP6,
                    concat(fragmentHeader(UDP, 1232, true, i), new byte[1232]));
            byte[] last = ipv6(0, 0, 44, 63, client, VIP6, concat(fragmentHeader(UDP, 2464, false, i), new byte[100]));
            Capture sink = new Capture();
            for (byte[] f : List.of(first, middle, last)) {
                assertEquals(CounterSet.TX_PACKETS, run(pipeline(s), f, sink));
            }
            assertEquals(1, new HashSet<>(sink.destinations).size(), "fragments of " + client + " split");
            used.add(sink.lastDestination());
        }
        assertTrue(used.size() >= 3, "datagrams spread over backends: " + used);
    }

    @Test
    void shouldDropIpv6ThatIsNotForAVipService() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(s),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::2", tcp(1, 80, 0)), new Capture()));
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(s),
                ipv6(0, 0, TCP, 63, "fd00:1::2", VIP6, tcp(1, 443, 0)), new Capture()));
        assertEquals(CounterSet.DROP_NOT_VIP, run(pipeline(s),
                ipv6(0, 0, 44, 63, "fd00:1::2", "fd00:100::2",
                        concat(fragmentHeader(UDP, 8, false, 1), new byte[8])), new Capture()));
        byte[] esp = ipv6(0, 0, 50, 63, "fd00:1::2", VIP6, new byte[16]);
        assertEquals(CounterSet.DROP_UNSUPPORTED_EXT_HEADER, run(pipeline(s), esp, new Capture()));
    }

    @Test
    void shouldSendTheSameFlowToTheSameBackendAndBalanceFlows() {
        ForwardingSnapshot s = snapshot(EchoMode.ANSWER, 100, 1500);
        Set<String> used = new HashSet<>();
        for (int port = 1; port < 200; port++) {
            Capture a = new Capture();
            run(pipeline(s), ipv6(0, 0, TCP, 63, "fd00:1::2", VIP6, tcp(port, 80, 0)), a);
            run(pipeline(s), ipv6(0, 0, TCP, 63, "fd00:1::2", VIP6, tcp(port, 80, 10)), a);
            assertEquals(a.destinations.get(0), a.destinations.get(1));
            used.add(a.lastDestination());
        }
        assertEquals(Set.of("fd00:3::11", "fd00:3::12", "fd00:3::13", "10.0.3.19"), used);
    }

    static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }
}
