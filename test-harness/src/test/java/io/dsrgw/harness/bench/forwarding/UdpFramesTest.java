package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.dsrgw.encap.ip.Ipv4Addresses;

class UdpFramesTest {
    private static final UdpFrames.Spec SPEC = new UdpFrames.Spec(UdpFrames.mac("02:00:0a:00:01:01"),
            UdpFrames.mac("02:00:0a:00:01:02"), Ipv4Addresses.parse("10.0.1.2"), Ipv4Addresses.parse("10.100.0.1"),
            10000, 5001, 1024);

    private static byte[] frame(UdpFrames.Spec spec, int flow) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(200);
            seg.fill((byte) 0x5a); // garbage around and under the frame must not leak into it
            UdpFrames.write(seg, 7, spec, flow);
            byte[] all = seg.toArray(ValueLayout.JAVA_BYTE);
            assertEquals((byte) 0x5a, all[6], "byte before the frame untouched");
            assertEquals((byte) 0x5a, all[7 + UdpFrames.FRAME_BYTES], "byte after the frame untouched");
            return Arrays.copyOfRange(all, 7, 7 + UdpFrames.FRAME_BYTES);
        }
    }

    /** RFC 1071, written independently of encap's InternetChecksum: 16-bit big-endian words, end-around carry. */
    private static int onesComplementSum(byte[] b, int from, int to, long initial) {
        long sum = initial;
        for (int i = from; i < to; i += 2) {
            int hi = b[i] & 0xff;
            int lo = i + 1 < to ? b[i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    @Test
    void shouldWriteA64ByteEthernetIpv4UdpFrameWithTheSpecsAddresses() {
        byte[] f = frame(SPEC, 0);
        assertArrayEquals(UdpFrames.mac("02:00:0a:00:01:01"), Arrays.copyOfRange(f, 0, 6), "destination MAC");
        assertArrayEquals(UdpFrames.mac("02:00:0a:00:01:02"), Arrays.copyOfRange(f, 6, 12), "source MAC");
        assertEquals(0x0800, u16(f, 12), "ethertype IPv4");
        assertEquals(0x45, f[14] & 0xff, "version 4, IHL 5");
        assertEquals(50, u16(f, 16), "IPv4 total length = 64 - 14");
        assertEquals(0x4000, u16(f, 20), "DF, not a fragment");
        assertEquals(64, f[22] & 0xff, "TTL");
        assertEquals(17, f[23] & 0xff, "protocol UDP");
        assertArrayEquals(new byte[] {10, 0, 1, 2}, Arrays.copyOfRange(f, 26, 30), "source address");
        assertArrayEquals(new byte[] {10, 100, 0, 1}, Arrays.copyOfRange(f, 30, 34), "destination address");
        assertEquals(10000, u16(f, 34), "source port of flow 0");
        assertEquals(5001, u16(f, 36), "destination port");
        assertEquals(30, u16(f, 38), "UDP length = 64 - 34");
        byte[] marker = UdpFrames.PAYLOAD_MARKER.getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(marker, Arrays.copyOfRange(f, 42, 42 + marker.length), "payload marker");
        for (int i = 42 + marker.length; i < 64; i++) {
            assertEquals(0, f[i], "zero padding at " + i);
        }
    }

    @Test
    void shouldCarryCorrectIpv4AndUdpChecksumsForEveryFlow() {
        for (int flow : new int[] {0, 1, 511, 1023}) {
            byte[] f = frame(SPEC, flow);
            assertEquals(0xffff, onesComplementSum(f, 14, 34, 0), "IPv4 header sums to 0xffff, flow " + flow);
            // Pseudo-header: source, destination, protocol 17, UDP length.
            long pseudo = u16(f, 26) + u16(f, 28) + u16(f, 30) + u16(f, 32) + 17 + 30;
            assertTrue(u16(f, 40) != 0, "a UDP checksum is present");
            assertEquals(0xffff, onesComplementSum(f, 34, 64, pseudo), "UDP checksum verifies, flow " + flow);
        }
    }

    @Test
    void shouldVaryOnlyTheSourcePortAndUdpChecksumBetweenFlows() {
        byte[] a = frame(SPEC, 0);
        byte[] b = frame(SPEC, 777);
        assertEquals(10777, u16(b, 34));
        for (int i = 0; i < 64; i++) {
            if (i != 34 && i != 35 && i != 40 && i != 41) {
                assertEquals(a[i], b[i], "byte " + i + " is the same in every flow");
            }
        }
    }

    @Test
    void shouldRejectFlowsOutsideTheSpecAndPortSpace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> UdpFrames.write(seg, 0, SPEC, 1024));
            assertThrows(IllegalArgumentException.class, () -> UdpFrames.write(seg, 0, SPEC, -1));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UdpFrames.Spec(
                new byte[6], new byte[6], 1, 2, 60000, 5001, 6000));
        assertTrue(e.getMessage().contains("expected: 1..5536"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new UdpFrames.Spec(new byte[5], new byte[6], 1, 2,
                10000, 5001, 1));
        assertThrows(IllegalArgumentException.class, () -> UdpFrames.mac("02:00:0a:00:01"));
    }
}
