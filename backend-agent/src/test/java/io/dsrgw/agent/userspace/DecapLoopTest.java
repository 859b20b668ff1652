package io.dsrgw.agent.userspace;

import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.Probe;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.UdpSocket;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.inner;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.ip;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.putInt;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.checksum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real duty cycle on a real {@code IPPROTO_IPIP} raw socket, fed over loopback (root only). Addresses
 * are random 127/8 gateways and a random VIP, so IP-in-IP packets other tests may send to this host at the
 * same time can only ever land in drop_bad_source.
 */
class DecapLoopTest {
    private static void assumeRawSockets() {
        Probe raw = Capabilities.rawSockets();
        assumeTrue(raw.available(), "raw sockets unavailable: " + raw.cause());
    }

    /** {@code a.b.x.y}, x random, y random in 1..250: an address of this test alone, which other tests do not use. */
    private static int randomIpv4(int a, int b) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        return ip(a, b, rnd.nextInt(256), 1 + rnd.nextInt(250));
    }

    /** {@code prefix} (e.g. {@code "fd00:77::"}) and a random last group, for the same reason. */
    private static InetAddress randomIpv6(String prefix) {
        return InetAddress.ofLiteral(prefix + Integer.toHexString(1 + ThreadLocalRandom.current().nextInt(0xfffe)));
    }

    @Test
    void shouldDecapsulatePacketsArrivingOnTheRawSocketAndStopWhenAsked() throws Exception {
        assumeRawSockets();
        int gateway = randomIpv4(127, 77);
        int stranger = randomIpv4(127, 78);
        int vip = randomIpv4(10, 255);
        int localhost = ip(127, 0, 0, 1);

        UserspaceDecapsulatorTest.RecordingSink sink = new UserspaceDecapsulatorTest.RecordingSink();
        DecapCounters counters = new DecapCounters();
        try (RawSocket rx = RawSocket.ipv4Protocol(4); RawSocket tx = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
            rx.nonBlocking(true);
            DecapLoop loop = new DecapLoop(rx, new UserspaceDecapsulator(Ipv4AddressSet.of(gateway),
                    Ipv6AddressSet.ofInet(List.of()), Ipv4AddressSet.of(vip), Ipv6AddressSet.ofInet(List.of()),
                    GreKeySet.of(List.of()), sink, counters), 4);
            Thread t = Thread.ofPlatform().name("decap-test").start(loop);

            byte[] good = tunnel(gateway, localhost, inner(vip));
            send(tx, arena, good, localhost, 3);
            send(tx, arena, tunnel(stranger, localhost, inner(vip)), localhost, 2);
            send(tx, arena, tunnel(gateway, localhost, inner(ip(10, 0, 0, 1))), localhost, 1);

            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && (counters.snapshot().get("decap_packets") < 3
                    || counters.snapshot().get("drop_not_vip") < 1)) {
                Thread.sleep(10);
            }
            loop.stop();
            t.join(2000);

            assertTrue(!t.isAlive(), "the loop must return within its poll timeout after stop()");
            assertNull(loop.failure());
            assertEquals(3L, counters.snapshot().get("decap_packets"));
            assertEquals(1L, counters.snapshot().get("drop_not_vip"));
            assertTrue(counters.snapshot().get("drop_bad_source") >= 2, counters.snapshot().toString());
            assertArrayEquals(inner(vip), sink.lastPacket());
        }
    }

    /**
     * Real raw IPv6 sockets (next header 41 and 47) plus an IPv4 GRE socket polled by one loop: IPv6
     * packets with our own header (random fd00:77::/64 gateway source, so concurrent tests cannot
     * interfere) are sent to ::1; the source reaches the decapsulator through recvmmsg's sockaddr_in6.
     */
    @Test
    void shouldDecapsulateFromSeveralRawSocketsIncludingIpv6() throws Exception {
        assumeRawSockets();
        InetAddress gateway6 = randomIpv6("fd00:77::");
        InetAddress stranger6 = randomIpv6("fd00:78::");
        InetAddress vip6 = randomIpv6("fd00:99::");
        InetAddress loopback6 = InetAddress.ofLiteral("::1");
        int gateway4 = randomIpv4(127, 77);
        int vip4 = randomIpv4(10, 255);
        int localhost = ip(127, 0, 0, 1);

        UserspaceDecapsulatorTest.RecordingSink sink = new UserspaceDecapsulatorTest.RecordingSink();
        DecapCounters counters = new DecapCounters();
        try (RawSocket sit6 = RawSocket.ipv6Protocol(41); RawSocket gre6 = RawSocket.ipv6Protocol(47);
             RawSocket gre4 = RawSocket.ipv4Protocol(47); RawSocket tx6 = RawSocket.ipv6Raw();
             RawSocket tx4 = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
            for (RawSocket s : List.of(sit6, gre6, gre4)) {
                s.nonBlocking(true);
            }
            DecapLoop loop = new DecapLoop(List.of(sit6, gre6, gre4), new UserspaceDecapsulator(
                    Ipv4AddressSet.of(gateway4), Ipv6AddressSet.ofInet(List.of(gateway6)), Ipv4AddressSet.of(vip4),
                    Ipv6AddressSet.ofInet(List.of(vip6)), GreKeySet.of(List.of(42L)), sink, counters), 2);
            Thread t = Thread.ofPlatform().name("decap-test6").start(loop);

            byte[] inner6 = TunnelPackets.inner6(vip6);
            send6(tx6, arena, outer6(41, gateway6, loopback6, inner6), loopback6, 3);
            send6(tx6, arena, outer6(47, gateway6, loopback6, TunnelPackets.gre(inner(vip4), 42L, true)), loopback6, 2);
            send6(tx6, arena, outer6(47, gateway6, loopback6, TunnelPackets.gre(inner6, 7L, false)), loopback6, 1);
            send6(tx6, arena, outer6(41, stranger6, loopback6, inner6), loopback6, 2);
            byte[] gre4Packet = TunnelPackets.outer4(47, gateway4, TunnelPackets.gre(inner(vip4), null, false));
            putInt(gre4Packet, 16, localhost);
            checksum(gre4Packet, 0);
            send(tx4, arena, gre4Packet, localhost, 1);

            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && (counters.snapshot().get("decap_packets") < 6
                    || counters.snapshot().get("drop_bad_gre_key") < 1
                    || counters.snapshot().get("drop_bad_source") < 2)) {
                Thread.sleep(10);
            }
            loop.stop();
            t.join(2000);

            var snapshot = counters.snapshot();
            assertNull(loop.failure());
            assertEquals(6L, snapshot.get("decap_packets"), snapshot.toString());
            assertEquals(3L, snapshot.get("decap_packets.ip6tnl"), snapshot.toString());
            assertEquals(2L, snapshot.get("decap_packets.ip6gre"), snapshot.toString());
            assertEquals(1L, snapshot.get("decap_packets.gre"), snapshot.toString());
            assertEquals(1L, snapshot.get("drop_bad_gre_key"), snapshot.toString());
            assertEquals(2L, snapshot.get("drop_bad_source"), snapshot.toString());
        }
    }

    /**
     * Raw and UDP sockets in one loop (the raw ones come first in the poll set, then the GUE ones): an IP-in-IP
     * packet on the raw socket, GUE datagrams on the IPv4 socket and, where loopback has IPv6, on an IPv6 socket of
     * the same port; each reaches the decapsulator with its own kind and source.
     */
    @Test
    void shouldDecapsulateFromRawAndGueSocketsOfBothFamiliesInOneLoop() throws Exception {
        assumeRawSockets();
        int gateway = randomIpv4(127, 77);
        int vip = randomIpv4(10, 255);
        int localhost = ip(127, 0, 0, 1);
        InetAddress loopback6 = InetAddress.ofLiteral("::1");
        boolean ipv6 = ipv6Loopback();
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        UserspaceDecapsulatorTest.RecordingSink sink = new UserspaceDecapsulatorTest.RecordingSink();
        DecapCounters counters = new DecapCounters();
        try (RawSocket ipip = RawSocket.ipv4Protocol(4); RawSocket tx = RawSocket.ipv4Raw();
             UdpSocket gue4 = UdpSocket.bindAny(4, port); UdpSocket gue6 = ipv6 ? UdpSocket.bindAny(6, port) : null;
             DatagramSocket fromGateway = new DatagramSocket(new InetSocketAddress(
                     InetAddress.getByAddress(new byte[] {127, 77, (byte) (gateway >>> 8), (byte) gateway}), 0));
             DatagramSocket fromGateway6 = ipv6 ? new DatagramSocket(new InetSocketAddress(loopback6, 0)) : null;
             Arena arena = Arena.ofConfined()) {
            ipip.nonBlocking(true);
            gue4.nonBlocking(true);
            List<UdpSocket> gueSockets = ipv6 ? List.of(gue4, gue6) : List.of(gue4);
            if (ipv6) {
                gue6.nonBlocking(true);
            }
            DecapLoop loop = new DecapLoop(List.of(ipip), gueSockets, new UserspaceDecapsulator(
                    Ipv4AddressSet.of(gateway), Ipv6AddressSet.ofInet(ipv6 ? List.of(loopback6) : List.of()),
                    Ipv4AddressSet.of(vip), Ipv6AddressSet.ofInet(List.of()), GreKeySet.of(List.of()), sink,
                    counters), 2);
            Thread t = Thread.ofPlatform().name("decap-test-mixed").start(loop);

            byte[] inner = inner(vip);
            send(tx, arena, tunnel(gateway, localhost, inner), localhost, 3);
            for (int i = 0; i < 5; i++) {
                fromGateway.send(new DatagramPacket(inner, inner.length, new InetSocketAddress("127.0.0.1", port)));
            }
            if (ipv6) {
                for (int i = 0; i < 4; i++) {
                    fromGateway6.send(new DatagramPacket(inner, inner.length, new InetSocketAddress(loopback6, port)));
                }
            }
            long expected = 3 + 5 + (ipv6 ? 4 : 0);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && counters.snapshot().get("decap_packets") < expected) {
                Thread.sleep(10);
            }
            loop.stop();
            t.join(2000);

            var snapshot = counters.snapshot();
            assertNull(loop.failure());
            assertEquals(expected, snapshot.get("decap_packets"), snapshot.toString());
            assertEquals(3L, snapshot.get("decap_packets.ipip"), snapshot.toString());
            assertEquals(5L, snapshot.get("decap_packets.gue"), snapshot.toString());
            assertEquals(ipv6 ? 4L : null, snapshot.get("decap_packets.gue6"), snapshot.toString());
            assertArrayEquals(inner, sink.lastPacket());
        }
    }

    private static boolean ipv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral("::1"), 0))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** An IPv6 header (RFC 8200 §3, hop limit 64) + payload. */
    static byte[] outer6(int nextHeader, InetAddress src, InetAddress dst, byte[] payload) {
        byte[] p = new byte[40 + payload.length];
        p[0] = 0x60;
        p[4] = (byte) (payload.length >> 8);
        p[5] = (byte) payload.length;
        p[6] = (byte) nextHeader;
        p[7] = 64;
        System.arraycopy(src.getAddress(), 0, p, 8, 16);
        System.arraycopy(dst.getAddress(), 0, p, 24, 16);
        System.arraycopy(payload, 0, p, 40, payload.length);
        return p;
    }

    static void send6(RawSocket tx, Arena arena, byte[] packet, InetAddress dst, int times) throws Exception {
        MemorySegment seg = arena.allocate(packet.length);
        seg.copyFrom(MemorySegment.ofArray(packet));
        for (int i = 0; i < times; i++) {
            assertEquals(packet.length,
                    tx.sendIpv6(seg, 0, packet.length, TunnelPackets.hi(dst), TunnelPackets.lo(dst)));
        }
    }

    static byte[] tunnel(int src, int dst, byte[] inner) {
        byte[] p = UserspaceDecapsulatorTest.tunnel(src, inner);
        putInt(p, 16, dst);
        checksum(p, 0);
        return p;
    }

    static void send(RawSocket tx, Arena arena, byte[] packet, int dst, int times) throws Exception {
        MemorySegment seg = arena.allocate(packet.length);
        seg.copyFrom(MemorySegment.ofArray(packet));
        for (int i = 0; i < times; i++) {
            assertEquals(packet.length, tx.sendIpv4(seg, 0, packet.length, dst));
        }
    }
}
