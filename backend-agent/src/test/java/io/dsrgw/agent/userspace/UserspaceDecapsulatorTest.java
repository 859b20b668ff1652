package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

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
    final UserspaceDecapsulator decap = new UserspaceDecapsulator(Ipv4AddressSet.of(GATEWAY, ip(10, 0, 2, 3)),
            Ipv4AddressSet.of(VIP), sink, counters);

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
        return decap.onPacket(MemorySegment.ofArray(packet), 0, packet.length);
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

        assertEquals(DecapCounter.DECAP_PACKETS, decap.onPacket(MemorySegment.ofArray(buffer), 100, packet.length));
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
                "drop_not_vip", "tx_errors"), java.util.List.copyOf(counters.snapshot().keySet()));
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
        for (int i = 0; i < 20_000; i++) {           // warm up (interpreter and JIT may allocate once)
            decap.onPacket(good, 0, len);
            decap.onPacket(foreign, 0, len);
            decap.onPacket(bad, 0, len);
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            decap.onPacket(good, 0, len);
            decap.onPacket(foreign, 0, len);
            decap.onPacket(bad, 0, len);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for 300000 packets");
        assertEquals(120_000, counters.get(DecapCounter.DECAP_PACKETS));
    }
}
