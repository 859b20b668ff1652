package io.dsrgw.encap.icmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reassembly gives back the datagram, for many sizes and MTUs; limits; in-place first fragment. */
class Ipv4FragmenterTest {
    private final MemorySegment[] dst = new MemorySegment[64];
    private final int[] lengths = new int[64];

    Ipv4FragmenterTest() {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = MemorySegment.ofArray(new byte[2048]);
        }
    }

    @Test
    void shouldReassembleToTheOriginalForManySizesAndMtus() {
        Ipv4Flyweight ip = new Ipv4Flyweight();
        for (int data = 0; data < 3000; data += 97) {
            byte[] packet = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 1, 2, data);
            for (int mtu : new int[] {68, 100, 576, 1280, 1476, 1500}) {
                int count = Ipv4Fragmenter.fragment(MemorySegment.ofArray(packet), 0, packet.length, mtu, dst, 0,
                        lengths);
                assertTrue(count >= 1, data + "/" + mtu);
                byte[] payload = new byte[packet.length - 20];
                int end = 0;
                for (int i = 0; i < count; i++) {
                    assertTrue(lengths[i] <= mtu);
                    assertEquals(PacketError.OK, ip.wrap(dst[i], 0, lengths[i]), data + "/" + mtu + " #" + i);
                    assertTrue(ip.checksumValid());
                    assertEquals(i < count - 1, ip.moreFragments());
                    assertEquals(end, ip.fragmentOffsetBytes());
                    MemorySegment.copy(dst[i], ip.payloadOffset(), MemorySegment.ofArray(payload), end,
                            ip.payloadLength());
                    end += ip.payloadLength();
                }
                assertEquals(payload.length, end);
                assertArrayEquals(Arrays.copyOfRange(packet, 20, packet.length), payload);
            }
        }
    }

    @Test
    void shouldWriteTheFirstFragmentInPlace() {
        byte[] packet = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 1, 2, 1400);
        byte[] original = packet.clone();
        MemorySegment[] out = {MemorySegment.ofArray(packet), dst[1], dst[2]};
        assertEquals(3, Ipv4Fragmenter.fragment(MemorySegment.ofArray(packet), 0, packet.length, 576, out, 0,
                lengths));
        assertEquals(572, lengths[0]);
        assertArrayEquals(Arrays.copyOfRange(original, 20, 572), Arrays.copyOfRange(packet, 20, 572));
        // the second fragment carries the next 552 data bytes ((576 - 20) rounded down to 8)
        byte[] second = dst[1].asSlice(0, lengths[1]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        assertArrayEquals(Arrays.copyOfRange(original, 572, 572 + 552), Arrays.copyOfRange(second, 20, 572));
    }

    @Test
    void shouldRefuseWhenTheDestinationsDoNotSufficeOrDfIsSet() {
        byte[] packet = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 1, 2, 1400);
        MemorySegment seg = MemorySegment.ofArray(packet);
        assertEquals(-1, Ipv4Fragmenter.fragment(seg, 0, packet.length, 576, Arrays.copyOf(dst, 2), 0, lengths));
        assertEquals(-1, Ipv4Fragmenter.fragment(seg, 0, packet.length, 576, dst, 0, new int[2]));
        assertEquals(-1, Ipv4Fragmenter.fragment(seg, 0, packet.length, 576,
                new MemorySegment[] {dst[0], dst[1], MemorySegment.ofArray(new byte[300])}, 0, lengths));
        assertEquals(-1, Ipv4Fragmenter.fragment(seg, 0, packet.length, 67, dst, 0, lengths));
        assertEquals(-1, Ipv4Fragmenter.fragment(seg, 0, packet.length - 1, 576, dst, 0, lengths));
        byte[] df = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 1, 80, 2, 1400);
        assertEquals(-1, Ipv4Fragmenter.fragment(MemorySegment.ofArray(df), 0, df.length, 576, dst, 0, lengths));
        // a 60-byte header still leaves 8 data bytes at the RFC 791 minimum MTU of 68 (later fragments 20 + 48)
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.dontFragment = false;
        p.options = new byte[40];
        p.options[0] = 1;
        p.payload = new byte[100];
        byte[] fat = p.build();
        assertEquals(-1, Ipv4Fragmenter.fragment(MemorySegment.ofArray(fat), 0, fat.length, 67, dst, 0, lengths));
        assertTrue(Ipv4Fragmenter.fragment(MemorySegment.ofArray(fat), 0, fat.length, 68, dst, 0, lengths) > 1);
    }
}
