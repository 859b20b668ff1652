package io.dsrgw.encap.checksum;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class InternetChecksumTest {

    @Test
    void shouldComputeTheRfc1071SectionThreeExample() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 have the one's complement sum 0xddf2 (the RFC
        // shows it as "dd f2"); the checksum is its complement 0x220d.
        MemorySegment seg = MemorySegment.ofArray(hex("0001 f203 f4f5 f6f7"));
        assertEquals(0x220d, InternetChecksum.compute(seg, 0, 8));
        assertEquals(0xddf2, 0xffff & ~InternetChecksum.compute(seg, 0, 8));
    }

    @Test
    void shouldComputeTheWellKnownIpv4HeaderExample() {
        // The classic example header (Wikipedia, "Internet checksum" / "IPv4 header checksum"):
        // 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7. Words sum to 0x2479c; folded 0x479e; ~ = b861.
        byte[] header = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
        MemorySegment seg = MemorySegment.ofArray(header);
        assertEquals(0xb861, InternetChecksum.ipv4Header(seg, 0, 20));
        header[10] = (byte) 0xb8;
        header[11] = 0x61;
        assertEquals(0, InternetChecksum.ipv4Header(seg, 0, 20), "a header holding its checksum sums to 0");
    }

    @Test
    void shouldPadAnOddTrailingByteWithZero() {
        // 0x0102 + 0x0300 (03 padded) = 0x0402 -> ~ = 0xfbfd
        MemorySegment seg = MemorySegment.ofArray(hex("010203"));
        assertEquals(0xfbfd, InternetChecksum.compute(seg, 0, 3));
        // the same at an odd offset inside a larger segment, and for 1 and 0 bytes
        MemorySegment shifted = MemorySegment.ofArray(hex("ff010203ff"));
        assertEquals(0xfbfd, InternetChecksum.compute(shifted, 1, 3));
        assertEquals(0xfeff, InternetChecksum.compute(shifted, 1, 1));
        assertEquals(0xffff, InternetChecksum.compute(shifted, 1, 0));
    }

    @Test
    void shouldFoldCarriesOfLongInputs() {
        byte[] ones = new byte[65536];
        java.util.Arrays.fill(ones, (byte) 0xff);
        // 32768 words of 0xffff: one's complement sum is 0xffff (negative zero), checksum 0
        assertEquals(0, InternetChecksum.compute(MemorySegment.ofArray(ones), 0, ones.length));
        ones[0] = 0; // one word 0x00ff: sum = 32767 * 0xffff + 0x00ff == 0x00ff (mod 0xffff) -> ~ = 0xff00
        assertEquals(0xff00, InternetChecksum.compute(MemorySegment.ofArray(ones), 0, ones.length));
    }

    @Test
    void shouldComputeTheTcpChecksumOverThePseudoHeader() {
        // TCP SYN 10.0.1.2:40000 -> 10.100.0.1:80, seq 0x12345678, data offset 5, window 64240.
        // Pseudo-header words: 0a00 0102 0a64 0001 0006 0014 = 0x1581.
        // Segment words: 9c40 0050 1234 5678 0000 0000 5002 faf0 0000 0000 = 0x2502e.
        // 0x1581 + 0x2502e = 0x265af -> fold 0x65b1 -> ~ = 0x9a4e.
        byte[] tcp = hex("9c40 0050 1234 5678 0000 0000 5002 faf0 0000 0000");
        MemorySegment seg = MemorySegment.ofArray(tcp);
        int src = ip("10.0.1.2");
        int dst = ip("10.100.0.1");
        assertEquals(0x1581, InternetChecksum.ipv4PseudoHeaderSum(src, dst, 6, 20));
        assertEquals(0x9a4e, InternetChecksum.tcpIpv4(seg, 0, 20, src, dst));
        tcp[16] = (byte) 0x9a;
        tcp[17] = 0x4e;
        assertTrue(InternetChecksum.verifyIpv4Transport(seg, 0, 20, src, dst, 6));
        assertFalse(InternetChecksum.verifyIpv4Transport(seg, 0, 20, src, dst + 1, 6));
    }

    @Test
    void shouldSendAComputedZeroUdpChecksumAsAllOnes() {
        // src = dst = 0.0.0.0; pseudo-header: 17 + 8 = 0x19; header words: ffde 0000 0008 0000.
        // 0x19 + 0xffde + 0x08 = 0xffff -> ~ = 0, which RFC 768 transmits as 0xffff.
        MemorySegment seg = MemorySegment.ofArray(hex("ffde 0000 0008 0000"));
        assertEquals(0xffff, InternetChecksum.udpIpv4(seg, 0, 8, 0, 0));
    }
}
