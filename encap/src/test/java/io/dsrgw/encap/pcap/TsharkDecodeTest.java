package io.dsrgw.encap.pcap;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import io.dsrgw.encap.tunnel.IpipEncapsulator;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Independent check of everything this module writes: pcaps produced here are decoded by Wireshark's
 * tshark with checksum validation switched on. Skipped (reason printed) when tshark is not installed.
 */
class TsharkDecodeTest {
    private static final String[] CHECKSUM_OPTIONS = {"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE"};

    static String tshark;

    @BeforeAll
    static void findTshark() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "tshark");
            if (Files.isExecutable(candidate)) {
                tshark = candidate.toString();
                return;
            }
        }
    }

    static void requireTshark() {
        String reason = "tshark not found on PATH (" + System.getenv("PATH") + "): install it with"
                + " `apt-get install -y tshark` to decode the test pcaps independently";
        if (tshark == null) {
            System.out.println("SKIPPED TsharkDecodeTest: " + reason);
        }
        assumeTrue(tshark != null, reason);
    }

    @Test
    void shouldDecodeEveryPacketTypeWeWriteWithGoodChecksums() throws Exception {
        requireTshark();
        Path p = PcapTest.file("tshark-raw.pcap");
        List<byte[]> packets = new ArrayList<>();
        packets.add(TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 40000, 80, 2, 0));
        packets.add(TestPackets.udpPacket("192.0.2.2", "10.100.0.1", 5353, 53, 33)); // odd length
        packets.add(TestPackets.icmpEchoPacket("192.0.2.3", "10.100.0.1", 0x1234, 1, 56));
        packets.add(ipip(TestPackets.tcpPacket("192.0.2.4", "10.100.0.1", 40001, 443, 0x18, 1000)));
        TestPackets.Ipv4 ce = new TestPackets.Ipv4();
        ce.tos = 0xbb; // DSCP 46, ECN CE
        ce.dontFragment = false;
        ce.protocol = 17;
        ce.source = ip("192.0.2.5");
        ce.payload = TestPackets.udp(ce.source, ce.destination, 1, 2, new byte[100]);
        packets.add(ipip(ce.build()));
        TestPackets.Ipv4 options = new TestPackets.Ipv4();
        options.source = ip("192.0.2.6");
        options.options = hex("01010100");
        options.payload = TestPackets.tcp(options.source, options.destination, 1, 80, 2, new byte[0]);
        packets.add(options.build());
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, true)) {
            long t = 1_700_000_000_000_000_000L;
            for (byte[] packet : packets) {
                w.write(t++, MemorySegment.ofArray(packet), 0, packet.length);
            }
        }
        List<String> lines = fields(p, "ip.src", "ip.dst", "ip.proto", "ip.dsfield", "ip.flags.df",
                "ip.checksum.status", "tcp.srcport", "udp.srcport", "icmp.ident", "tcp.checksum.status",
                "udp.checksum.status", "icmp.checksum.status");
        // tshark 4.x prints the checksum status as a number: 1 = "Good" (proto_checksum_enum_e), checked below
        String good = goodStatus(p);
        List<String> expected = List.of(
                "192.0.2.1|10.100.0.1|6|0x00|1|G|40000|||G||",
                "192.0.2.2|10.100.0.1|17|0x00|0|G||5353|||G|",
                "192.0.2.3|10.100.0.1|1|0x00|1|G|||4660|||G",
                "10.0.2.2,192.0.2.4|10.0.3.10,10.100.0.1|4,6|0x00,0x00|1,1|G,G|40001|||G||",
                "10.0.2.2,192.0.2.5|10.0.3.10,10.100.0.1|4,17|0xbb,0xbb|0,0|G,G||1|||G|",
                "192.0.2.6|10.100.0.1|6|0x00|1|G|1|||G||");
        assertEquals(expected.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).replace("G", good), lines.get(i), "packet " + (i + 1));
        }
    }

    @Test
    void shouldDetectABadChecksumSoThatGoodMeansSomething() throws Exception {
        requireTshark();
        Path p = PcapTest.file("tshark-bad-checksum.pcap");
        byte[] packet = TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 40000, 80, 2, 0);
        packet[11] ^= 0x01;
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, false)) {
            w.write(0, MemorySegment.ofArray(packet), 0, packet.length);
        }
        String verbose = run(p, "-V");
        assertEquals(true, verbose.contains("[Header checksum status: Bad]"), verbose);
    }

    @Test
    void shouldDecodeEthernetFramesWithAVlanTag() throws Exception {
        requireTshark();
        Path p = PcapTest.file("tshark-ethernet.pcap");
        byte[] ipPacket = TestPackets.udpPacket("192.0.2.7", "10.100.0.1", 999, 53, 10);
        byte[] header = hex("020000000001 020000000002 8100 0064 0800");
        byte[] frame = new byte[header.length + ipPacket.length];
        System.arraycopy(header, 0, frame, 0, header.length);
        System.arraycopy(ipPacket, 0, frame, header.length, ipPacket.length);
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false, 65535, java.nio.ByteOrder.BIG_ENDIAN)) {
            w.write(0, MemorySegment.ofArray(frame), 0, frame.length);
        }
        assertEquals(List.of("100|192.0.2.7|10.100.0.1|17|" + goodStatus(p)),
                fields(p, "vlan.id", "ip.src", "ip.dst", "ip.proto", "ip.checksum.status"));
    }

    /** Wraps an inner packet in IPIP exactly as the gateway does: 10.0.2.2 -> 10.0.3.10, TTL 64. */
    private static byte[] ipip(byte[] inner) {
        byte[] buf = TestPackets.withHeadroom(inner, IpipEncapsulator.OVERHEAD);
        long outer = IpipEncapsulator.encapsulate(MemorySegment.ofArray(buf), IpipEncapsulator.OVERHEAD,
                inner.length, ip("10.0.2.2"), ip("10.0.3.10"), 64, 0);
        assertEquals(0, outer);
        assertEquals(true, new Ipv4Flyweight().wrapForWrite(MemorySegment.ofArray(buf), 0).checksumValid());
        return buf;
    }

    /**
     * The number tshark prints for a "Good" checksum status, read from its own verbose output of the first
     * packet (so the test does not depend on the enum numbering of one Wireshark version).
     */
    static String goodStatus(Path p) throws Exception {
        String verbose = run(p, "-c", "1", "-V");
        assertEquals(true, verbose.contains("[Header checksum status: Good]"), verbose);
        String status = fields(p, "ip.checksum.status").get(0);
        return status.split(",")[0];
    }

    static List<String> fields(Path p, String... names) throws Exception {
        List<String> args = new ArrayList<>(List.of("-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                "-E", "aggregator=,"));
        for (String name : names) {
            args.add("-e");
            args.add(name);
        }
        return run(p, args.toArray(String[]::new)).lines().toList();
    }

    static String run(Path p, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(tshark, "-n", "-r", p.toString()));
        command.addAll(List.of(CHECKSUM_OPTIONS));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(PcapTest.DIR, "tshark", ".err");
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("tshark did not finish within 60 s: " + command);
        }
        assertEquals(0, process.exitValue(), command + " failed: " + Files.readString(err));
        Files.delete(err);
        return out;
    }
}
