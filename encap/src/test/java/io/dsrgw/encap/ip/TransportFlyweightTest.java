package io.dsrgw.encap.ip;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.checksum.InternetChecksum;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TransportFlyweightTest {
    /** TCP SYN 40000 -> 80, seq 0x12345678, data offset 5, window 64240, checksum for 10.0.1.2 -> 10.100.0.1
     *  (derivation in InternetChecksumTest). */
    private static final String TCP_SYN = "9c40 0050 1234 5678 0000 0000 5002 faf0 9a4e 0000";

    @Test
    void shouldReadTcpPortsAndFlags() {
        TcpFlyweight tcp = new TcpFlyweight();
        assertEquals(PacketError.OK, tcp.wrap(MemorySegment.ofArray(hex(TCP_SYN)), 0, 20));
        assertEquals(40000, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(0x12345678L, tcp.sequence());
        assertEquals(20, tcp.headerLength());
        assertTrue(tcp.syn());
        assertFalse(tcp.ack());
        assertFalse(tcp.fin());
        assertFalse(tcp.rst());
        assertEquals(64240, tcp.window());
        assertEquals(0x9a4e, tcp.checksum());
    }

    @Test
    void shouldWriteTheGoldenTcpHeaderThroughTheSetters() {
        byte[] buf = new byte[20];
        MemorySegment seg = MemorySegment.ofArray(buf);
        TcpFlyweight tcp = new TcpFlyweight().wrapForWrite(seg, 0).sourcePort(40000).destinationPort(80)
                .sequence(0x12345678L).acknowledgment(0).headerLength(20).flags(TcpFlyweight.FLAG_SYN)
                .window(64240).urgentPointer(0).checksum(0);
        tcp.checksum(InternetChecksum.tcpIpv4(seg, 0, 20, 0x0a000102, 0x0a640001));
        assertArrayEquals(hex(TCP_SYN), buf);
    }

    @Test
    void shouldDropMalformedTcpHeaders() {
        TcpFlyweight tcp = new TcpFlyweight();
        byte[] syn = hex(TCP_SYN);
        assertEquals(PacketError.TRUNCATED, tcp.wrap(MemorySegment.ofArray(syn), 0, 19));
        syn[12] = 0x40; // data offset 4 words
        assertEquals(PacketError.BAD_TRANSPORT_HEADER, tcp.wrap(MemorySegment.ofArray(syn), 0, 20));
        syn[12] = 0x60; // data offset 6 words = 24 bytes, only 20 present
        assertEquals(PacketError.TRUNCATED, tcp.wrap(MemorySegment.ofArray(syn), 0, 20));
        byte[] withOption = new byte[24];
        System.arraycopy(syn, 0, withOption, 0, 20);
        assertEquals(PacketError.OK, tcp.wrap(MemorySegment.ofArray(withOption), 0, 24));
        assertEquals(24, tcp.headerLength());
    }

    @Test
    void shouldReadAndValidateUdp() {
        // DNS query header 53000 -> 53, length 12 (8 + 4 data bytes), checksum 0 (none)
        byte[] udp = hex("cf08 0035 000c 0000 01020304");
        UdpFlyweight flyweight = new UdpFlyweight();
        assertEquals(PacketError.OK, flyweight.wrap(MemorySegment.ofArray(udp), 0, 12));
        assertEquals(53000, flyweight.sourcePort());
        assertEquals(53, flyweight.destinationPort());
        assertEquals(12, flyweight.length());
        assertEquals(PacketError.TRUNCATED, flyweight.wrap(MemorySegment.ofArray(udp), 0, 7));
        assertEquals(PacketError.BAD_TRANSPORT_HEADER, flyweight.wrap(MemorySegment.ofArray(udp), 0, 11),
                "length field 12 > 11 bytes present");
        udp[5] = 7;
        assertEquals(PacketError.BAD_TRANSPORT_HEADER, flyweight.wrap(MemorySegment.ofArray(udp), 0, 12),
                "length field below the header size");
        assertEquals(PacketError.OK, flyweight.wrapFirstFragment(MemorySegment.ofArray(udp), 0, 8));
    }

    @Test
    void shouldWriteTheGoldenUdpHeaderThroughTheSetters() {
        byte[] buf = new byte[8];
        new UdpFlyweight().wrapForWrite(MemorySegment.ofArray(buf), 0).sourcePort(53000).destinationPort(53)
                .length(12).checksum(0);
        assertArrayEquals(hex("cf08 0035 000c 0000"), buf);
    }

    @Test
    void shouldReadIcmpEchoAndErrors() {
        // Echo request id 0x1234 seq 1, no data: words 0800 0000 1234 0001 -> sum 0x1a35 -> ~ = 0xe5ca
        byte[] echo = hex("0800 e5ca 1234 0001");
        Icmpv4Flyweight icmp = new Icmpv4Flyweight();
        assertEquals(PacketError.OK, icmp.wrap(MemorySegment.ofArray(echo), 0, 8));
        assertEquals(0, InternetChecksum.icmpv4(MemorySegment.ofArray(echo), 0, 8), "golden checksum verifies");
        assertTrue(icmp.isEchoRequest());
        assertFalse(icmp.isEchoReply());
        assertFalse(icmp.isError());
        assertEquals(0x1234, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(PacketError.TRUNCATED, icmp.wrap(MemorySegment.ofArray(echo), 0, 7));

        // Fragmentation needed (type 3 code 4) with next-hop MTU 1480
        byte[] tooBig = hex("0304 0000 0000 05c8");
        assertEquals(PacketError.OK, icmp.wrap(MemorySegment.ofArray(tooBig), 0, 8));
        assertTrue(icmp.isError());
        assertEquals(Icmpv4Flyweight.CODE_FRAGMENTATION_NEEDED, icmp.code());
        assertEquals(1480, icmp.nextHopMtu());
        for (int type : new int[] {3, 4, 5, 11, 12}) {
            icmp.type(type);
            assertTrue(icmp.isError(), "type " + type);
        }
        for (int type : new int[] {0, 8, 13, 14}) {
            icmp.type(type);
            assertFalse(icmp.isError(), "type " + type);
        }
    }

    @Test
    void shouldWriteTheGoldenIcmpEchoThroughTheSetters() {
        byte[] buf = new byte[8];
        MemorySegment seg = MemorySegment.ofArray(buf);
        Icmpv4Flyweight icmp = new Icmpv4Flyweight().wrapForWrite(seg, 0).type(8).code(0).checksum(0)
                .identifier(0x1234).sequence(1);
        icmp.checksum(InternetChecksum.icmpv4(seg, 0, 8));
        assertArrayEquals(hex("0800 e5ca 1234 0001"), buf);
    }
}
