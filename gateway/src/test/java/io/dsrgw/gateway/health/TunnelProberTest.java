package io.dsrgw.gateway.health;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.Probe;
import io.dsrgw.linux.RawSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnel check on loopback: the test plays the backend. It captures the encapsulated probe with a raw
 * protocol-4 socket (the kernel here has no ipip module, so nothing else decapsulates it), checks outer and inner
 * headers, and answers the way a backend would: an echo reply from the VIP straight to the tunnel source.
 */
class TunnelProberTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int SOURCE = Ipv4Addresses.parse("127.0.0.1");
    private static final int BACKEND = Ipv4Addresses.parse("127.0.0.2");
    private static final int VIP = Ipv4Addresses.parse("10.199.7.1");

    @Test
    void shouldSendAnEncapsulatedEchoToTheVipAndSucceedOnTheReplyStraightBack() throws Exception {
        Probe raw = Capabilities.rawSockets();
        Assumptions.assumeTrue(raw.available(), "raw sockets needed: " + raw.cause());
        ForwardingSnapshot snapshot = snapshot();
        List<String> results = new CopyOnWriteArrayList<>();
        try (Arena arena = Arena.ofConfined();
             RawSocket capture = RawSocket.ipv4Protocol(4);
             RawSocket reply = RawSocket.ipv4Raw();
             TunnelProber prober = new TunnelProber(() -> snapshot)) {
            capture.nonBlocking(true);
            MemorySegment buf = arena.allocate(2048);
            int seq = prober.probe(new BackendKey("web", "127.0.0.2"), (r, d) -> results.add(r + " " + d));
            assertTrue(seq >= 0, "sent: " + results);
            int n = 0;
            long end = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < end) {
                n = capture.receive(buf, 0, 2048);
                if (n > 0 && buf.get(INT, 16) == BACKEND) {
                    break;
                }
                Thread.sleep(5);
            }
            assertEquals(20 + 36, n, "outer IPv4 + inner IPv4 + ICMP echo with 8 bytes");
            assertEquals(SOURCE, buf.get(INT, 12), "outer source = tunnel-source");
            assertEquals(4, buf.get(ValueLayout.JAVA_BYTE, 9), "IP-in-IP");
            assertEquals(SOURCE, buf.get(INT, 20 + 12), "inner source = tunnel-source");
            assertEquals(VIP, buf.get(INT, 20 + 16), "inner destination = the VIP");
            assertEquals(0, InternetChecksum.ipv4Header(buf, 20, 20), "inner header checksum");
            assertEquals(8, buf.get(ValueLayout.JAVA_BYTE, 40), "echo request");
            assertEquals(prober.identifier(), buf.get(SHORT, 44) & 0xffff);
            assertEquals(0xD500, prober.identifier() & 0xff00, "recognisable identifier 0xD5xx");
            assertEquals(seq, buf.get(SHORT, 46) & 0xffff);
            assertEquals("dsrgw-hc", new String(buf.asSlice(48, 8).toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(0, InternetChecksum.compute(buf, 40, 16), "ICMP checksum");
            // A reply from the wrong source completes nothing.
            MemorySegment r = arena.allocate(36);
            writeReply(r, Ipv4Addresses.parse("10.199.7.2"), prober.identifier(), seq);
            reply.sendIpv4(r, 0, 36, SOURCE);
            Thread.sleep(200);
            assertEquals(List.of(), results);
            // The backend's answer: from the VIP, straight to the tunnel source.
            writeReply(r, VIP, prober.identifier(), seq);
            reply.sendIpv4(r, 0, 36, SOURCE);
            end = System.nanoTime() + 2_000_000_000L;
            while (results.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertEquals(List.of("SUCCESS echo reply from the VIP"), results);
        }
    }

    @Test
    void shouldProbeAnIpv6VipWithIcmpv6FromTheIpv6TunnelSourceThroughSitAndIp6tnl() throws Exception {
        Probe raw = Capabilities.rawSockets();
        Assumptions.assumeTrue(raw.available(), "raw sockets needed: " + raw.cause());
        long[] source6 = Ipv6Addresses.parse("::1");
        long[] vip6 = Ipv6Addresses.parse("fd00:d5::1");
        long[] otherVip6 = Ipv6Addresses.parse("fd00:d5::2");
        ForwardingSnapshot snapshot = ForwardingSnapshot.builder("tunnel-probe6", 65537, SOURCE, 64, 1500)
                .tunnelSourceIpv6(source6[0], source6[1])
                .addVip("web6", InetAddress.getByName("fd00:d5::1"), 6, new int[] {80}, null, false, List.of(
                        new ForwardingSnapshot.Backend(InetAddress.getByName("127.0.0.2"), 100,
                                io.dsrgw.conf.BackendState.ACTIVE, TunnelKind.SIT),
                        new ForwardingSnapshot.Backend(InetAddress.getByName("::1"), 100,
                                io.dsrgw.conf.BackendState.ACTIVE, TunnelKind.IP6TNL)))
                .build();
        List<String> results = new CopyOnWriteArrayList<>();
        try (Arena arena = Arena.ofConfined();
             RawSocket captureSit = RawSocket.ipv4Protocol(41);
             RawSocket capture6 = RawSocket.ipv6Protocol(41);
             RawSocket reply = RawSocket.ipv6Raw();
             TunnelProber prober = new TunnelProber(() -> snapshot)) {
            captureSit.nonBlocking(true);
            capture6.nonBlocking(true);
            MemorySegment buf = arena.allocate(2048);
            for (int b = 0; b < snapshot.backendCount(); b++) {
                boolean sit = snapshot.tunnel(b).outerFamily() == 4;
                results.clear();
                int seq = prober.probe(new BackendKey("web6", snapshot.backendIdentity(b)),
                        (r, d) -> results.add(r + " " + d));
                assertTrue(seq >= 0, "sent: " + results);
                // sit: the IPv4 socket gives the outer header (20 bytes); ip6tnl: the IPv6 one gives none.
                RawSocket capture = sit ? captureSit : capture6;
                int outer = sit ? 20 : 0;
                int n = 0;
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end) {
                    n = capture.receive(buf, 0, 2048);
                    if (n == outer + 56 && (buf.get(SHORT, outer + 40 + 6) & 0xffff) == seq) {
                        break;
                    }
                    Thread.sleep(5);
                }
                String via = sit ? "sit" : "ip6tnl";
                System.out.println("IPv6 tunnel probe via " + via + ": captured " + n + " bytes, seq " + seq);
                assertEquals(outer + 56, n, via + ": outer + inner IPv6 + ICMPv6 echo with 8 bytes");
                if (sit) {
                    assertEquals(SOURCE, buf.get(INT, 12), "sit outer source = tunnel-source.ipv4");
                    assertEquals(BACKEND, buf.get(INT, 16), "sit outer destination = the backend");
                }
                int in = outer;
                assertEquals(6, (buf.get(ValueLayout.JAVA_BYTE, in) & 0xf0) >> 4, via + ": inner IPv6");
                assertEquals(58, buf.get(ValueLayout.JAVA_BYTE, in + 6), via + ": next header ICMPv6");
                assertEquals(source6[0], buf.get(LONG, in + 8), via + ": inner source = tunnel-source.ipv6");
                assertEquals(source6[1], buf.get(LONG, in + 16), via + ": inner source = tunnel-source.ipv6");
                assertEquals(vip6[0], buf.get(LONG, in + 24), via + ": inner destination = the VIP");
                assertEquals(vip6[1], buf.get(LONG, in + 32), via + ": inner destination = the VIP");
                assertEquals(128, buf.get(ValueLayout.JAVA_BYTE, in + 40) & 0xff, via + ": echo request");
                assertEquals(prober.identifier(), buf.get(SHORT, in + 44) & 0xffff);
                assertEquals("dsrgw-hc", new String(buf.asSlice(in + 48, 8).toArray(ValueLayout.JAVA_BYTE)));
                assertEquals(0, InternetChecksum.icmpv6(buf, in + 40, 16, source6[0], source6[1], vip6[0],
                        vip6[1]), via + ": ICMPv6 checksum");
                // A reply from another address (its checksum is right for that address) completes nothing.
                MemorySegment r = arena.allocate(56);
                writeReply6(r, otherVip6, source6, prober.identifier(), seq);
                reply.sendIpv6(r, 0, 56, source6[0], source6[1]);
                Thread.sleep(200);
                assertEquals(List.of(), results, via + ": reply from fd00:d5::2");
                writeReply6(r, vip6, source6, prober.identifier(), seq);
                reply.sendIpv6(r, 0, 56, source6[0], source6[1]);
                end = System.nanoTime() + 2_000_000_000L;
                while (results.isEmpty() && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                assertEquals(List.of("SUCCESS echo reply from the VIP"), results, via);
            }
        }
    }

    @Test
    void shouldFailAnIpv6ProbeWithoutAnIpv6TunnelSource() throws Exception {
        Probe raw = Capabilities.rawSockets();
        Assumptions.assumeTrue(raw.available(), "raw sockets needed: " + raw.cause());
        ForwardingSnapshot snapshot = ForwardingSnapshot.builder("tunnel-probe6", 65537, SOURCE, 64, 1500)
                .addVip("web6", InetAddress.getByName("fd00:d5::1"), 6, new int[] {80}, null, false, List.of(
                        new ForwardingSnapshot.Backend(InetAddress.getByName("127.0.0.2"), 100,
                                io.dsrgw.conf.BackendState.ACTIVE, TunnelKind.SIT)))
                .build();
        List<String> results = new CopyOnWriteArrayList<>();
        try (TunnelProber prober = new TunnelProber(() -> snapshot)) {
            assertEquals(-1, prober.probe(new BackendKey("web6", snapshot.backendIdentity(0)),
                    (r, d) -> results.add(r + " " + d)));
            assertEquals(List.of("FAILURE tunnel check of an IPv6 VIP needs tunnel-source.ipv6"), results);
        }
    }

    @Test
    void shouldFailAProbeOfABackendNotInTheSnapshot() throws Exception {
        Probe raw = Capabilities.rawSockets();
        Assumptions.assumeTrue(raw.available(), "raw sockets needed: " + raw.cause());
        ForwardingSnapshot snapshot = snapshot();
        List<String> results = new CopyOnWriteArrayList<>();
        try (TunnelProber prober = new TunnelProber(() -> snapshot)) {
            assertEquals(-1, prober.probe(new BackendKey("web", "127.0.0.3"), (r, d) -> results.add(r + " " + d)));
            assertEquals(List.of("FAILURE not in the forwarding snapshot"), results);
        }
        try (TunnelProber prober = new TunnelProber(() -> null)) {
            assertEquals(TunnelProber.NOT_READY, prober.probe(new BackendKey("web", "127.0.0.2"), (r, d) -> { }));
        }
    }

    @Test
    void shouldTakeABackendDownWhenNoReplyComesBackAndSayWhyWithoutAProber() throws Exception {
        Probe raw = Capabilities.rawSockets();
        Assumptions.assumeTrue(raw.available(), "raw sockets needed: " + raw.cause());
        ForwardingSnapshot snapshot = snapshot();
        HealthState state = new HealthState();
        BackendKey key = new BackendKey("web", "127.0.0.2");
        ProbeSpec spec = new ProbeSpec(ProbeSpec.Kind.TUNNEL, new java.net.InetSocketAddress("127.0.0.2", 80), "/",
                0, 100, 80, 1, 2);
        try (TunnelProber prober = new TunnelProber(() -> snapshot);
             HealthChecker checker = new HealthChecker(state, 1)) {
            checker.tunnelProber(prober, null);
            checker.apply(java.util.Map.of(key, spec));
            long end = System.nanoTime() + 3_000_000_000L;
            while (state.health(key) != Health.DOWN && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(Health.DOWN, state.health(key));
            assertEquals("no echo reply from the VIP within 80 ms", state.lastDetail(key));
        }
        HealthState other = new HealthState();
        try (HealthChecker checker = new HealthChecker(other, 1)) {
            checker.tunnelProber(null, "socket(AF_INET, SOCK_RAW, 1): EPERM");
            checker.apply(java.util.Map.of(key, spec));
            long end = System.nanoTime() + 3_000_000_000L;
            while (other.health(key) != Health.DOWN && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals("tunnel check unavailable: socket(AF_INET, SOCK_RAW, 1): EPERM", other.lastDetail(key));
        }
    }

    /** Built directly: conf (rightly) refuses loopback tunnel sources and backends in a config file. */
    private static ForwardingSnapshot snapshot() {
        return ForwardingSnapshot.builder("tunnel-probe", 65537, SOURCE, 64, 1500)
                .addVip("web", VIP, 6, new int[] {80}, List.of(new ForwardingSnapshot.Ipv4Backend(BACKEND, 100,
                        io.dsrgw.conf.BackendState.ACTIVE)))
                .build();
    }

    private static void writeReply6(MemorySegment r, long[] from, long[] to, int identifier, int seq) {
        r.fill((byte) 0);
        r.set(INT, 0, 0x6000_0000);
        r.set(SHORT, 4, (short) 16);
        r.set(ValueLayout.JAVA_BYTE, 6, (byte) 58);
        r.set(ValueLayout.JAVA_BYTE, 7, (byte) 64);
        r.set(LONG, 8, from[0]);
        r.set(LONG, 16, from[1]);
        r.set(LONG, 24, to[0]);
        r.set(LONG, 32, to[1]);
        r.set(ValueLayout.JAVA_BYTE, 40, (byte) 129);
        r.set(SHORT, 44, (short) identifier);
        r.set(SHORT, 46, (short) seq);
        MemorySegment.copy(MemorySegment.ofArray("dsrgw-hc".getBytes()), 0, r, 48, 8);
        r.set(SHORT, 42, (short) InternetChecksum.icmpv6(r, 40, 16, from[0], from[1], to[0], to[1]));
    }

    private static void writeReply(MemorySegment r, int from, int identifier, int seq) {
        r.fill((byte) 0);
        r.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x45);
        r.set(SHORT, 2, (short) 36);
        r.set(ValueLayout.JAVA_BYTE, 8, (byte) 64);
        r.set(ValueLayout.JAVA_BYTE, 9, (byte) 1);
        r.set(INT, 12, from);
        r.set(INT, 16, SOURCE);
        r.set(SHORT, 10, (short) InternetChecksum.ipv4Header(r, 0, 20));
        r.set(ValueLayout.JAVA_BYTE, 20, (byte) 0);
        r.set(SHORT, 24, (short) identifier);
        r.set(SHORT, 26, (short) seq);
        MemorySegment.copy(MemorySegment.ofArray("dsrgw-hc".getBytes()), 0, r, 28, 8);
        r.set(SHORT, 22, (short) InternetChecksum.compute(r, 20, 16));
    }
}
