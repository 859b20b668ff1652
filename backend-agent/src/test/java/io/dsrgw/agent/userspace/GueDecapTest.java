package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import io.dsrgw.linux.UdpSocket;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.GATEWAY;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.GATEWAY6;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.VIP;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.VIP6;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.inner;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GUE (variant 1, direct IP) in userspace: the payloads a UDP socket bound to gue-port delivers, i.e. the inner
 * packets themselves, crafted by hand; then the real duty cycle on real UDP sockets over loopback (no root
 * needed), where a datagram to another port never reaches the agent.
 */
class GueDecapTest {
    final UserspaceDecapsulatorTest.RecordingSink sink = new UserspaceDecapsulatorTest.RecordingSink();
    final DecapCounters counters = new DecapCounters();
    final UserspaceDecapsulator decap = new UserspaceDecapsulator(Ipv4AddressSet.of(GATEWAY),
            Ipv6AddressSet.ofInet(List.of(GATEWAY6)), Ipv4AddressSet.of(VIP), Ipv6AddressSet.ofInet(List.of(VIP6)),
            GreKeySet.of(List.of()), sink, counters);

    /** As the IPv4 GUE socket hands it over: payload at offset 0 of its slot, source as an unsigned value. */
    DecapCounter feed4(byte[] payload, int source) {
        return decap.onGuePayload(MemorySegment.ofArray(payload), 0, payload.length, 4, 0, source & 0xffff_ffffL);
    }

    DecapCounter feed6(byte[] payload, InetAddress source) {
        return decap.onGuePayload(MemorySegment.ofArray(payload), 0, payload.length, 6, TunnelPackets.hi(source),
                TunnelPackets.lo(source));
    }

    @Test
    void shouldDeliverBothInnerFamiliesOverAnIpv4OuterAsGue() {
        assertEquals(DecapCounter.DECAP_PACKETS, feed4(inner(VIP), GATEWAY));
        assertArrayEquals(inner(VIP), sink.lastPacket());
        assertEquals(DecapCounter.DECAP_PACKETS, feed4(TunnelPackets.inner6(VIP6), GATEWAY));
        assertArrayEquals(TunnelPackets.inner6(VIP6), sink.lastPacket());
        counters.publish();
        assertEquals(2L, counters.snapshot().get("decap_packets.gue"), counters.snapshot().toString());
    }

    @Test
    void shouldDeliverBothInnerFamiliesOverAnIpv6OuterAsGue6() {
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(inner(VIP), GATEWAY6));
        assertArrayEquals(inner(VIP), sink.lastPacket());
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(TunnelPackets.inner6(VIP6), GATEWAY6));
        assertArrayEquals(TunnelPackets.inner6(VIP6), sink.lastPacket());
        counters.publish();
        assertEquals(2L, counters.snapshot().get("decap_packets.gue6"), counters.snapshot().toString());
    }

    @Test
    void shouldDeliverAPayloadInsideALargerReceiveSlot() {
        byte[] payload = inner(VIP);
        byte[] slots = new byte[2048 * 2];
        Arrays.fill(slots, (byte) 0xee);
        System.arraycopy(payload, 0, slots, 2048, payload.length);
        assertEquals(DecapCounter.DECAP_PACKETS, decap.onGuePayload(MemorySegment.ofArray(slots), 2048,
                payload.length, 4, 0, GATEWAY & 0xffff_ffffL));
        assertArrayEquals(payload, sink.lastPacket());
    }

    @Test
    void shouldDropAndCountGueFromSourcesThatAreNotGatewaysOfThatFamily() {
        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed4(inner(VIP), ip(10, 0, 2, 99)));
        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed6(inner(VIP), InetAddress.ofLiteral("fd00:2::99")));
        // a gateway's IPv4 address on the IPv6 socket (as ::ffff:10.0.2.2 it would be another family's source)
        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed6(inner(VIP), InetAddress.ofLiteral("::10.0.2.2")));
        assertEquals(0, sink.writes);
        assertEquals(3, counters.get(DecapCounter.DROP_BAD_SOURCE));
        assertEquals(3, counters.get(DecapCounter.RX_PACKETS));
    }

    @Test
    void shouldDropTruncatedAndMalformedPayloadsByReason() {
        byte[] truncated = Arrays.copyOf(inner(VIP), 12);
        byte[] longerThanCarried = inner(VIP);
        longerThanCarried[3] = 40;
        UserspaceDecapsulatorTest.checksum(longerThanCarried, 0);
        byte[] badInnerChecksum = inner(VIP);
        badInnerChecksum[11] ^= 1;
        byte[] variant0 = new byte[4 + inner(VIP).length];   // a GUE header (first two bits 00) in front
        variant0[1] = 4;                                      // proto/ctype: IPv4
        System.arraycopy(inner(VIP), 0, variant0, 4, inner(VIP).length);
        byte[] version5 = inner(VIP);
        version5[0] = 0x55;                                   // GUE version bits 01, but no IP version 5
        byte[] empty = new byte[0];

        for (byte[] p : new byte[][] {truncated, longerThanCarried, badInnerChecksum, variant0, version5, empty}) {
            assertEquals(DecapCounter.DROP_MALFORMED, feed4(p, GATEWAY), Arrays.toString(p));
        }
        assertEquals(DecapCounter.DROP_MALFORMED, feed6(Arrays.copyOf(TunnelPackets.inner6(VIP6), 39), GATEWAY6));
        assertEquals(0, sink.writes);
        assertEquals(7, counters.get(DecapCounter.DROP_MALFORMED));
        assertEquals(3, counters.malformedCount(PacketError.TRUNCATED), "12 bytes, empty, 39 bytes of IPv6");
        assertEquals(1, counters.malformedCount(PacketError.BAD_CHECKSUM));
        assertEquals(2, counters.malformedCount(PacketError.UNSUPPORTED_PROTOCOL) + counters.malformedCount(
                PacketError.BAD_VERSION), "variant 0 and IP version 5");
    }

    @Test
    void shouldDropGueWhoseInnerDestinationIsNotAVip() {
        assertEquals(DecapCounter.DROP_NOT_VIP, feed4(inner(ip(10, 0, 3, 10)), GATEWAY));
        assertEquals(DecapCounter.DROP_NOT_VIP, feed6(TunnelPackets.inner6(InetAddress.ofLiteral("fd00:3::10")),
                GATEWAY6));
        assertEquals(0, sink.writes);
    }

    @Test
    void shouldNotAllocatePerGuePacket() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        MemorySegment good4 = MemorySegment.ofArray(inner(VIP));
        MemorySegment good6 = MemorySegment.ofArray(TunnelPackets.inner6(VIP6));
        int len4 = (int) good4.byteSize();
        int len6 = (int) good6.byteSize();
        long gw4 = GATEWAY & 0xffff_ffffL;
        long gwHi = TunnelPackets.hi(GATEWAY6);
        long gwLo = TunnelPackets.lo(GATEWAY6);
        for (int i = 0; i < 20_000; i++) {           // warm up (interpreter and JIT may allocate once)
            decap.onGuePayload(good4, 0, len4, 4, 0, gw4);
            decap.onGuePayload(good6, 0, len6, 6, gwHi, gwLo);
            decap.onGuePayload(good4, 0, len4, 4, 0, gw4 + 1);
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            decap.onGuePayload(good4, 0, len4, 4, 0, gw4);
            decap.onGuePayload(good6, 0, len6, 6, gwHi, gwLo);
            decap.onGuePayload(good4, 0, len4, 4, 0, gw4 + 1);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for 300000 packets");
        assertEquals(240_000, counters.get(DecapCounter.DECAP_PACKETS));
    }

    /**
     * The duty cycle with real UDP sockets on a free port over loopback, gateways at random 127/8 addresses: GUE
     * to the port is decapsulated, GUE from a stranger is dropped, and a datagram to the next port (nobody's)
     * never reaches the agent at all.
     */
    @Test
    void shouldDecapsulateDatagramsToGuePortOnlyWithTheRealLoopAndSockets() throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int gateway = ip(127, 77, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int stranger = ip(127, 78, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int vip = ip(10, 255, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        DecapCounters c = new DecapCounters();
        UserspaceDecapsulatorTest.RecordingSink s = new UserspaceDecapsulatorTest.RecordingSink();
        try (UdpSocket rx = UdpSocket.bindAny(4, port);
             DatagramSocket fromGateway = new DatagramSocket(new InetSocketAddress(address(gateway), 0));
             DatagramSocket fromStranger = new DatagramSocket(new InetSocketAddress(address(stranger), 0))) {
            rx.nonBlocking(true);
            DecapLoop loop = new DecapLoop(List.of(), List.of(rx), new UserspaceDecapsulator(
                    Ipv4AddressSet.of(gateway), Ipv6AddressSet.ofInet(List.of()), Ipv4AddressSet.of(vip),
                    Ipv6AddressSet.ofInet(List.of()), GreKeySet.of(List.of()), s, c), 4);
            Thread t = Thread.ofPlatform().name("gue-decap-test").start(loop);
            byte[] inner = inner(vip);
            InetSocketAddress guePort = new InetSocketAddress("127.0.0.1", port);
            for (int i = 0; i < 3; i++) {
                fromGateway.send(new DatagramPacket(inner, inner.length, guePort));
            }
            fromGateway.send(new DatagramPacket(inner, inner.length, new InetSocketAddress("127.0.0.1",
                    port == 65535 ? port - 1 : port + 1)));
            fromStranger.send(new DatagramPacket(inner, inner.length, guePort));

            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && (c.snapshot().get("decap_packets") < 3
                    || c.snapshot().get("drop_bad_source") < 1)) {
                Thread.sleep(10);
            }
            Thread.sleep(50); // a wrongly delivered datagram would be counted by now
            loop.stop();
            t.join(2000);
            var snapshot = c.snapshot();
            assertNull(loop.failure());
            assertTrue(!t.isAlive(), "the loop returns after stop()");
            assertEquals(3L, snapshot.get("decap_packets.gue"), snapshot.toString());
            assertEquals(1L, snapshot.get("drop_bad_source"), snapshot.toString());
            assertEquals(4L, snapshot.get("rx_packets"), "the datagram to the other port never arrived: " + snapshot);
            assertArrayEquals(inner, s.lastPacket());
        }
    }

    private static InetAddress address(int v) throws Exception {
        return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                (byte) v});
    }
}
