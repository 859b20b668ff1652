package io.dsrgw.harness.bench.floods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.harness.bench.forwarding.UdpFrames;

class FloodFramesTest {
    private static final int VIP = Ipv4Addresses.parse("10.100.0.1");
    private static final int NON_VIP = Ipv4Addresses.parse("10.100.0.99");
    private static final int BACKEND = Ipv4Addresses.parse("10.0.3.11");

    private static FloodFrames frames(FloodFrames.Kind kind) {
        return new FloodFrames(new FloodFrames.Spec(kind, UdpFrames.mac("02:00:00:00:00:01"),
                UdpFrames.mac("02:00:00:00:00:02"), VIP, 80, NON_VIP, BACKEND, 1000));
    }

    private static byte[] frame(FloodFrames f, int i) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(f.frameBytes() + 20);
            seg.fill((byte) 0x5a);
            f.write(seg, 10, i);
            byte[] all = seg.toArray(ValueLayout.JAVA_BYTE);
            assertEquals((byte) 0x5a, all[9], "byte before the frame untouched");
            assertEquals((byte) 0x5a, all[10 + f.frameBytes()], "byte after the frame untouched");
            return Arrays.copyOfRange(all, 10, 10 + f.frameBytes());
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    private static int u32(byte[] b, int at) {
        return u16(b, at) << 16 | u16(b, at + 2);
    }

    /** RFC 1071 written independently of encap's InternetChecksum: folds to 0xffff over a correct region. */
    private static int fold(byte[] b, int from, int to, long initial) {
        long sum = initial;
        for (int i = from; i < to; i += 2) {
            sum += (b[i] & 0xff) << 8 | (i + 1 < to ? b[i + 1] & 0xff : 0);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    private static long pseudo(byte[] b, int protocol, int length) {
        return u16(b, 26) + u16(b, 28) + u16(b, 30) + u16(b, 32) + protocol + length;
    }

    private static void assertIpv4(byte[] b, int protocol, int destination) {
        assertEquals(0x0800, u16(b, 12), "ethertype");
        assertEquals(0x45, b[14] & 0xff, "version 4, 20-byte header");
        assertEquals(protocol, b[23] & 0xff, "protocol");
        assertEquals(destination, u32(b, 30), "destination");
        assertEquals(0xffff, fold(b, 14, 34, 0), "IPv4 header checksum");
    }

    @Test
    void synFramesAreValidTcpSynsToTheVipFromDistinctOrdinaryClients() {
        FloodFrames f = frames(FloodFrames.Kind.SYN);
        Set<Long> tuples = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            byte[] b = frame(f, i);
            assertIpv4(b, 6, VIP);
            int total = u16(b, 16);
            assertEquals(40, total);
            assertEquals(0x02, b[47] & 0xff, "SYN only");
            assertEquals(80, u16(b, 36), "VIP port");
            assertEquals(0xffff, fold(b, 34, 14 + total, pseudo(b, 6, total - 20)), "TCP checksum");
            int src = u32(b, 26);
            assertEquals(FloodFrames.CLIENT_PREFIX, src & 0xFFFE0000, "source in 198.18.0.0/15");
            tuples.add((long) src << 16 | u16(b, 34));
        }
        assertTrue(tuples.size() >= 999, "every SYN a new flow: " + tuples.size() + " distinct of 1000");
    }

    @Test
    void framesAreRepeatableForTheSameIndex() {
        FloodFrames f = frames(FloodFrames.Kind.ICMP);
        assertEquals(Arrays.toString(frame(f, 7)), Arrays.toString(frame(f, 7)));
        assertNotEquals(Arrays.toString(frame(f, 7)), Arrays.toString(frame(f, 9)));
    }

    @Test
    void icmpFramesAlternateEchoRequestsAndFragmentationNeededQuotingTheVipsService() {
        FloodFrames f = frames(FloodFrames.Kind.ICMP);
        byte[] echo = frame(f, 4);
        assertIpv4(echo, 1, VIP);
        assertEquals(8, echo[34] & 0xff, "echo request");
        assertEquals(0xffff, fold(echo, 34, 14 + u16(echo, 16), 0), "ICMP checksum");
        byte[] error = frame(f, 5);
        assertIpv4(error, 1, VIP);
        assertEquals(3, error[34] & 0xff, "destination unreachable");
        assertEquals(4, error[35] & 0xff, "fragmentation needed");
        assertEquals(FloodFrames.ICMP_ERROR_MTU, u16(error, 40));
        assertEquals(0xffff, fold(error, 34, 14 + u16(error, 16), 0), "ICMP checksum");
        int quoted = 42;
        assertEquals(VIP, u32(error, quoted + 12), "quoted source is the VIP");
        assertEquals(80, u16(error, quoted + 20), "quoted source port is the VIP's service");
        assertEquals(0xffff, fold(error, quoted, quoted + 20, 0), "quoted IPv4 header checksum");
    }

    @Test
    void nonVipFramesAreUdpToTheNonVipAddressWithAValidChecksum() {
        byte[] b = frame(frames(FloodFrames.Kind.NON_VIP), 3);
        assertIpv4(b, 17, NON_VIP);
        int udp = u16(b, 38);
        assertEquals(0xffff, fold(b, 34, 34 + udp, pseudo(b, 17, udp)), "UDP checksum");
    }

    @Test
    void tooBigFramesAreFullSizeDontFragmentSegmentsToTheVip() {
        FloodFrames f = frames(FloodFrames.Kind.TOO_BIG);
        byte[] b = frame(f, 0);
        assertIpv4(b, 6, VIP);
        assertEquals(1500, u16(b, 16));
        assertEquals(0x4000, u16(b, 20) & 0x4000, "DF set");
        assertEquals(0x10, b[47] & 0xff, "ACK");
        assertEquals(0xffff, fold(b, 34, 1514, pseudo(b, 6, 1480)), "TCP checksum");
    }

    @Test
    void martianFramesComeFromEverySourceClassThePolicyDrops() {
        FloodFrames f = frames(FloodFrames.Kind.MARTIAN);
        Set<Integer> classes = new HashSet<>();
        for (int i = 0; i < 14; i++) {
            int src = u32(frame(f, i), 26);
            int top = src >>> 24;
            if (top == 0) {
                classes.add(0);
            } else if (top == 127) {
                classes.add(1);
            } else if (src == 0xFFFFFFFF) {
                classes.add(4);
            } else if (top >= 224 && top < 240) {
                classes.add(2);
            } else if (top >= 240) {
                classes.add(3);
            } else if (src == VIP) {
                classes.add(5);
            } else if (src == BACKEND) {
                classes.add(6);
            } else {
                throw new AssertionError("frame " + i + ": ordinary source " + Integer.toHexString(src));
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6), classes);
    }

    @Test
    void clientAddressesStayInsideTheBenchmarkingPrefixAndAvoidItsEnds() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            int a = FloodFrames.clientAddress(r);
            assertEquals(FloodFrames.CLIENT_PREFIX, a & 0xFFFE0000);
            assertNotEquals(FloodFrames.CLIENT_PREFIX, a);
            assertNotEquals(FloodFrames.CLIENT_PREFIX + FloodFrames.CLIENT_PREFIX_HOSTS - 1, a);
        }
    }

    @Test
    void aFrameIndexOutsideTheSpecIsRejected() {
        FloodFrames f = frames(FloodFrames.Kind.SYN);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> f.write(seg, 0, 1000));
            assertThrows(IllegalArgumentException.class, () -> f.write(seg, 0, -1));
        }
    }
}
