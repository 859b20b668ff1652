package io.dsrgw.encap.testing;

import static io.dsrgw.encap.testing.TestPackets.hex;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import java.util.List;

/**
 * Named IPv4 packets with the verdict {@link io.dsrgw.encap.ip.Ipv4Flyweight#wrap} must give them: one
 * table shared by the encap unit tests and (through the test-jar) by other modules' replay tests. Every
 * call returns fresh arrays, so tests may modify them.
 */
public final class PacketFixtures {
    /** The classic example header (Wikipedia "IPv4 header checksum"): UDP, DF, 192.168.0.1 -> .199, 115 bytes. */
    public static final String EXAMPLE_HEADER = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

    /** A named packet and the IPv4 verdict expected for all of its bytes. */
    public record Fixture(String description, byte[] bytes, PacketError ipv4Verdict) {
        @Override
        public String toString() {
            return description + " -> " + ipv4Verdict;
        }
    }

    private PacketFixtures() {
    }

    /** The example header followed by 95 zero payload bytes (total length 0x73). */
    public static byte[] examplePacket() {
        byte[] packet = new byte[0x73];
        System.arraycopy(hex(EXAMPLE_HEADER), 0, packet, 0, 20);
        return packet;
    }

    /** Well-formed packets: TCP, UDP, ICMP echo, options, first and last fragment at the limits. */
    public static List<Fixture> validIpv4() {
        TestPackets.Ipv4 options = new TestPackets.Ipv4();
        options.options = hex("01 07 07 04 00000000 00 000000"); // NOP, Record Route with one slot, EOL, pad
        options.payload = TestPackets.tcp(options.source, options.destination, 1234, 80, 0x02, new byte[0]);
        TestPackets.Ipv4 first = new TestPackets.Ipv4();
        first.dontFragment = false;
        first.moreFragments = true;
        first.protocol = IpProtocol.UDP;
        first.payload = new byte[96];
        return List.of(
                new Fixture("example header", examplePacket(), PacketError.OK),
                new Fixture("TCP SYN", TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 40000, 80, 2, 0),
                        PacketError.OK),
                new Fixture("UDP odd length", TestPackets.udpPacket("192.0.2.2", "10.100.0.1", 5353, 53, 33),
                        PacketError.OK),
                new Fixture("ICMP echo", TestPackets.icmpEchoPacket("192.0.2.3", "10.100.0.1", 7, 1, 56),
                        PacketError.OK),
                new Fixture("12 bytes of options", options.build(), PacketError.OK),
                new Fixture("first fragment, 96 bytes", first.build(), PacketError.OK),
                new Fixture("last fragment ending at 65535 (offset 65440 + 95)",
                        withChecksum(patch(patch(examplePacket(), 6, 0x1f), 7, 0xf4)), PacketError.OK));
    }

    /** Malformed packets, one per check of {@code wrap()}, each with its drop reason. */
    public static List<Fixture> malformedIpv4() {
        return List.of(
                new Fixture("19 bytes captured", hex(EXAMPLE_HEADER.substring(0, 47)), PacketError.TRUNCATED),
                new Fixture("empty", new byte[0], PacketError.TRUNCATED),
                new Fixture("version 6", patch(examplePacket(), 0, 0x65), PacketError.BAD_VERSION),
                new Fixture("version 0", patch(examplePacket(), 0, 0x05), PacketError.BAD_VERSION),
                new Fixture("IHL 4", patch(examplePacket(), 0, 0x44), PacketError.BAD_IHL),
                new Fixture("IHL 0", patch(examplePacket(), 0, 0x40), PacketError.BAD_IHL),
                new Fixture("total length 116 > 115 captured", patch(examplePacket(), 3, 0x74),
                        PacketError.BAD_TOTAL_LENGTH),
                new Fixture("total length 19 < header", patch(examplePacket(), 3, 19), PacketError.BAD_IHL),
                new Fixture("IHL 15 (60 bytes) > total length 40", ihl15Total40(), PacketError.BAD_IHL),
                new Fixture("option length 0", withOptions("44 00 0000"), PacketError.BAD_OPTIONS),
                new Fixture("option length 1", withOptions("83 01 0000"), PacketError.BAD_OPTIONS),
                new Fixture("option beyond header", withOptions("01 01 07 08"), PacketError.BAD_OPTIONS),
                new Fixture("option type without length byte", withOptions("01 01 01 07"), PacketError.BAD_OPTIONS),
                new Fixture("reserved flag set", patch(examplePacket(), 6, 0x80), PacketError.BAD_FRAGMENT),
                new Fixture("offset 65528 + 95 bytes > 65535", patch(patch(examplePacket(), 6, 0x1f), 7, 0xff),
                        PacketError.BAD_FRAGMENT),
                new Fixture("MF with 95 bytes (not a multiple of 8)", patch(examplePacket(), 6, 0x20),
                        PacketError.BAD_FRAGMENT),
                new Fixture("MF with an empty payload", emptyFragment(0x20, 0), PacketError.BAD_FRAGMENT),
                new Fixture("empty last fragment", emptyFragment(0, 1), PacketError.BAD_FRAGMENT));
    }

    private static byte[] patch(byte[] packet, int index, int value) {
        packet[index] = (byte) value;
        return packet;
    }

    private static byte[] withChecksum(byte[] packet) {
        new io.dsrgw.encap.ip.Ipv4Flyweight().wrapForWrite(java.lang.foreign.MemorySegment.ofArray(packet), 0)
                .updateChecksum();
        return packet;
    }

    private static byte[] ihl15Total40() {
        byte[] packet = new byte[60];
        System.arraycopy(hex(EXAMPLE_HEADER), 0, packet, 0, 20);
        packet[0] = 0x4f;
        packet[3] = 40;
        return packet;
    }

    private static byte[] emptyFragment(int flagsByte, int offsetLowByte) {
        byte[] packet = hex(EXAMPLE_HEADER);
        packet[3] = 20;
        packet[6] = (byte) flagsByte;
        packet[7] = (byte) offsetLowByte;
        return packet;
    }

    private static byte[] withOptions(String options) {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.options = hex(options);
        p.payload = new byte[8];
        return p.build();
    }
}
