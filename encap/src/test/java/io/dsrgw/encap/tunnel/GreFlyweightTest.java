package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class GreFlyweightTest {
    private final GreFlyweight gre = new GreFlyweight();

    private PacketError wrap(String hex) {
        byte[] b = hex(hex);
        return gre.wrap(MemorySegment.ofArray(b), 0, b.length);
    }

    @Test
    void shouldReadEveryOptionalFieldInRfcOrder() {
        // C K S: checksum 0x1234, reserved1 0, key 0x0000002a, sequence 0x00000063
        assertEquals(PacketError.OK, wrap("b000 86dd 1234 0000 0000 002a 0000 0063 60"));
        assertTrue(gre.checksumPresent());
        assertTrue(gre.keyPresent());
        assertTrue(gre.sequencePresent());
        assertEquals(0, gre.version());
        assertEquals(GreFlyweight.PROTOCOL_IPV6, gre.protocolType());
        assertEquals(0x1234, gre.checksum());
        assertEquals(42, gre.key());
        assertEquals(99, gre.sequence());
        assertEquals(16, gre.headerLength());
        assertEquals(16, gre.payloadOffset());
        // K only: the key directly after the first word
        assertEquals(PacketError.OK, wrap("2000 0800 ffff fffe"));
        assertEquals(0xfffffffeL, gre.key() & 0xffffffffL);
        assertFalse(gre.checksumPresent());
        assertEquals(8, gre.headerLength());
        assertEquals(PacketError.OK, wrap("0000 0800"));
        assertEquals(4, gre.headerLength());
    }

    @Test
    void shouldDiscardWhatRfc2784TellsReceiversToDiscard() {
        assertEquals(PacketError.BAD_GRE, wrap("0001 0800 00000000"), "version 1 (PPTP)");
        assertEquals(PacketError.BAD_GRE, wrap("0007 0800 00000000"), "version 7");
        assertEquals(PacketError.BAD_GRE, wrap("4000 0800 00000000"), "routing present (R)");
        assertEquals(PacketError.BAD_GRE, wrap("0800 0800 00000000"), "strict source route (s)");
        assertEquals(PacketError.BAD_GRE, wrap("0400 0800 00000000"), "bit 5 (recursion)");
        // bits 6-12 are reserved: must be ignored on receipt (RFC 2784 2.3)
        assertEquals(PacketError.OK, wrap("03f8 0800 00000000"), "bits 6-12 ignored");
    }

    @Test
    void shouldReportTruncatedOptionalFields() {
        assertEquals(PacketError.TRUNCATED, wrap("2000 08"));
        assertEquals(PacketError.TRUNCATED, wrap("2000 0800 0000"), "key cut");
        assertEquals(PacketError.TRUNCATED, wrap("b000 0800 0000 0000 0000 0000 0000"), "sequence cut");
        assertEquals(PacketError.TRUNCATED, gre.wrap(MemorySegment.ofArray(new byte[8]), 6, 4), "beyond segment");
    }

    @Test
    void shouldComputeAndVerifyTheChecksumOverHeaderAndPayload() {
        byte[] b = hex("8000 0800 ffff ffff 4500 0014 0000 0000 4000 0000 0000 0000 0000 0000");
        MemorySegment seg = MemorySegment.ofArray(b);
        gre.wrapForWrite(seg, 0).updateChecksum(b.length);
        assertEquals(0, b[6] | b[7], "Reserved1 written as 0");
        assertTrue(gre.checksumValid(b.length));
        b[b.length - 1] ^= 1;
        assertFalse(gre.checksumValid(b.length));
    }
}
