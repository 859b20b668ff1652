package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-packet decision on hand-built packets, with a recording sink instead of a TUN. */
class UserspaceDecapsulatorTest {
    static final int GATEWAY = ip(10, 0, 2, 2);
    static final int BACKEND = ip(10, 0, 3, 10);
    static final int CLIENT = ip(10, 0, 1, 2);
    static final int VIP = ip(10, 100, 0, 1);

    /** Records the last packet written; can be told to fail. */
    static final class RecordingSink implements PacketSink {
        final byte[] last = new byte[2048];
        final MemorySegment lastSegment = MemorySegment.ofArray(last);    // created once: the sink must not allocate
        int lastLength = -1;
        int writes;
        boolean fail;

        @Override
        public boolean write(MemorySegment seg, long offset, int length) {
            if (fail) {
                return false;
            }
            MemorySegment.copy(seg, offset, lastSegment, 0, length);
            lastLength = length;
            writes++;
            return true;
        }

        byte[] lastPacket() {
            return Arrays.copyOf(last, lastLength);
        }
    }

    final RecordingSink sink = new RecordingSink();
    final DecapCounters counters = new DecapCounters();
    static final InetAddress GATEWAY6 = InetAddress.ofLiteral("fd00:2::2");
    static final InetAddress VIP6 = InetAddress.ofLiteral("fd00:100::1");
    static final long GRE_KEY = 42;
    final UserspaceDecapsulator decap = new UserspaceDecapsulator(Ipv4AddressSet.of(GATEWAY, ip(10, 0, 2, 3)),
            Ipv6AddressSet.ofInet(List.of(GATEWAY6)), Ipv4AddressSet.of(VIP), Ipv6AddressSet.ofInet(List.of(VIP6)),
            GreKeySet.of(List.of(GRE_KEY, 4_000_000_000L)), sink, counters);

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** An inner IPv4/UDP packet 10.0.1.2:40000 -> dst:80 with a 4-byte payload; valid header checksum. */
    static byte[] inner(int dst) {
        byte[] p = new byte[32];
        p[0] = 0x45;                      // version 4, IHL 5
        p[2] = 0;
        p[3] = 32;                        // total length
        p[4] = 0x12;
        p[5] = 0x34;                      // identification
        p[6] = 0x40;                      // DF
        p[8] = 63;                        // TTL
        p[9] = 17;                        // UDP
        putInt(p, 12, CLIENT);
        putInt(p, 16, dst);
        p[20] = (byte) 0x9c;
        p[21] = 0x40;                     // source port 40000
        p[23] = 80;                       // destination port
        p[25] = 12;                       // UDP length
        p[28] = 'p';
        p[29] = 'i';
        p[30] = 'n';
        p[31] = 'g';
        checksum(p, 0);
        return p;
    }

    /** RFC 2003 outer header (20 bytes, protocol 4, DF, TTL 64) + inner, from {@code src} to the backend. */
    static byte[] tunnel(int src, byte[] inner) {
        byte[] p = new byte[20 + inner.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[6] = 0x40;
        p[8] = 64;
        p[9] = 4;
        putInt(p, 12, src);
        putInt(p, 16, BACKEND);
        checksum(p, 0);
        System.arraycopy(inner, 0, p, 20, inner.length);
        return p;
    }

    static void putInt(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 24);
        p[off + 1] = (byte) (v >>> 16);
        p[off + 2] = (byte) (v >>> 8);
        p[off + 3] = (byte) v;
    }

    /** RFC 1071 one's-complement sum over the 20-byte header at {@code off}, written into bytes 10-11. */
    static void checksum(byte[] p, int off) {
        p[off + 10] = 0;
        p[off + 11] = 0;
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (p[off + i] & 0xff) << 8 | (p[off + i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        sum = ~sum & 0xffff;
        p[off + 10] = (byte) (sum >> 8);
        p[off + 11] = (byte) sum;
    }

    DecapCounter feed(byte[] packet) {
        return decap.onIpv4Packet(MemorySegment.ofArray(packet), 0, packet.length);
    }

    @Test
    void shouldWriteExactlyTheInnerPacketOfAValidTunnelPacketFromAGateway() {
        byte[] inner = inner(VIP);

        assertEquals(DecapCounter.DECAP_PACKETS, feed(tunnel(GATEWAY, inner)));

        assertArrayEquals(inner, sink.lastPacket());
        assertEquals(1, counters.get(DecapCounter.RX_PACKETS));
        assertEquals(1, counters.get(DecapCounter.DECAP_PACKETS));
    }

    @Test
    void shouldDecapsulateAtAnOffsetInsideALargerBuffer() {
        byte[] packet = tunnel(ip(10, 0, 2, 3), inner(VIP));
        byte[] buffer = new byte[100 + packet.length + 50];
        System.arraycopy(packet, 0, buffer, 100, packet.length);
        Arrays.fill(buffer, 100 + packet.length, buffer.length, (byte) 0xee);

        assertEquals(DecapCounter.DECAP_PACKETS, decap.onIpv4Packet(MemorySegment.ofArray(buffer), 100, packet.length));
        assertArrayEquals(inner(VIP), sink.lastPacket());
    }

    @Test
    void shouldDropAndCountAPacketWhoseOuterSourceIsNotAGateway() {
        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed(tunnel(ip(10, 0, 2, 99), inner(VIP))));

        assertEquals(0, sink.writes);
        assertEquals(1, counters.get(DecapCounter.DROP_BAD_SOURCE));
        assertEquals(0, counters.get(DecapCounter.DECAP_PACKETS));
    }

    @Test
    void shouldDropAndCountMalformedPacketsByReason() {
        byte[] badOuterChecksum = tunnel(GATEWAY, inner(VIP));
        badOuterChecksum[11] ^= 1;
        byte[] badInnerChecksum = tunnel(GATEWAY, inner(VIP));
        badInnerChecksum[20 + 11] ^= 1;
        byte[] innerLongerThanPayload = tunnel(GATEWAY, inner(VIP));
        innerLongerThanPayload[20 + 3] = 40;
        checksum(innerLongerThanPayload, 20);
        byte[] innerShorterThanPayload = tunnel(GATEWAY, inner(VIP));
        innerShorterThanPayload[20 + 3] = 28;
        checksum(innerShorterThanPayload, 20);
        byte[] innerNotIpv4 = tunnel(GATEWAY, inner(VIP));
        innerNotIpv4[20] = 0x65;
        byte[] truncated = Arrays.copyOf(tunnel(GATEWAY, inner(VIP)), 12);
        byte[] outerFragment = tunnel(GATEWAY, inner(VIP));
        outerFragment[6] = 0x20;                     // MF
        checksum(outerFragment, 0);

        for (byte[] p : new byte[][] {badOuterChecksum, badInnerChecksum, innerLongerThanPayload,
                innerShorterThanPayload, innerNotIpv4, truncated, outerFragment}) {
            assertEquals(DecapCounter.DROP_MALFORMED, feed(p));
        }

        assertEquals(0, sink.writes);
        assertEquals(7, counters.get(DecapCounter.DROP_MALFORMED));
        assertEquals(2, counters.malformedCount(PacketError.BAD_CHECKSUM));
        assertEquals(1, counters.malformedCount(PacketError.TRUNCATED));
        counters.publish();
        assertEquals(2L, counters.snapshot().get("drop_malformed.bad_checksum"));
        assertEquals(7L, counters.snapshot().get("drop_malformed"));
    }

    @Test
    void shouldDropAnInnerPacketNotAddressedToAVip() {
        assertEquals(DecapCounter.DROP_NOT_VIP, feed(tunnel(GATEWAY, inner(ip(10, 0, 3, 10)))));

        assertEquals(0, sink.writes);
        assertEquals(1, counters.get(DecapCounter.DROP_NOT_VIP));
    }

    @Test
    void shouldCountTxErrorsWhenTheTunRefusesThePacket() {
        sink.fail = true;

        assertEquals(DecapCounter.TX_ERRORS, feed(tunnel(GATEWAY, inner(VIP))));
        assertEquals(1, counters.get(DecapCounter.TX_ERRORS));
        assertEquals(0, counters.get(DecapCounter.DECAP_PACKETS));
    }

    @Test
    void shouldPublishCountersOnlyWhenAskedAndInAStableOrder() {
        feed(tunnel(GATEWAY, inner(VIP)));
        assertEquals(0L, counters.snapshot().get("rx_packets"));

        counters.publish();

        assertEquals(java.util.List.of("rx_packets", "decap_packets", "drop_bad_source", "drop_malformed",
                "drop_not_vip", "tx_errors", "drop_bad_gre_key", "decap_packets.ipip"), java.util.List.copyOf(counters.snapshot().keySet()));
        assertEquals(1L, counters.snapshot().get("decap_packets"));
    }

    @Test
    void shouldNotAllocatePerPacket() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        MemorySegment good = MemorySegment.ofArray(tunnel(GATEWAY, inner(VIP)));
        MemorySegment foreign = MemorySegment.ofArray(tunnel(ip(192, 0, 2, 1), inner(VIP)));
        byte[] badBytes = tunnel(GATEWAY, inner(VIP));
        badBytes[11] ^= 1;
        MemorySegment bad = MemorySegment.ofArray(badBytes);
        int len = (int) good.byteSize();
        MemorySegment good6 = MemorySegment.ofArray(TunnelPackets.gre(TunnelPackets.inner6(VIP6), GRE_KEY, true));
        int len6 = (int) good6.byteSize();
        long gwHi = TunnelPackets.hi(GATEWAY6);
        long gwLo = TunnelPackets.lo(GATEWAY6);
        for (int i = 0; i < 20_000; i++) {           // warm up (interpreter and JIT may allocate once)
            decap.onIpv4Packet(good, 0, len);
            decap.onIpv4Packet(foreign, 0, len);
            decap.onIpv4Packet(bad, 0, len);
            decap.onIpv6Payload(good6, 0, len6, 47, gwHi, gwLo);
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            decap.onIpv4Packet(good, 0, len);
            decap.onIpv4Packet(foreign, 0, len);
            decap.onIpv4Packet(bad, 0, len);
            decap.onIpv6Payload(good6, 0, len6, 47, gwHi, gwLo);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for 400000 packets");
        assertEquals(240_000, counters.get(DecapCounter.DECAP_PACKETS));
    }

    // ---- every kind (issue 3) ----

    DecapCounter feed6(byte[] payload, int nextHeader, InetAddress source) {
        return decap.onIpv6Payload(MemorySegment.ofArray(payload), 0, payload.length, nextHeader,
                TunnelPackets.hi(source), TunnelPackets.lo(source));
    }

    void assertDelivered(DecapCounter verdict, byte[] inner, io.dsrgw.encap.tunnel.TunnelKind kind) {
        assertEquals(DecapCounter.DECAP_PACKETS, verdict);
        assertArrayEquals(inner, sink.lastPacket());
        assertEquals(1, counters.decapsulatedCount(kind));
    }

    @Test
    void shouldDeliverTheInnerIpv6PacketOfSit() {
        byte[] inner = TunnelPackets.inner6(VIP6);
        assertDelivered(feed(TunnelPackets.outer4(41, GATEWAY, inner)), inner, io.dsrgw.encap.tunnel.TunnelKind.SIT);
    }

    @Test
    void shouldDeliverUnkeyedGreOverIpv4WithInnerIpv4AndInnerIpv6() {
        byte[] inner4 = inner(VIP);
        assertEquals(DecapCounter.DECAP_PACKETS,
                feed(TunnelPackets.outer4(47, GATEWAY, TunnelPackets.gre(inner4, null, false))));
        assertArrayEquals(inner4, sink.lastPacket());
        byte[] inner6 = TunnelPackets.inner6(VIP6);
        assertEquals(DecapCounter.DECAP_PACKETS,
                feed(TunnelPackets.outer4(47, GATEWAY, TunnelPackets.gre(inner6, null, false))));
        assertArrayEquals(inner6, sink.lastPacket());
        assertEquals(2, counters.decapsulatedCount(io.dsrgw.encap.tunnel.TunnelKind.GRE));
    }

    @Test
    void shouldDeliverGreWithAConfiguredKeyAndAValidChecksum() {
        byte[] inner = inner(VIP);
        assertDelivered(feed(TunnelPackets.outer4(47, GATEWAY, TunnelPackets.gre(inner, GRE_KEY, true))), inner,
                io.dsrgw.encap.tunnel.TunnelKind.GRE);
        // a key above 2^31 (unsigned 32-bit) is matched on its bits
        assertEquals(DecapCounter.DECAP_PACKETS,
                feed(TunnelPackets.outer4(47, GATEWAY, TunnelPackets.gre(inner, 4_000_000_000L, false))));
    }

    @Test
    void shouldDropAndCountGreWithAKeyThatIsNotConfigured() {
        byte[] packet = TunnelPackets.outer4(47, GATEWAY, TunnelPackets.gre(inner(VIP), 7L, false));

        assertEquals(DecapCounter.DROP_BAD_GRE_KEY, feed(packet));
        assertEquals(DecapCounter.DROP_BAD_GRE_KEY,
                feed6(TunnelPackets.gre(TunnelPackets.inner6(VIP6), 43L, true), 47, GATEWAY6));

        assertEquals(0, sink.writes);
        assertEquals(2, counters.get(DecapCounter.DROP_BAD_GRE_KEY));
    }

    @Test
    void shouldDropGreWithABadChecksumAsMalformed() {
        byte[] gre = TunnelPackets.gre(inner(VIP), GRE_KEY, true);
        gre[5] ^= 1;

        assertEquals(DecapCounter.DROP_MALFORMED, feed(TunnelPackets.outer4(47, GATEWAY, gre)));
        assertEquals(0, sink.writes);
    }

    @Test
    void shouldDropAnIpv4OuterPacketWhoseInnerFamilyDoesNotFitTheKind() {
        assertEquals(DecapCounter.DROP_MALFORMED, feed(TunnelPackets.outer4(41, GATEWAY, inner(VIP))));
        assertEquals(DecapCounter.DROP_MALFORMED, feed(TunnelPackets.outer4(4, GATEWAY, TunnelPackets.inner6(VIP6))));
        assertEquals(0, sink.writes);
    }

    @Test
    void shouldDeliverIp6tnlWithInnerIpv4AndInnerIpv6() {
        byte[] inner4 = inner(VIP);
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(inner4, 4, GATEWAY6));
        assertArrayEquals(inner4, sink.lastPacket());
        byte[] inner6 = TunnelPackets.inner6(VIP6);
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(inner6, 41, GATEWAY6));
        assertArrayEquals(inner6, sink.lastPacket());
        assertEquals(2, counters.decapsulatedCount(io.dsrgw.encap.tunnel.TunnelKind.IP6TNL));
    }

    @Test
    void shouldDeliverIp6greKeyedAndUnkeyedWithBothInnerFamilies() {
        byte[] inner6 = TunnelPackets.inner6(VIP6);
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(TunnelPackets.gre(inner6, GRE_KEY, true), 47, GATEWAY6));
        assertArrayEquals(inner6, sink.lastPacket());
        byte[] inner4 = inner(VIP);
        assertEquals(DecapCounter.DECAP_PACKETS, feed6(TunnelPackets.gre(inner4, null, false), 47, GATEWAY6));
        assertArrayEquals(inner4, sink.lastPacket());
        assertEquals(2, counters.decapsulatedCount(io.dsrgw.encap.tunnel.TunnelKind.IP6GRE));
    }

    @Test
    void shouldDropAndCountAnIpv6OuterSourceThatIsNotAGateway() {
        byte[] inner6 = TunnelPackets.inner6(VIP6);

        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed6(inner6, 41, InetAddress.ofLiteral("fd00:2::3")));
        // an IPv4 gateway's address written as IPv4-compatible IPv6 is not that gateway either
        assertEquals(DecapCounter.DROP_BAD_SOURCE, feed6(inner6, 41, InetAddress.ofLiteral("::a00:202")));

        assertEquals(0, sink.writes);
        assertEquals(2, counters.get(DecapCounter.DROP_BAD_SOURCE));
    }

    @Test
    void shouldDropInnerPacketsNotAddressedToAVipOfTheirFamily() {
        // IPv6 inner to a non-VIP; IPv6 inner to the IPv4 VIP's mapped form; IPv4 inner to a non-VIP
        assertEquals(DecapCounter.DROP_NOT_VIP, feed6(TunnelPackets.inner6(InetAddress.ofLiteral("fd00:3::11")),
                41, GATEWAY6));
        assertEquals(DecapCounter.DROP_NOT_VIP, feed(TunnelPackets.outer4(41, GATEWAY,
                TunnelPackets.inner6(InetAddress.ofLiteral("fd00:100::2")))));
        assertEquals(DecapCounter.DROP_NOT_VIP, feed6(inner(ip(10, 0, 3, 10)), 4, GATEWAY6));

        assertEquals(0, sink.writes);
        assertEquals(3, counters.get(DecapCounter.DROP_NOT_VIP));
    }

    @Test
    void shouldDropTruncatedIpv6PayloadsAsMalformed() {
        byte[] inner6 = TunnelPackets.inner6(VIP6);
        byte[] cut = Arrays.copyOf(inner6, 30);

        assertEquals(DecapCounter.DROP_MALFORMED, feed6(cut, 41, GATEWAY6));
        assertEquals(DecapCounter.DROP_MALFORMED, feed6(new byte[2], 47, GATEWAY6));
        assertEquals(0, sink.writes);
    }
}
