package io.dsrgw.encap.pcap;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.testing.TestPackets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcapTest {
    static final Path DIR = Path.of("target", "test-pcaps");

    static Path file(String name) throws IOException {
        Files.createDirectories(DIR);
        return DIR.resolve(name);
    }

    private static byte[] bytes(PcapRecord rec) {
        return Arrays.copyOf(rec.data().toArray(ValueLayout.JAVA_BYTE), rec.capturedLength());
    }

    @Test
    void shouldWriteTheGoldenLittleEndianMicrosecondFile() throws IOException {
        Path p = file("golden-le-micro.pcap");
        byte[] packet = TestPackets.pattern(40);
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, false)) {
            w.write(1_500_000_999L, MemorySegment.ofArray(packet), 0, 40); // 1.500000999 s -> 1 s 500000 us
        }
        byte[] expected = hex(
                "d4c3b2a1 0200 0400 00000000 00000000 00000400 65000000" // magic LE, 2.4, zone, sigfigs, 262144, 101
                + " 01000000 20a10700 28000000 28000000"); // 1 s, 500000 us (0x7a120), 40, 40
        byte[] actual = Files.readAllBytes(p);
        assertArrayEquals(expected, Arrays.copyOf(actual, 40));
        assertArrayEquals(packet, Arrays.copyOfRange(actual, 40, 80));
        assertEquals(80, actual.length);
    }

    @Test
    void shouldWriteTheGoldenBigEndianNanosecondFile() throws IOException {
        Path p = file("golden-be-nano.pcap");
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, true, 1500, ByteOrder.BIG_ENDIAN)) {
            w.write(2_000_000_123L, MemorySegment.ofArray(new byte[60]), 0, 60);
        }
        byte[] expected = hex("a1b23c4d 0002 0004 00000000 00000000 000005dc 00000001"
                + " 00000002 0000007b 0000003c 0000003c");
        assertArrayEquals(expected, Arrays.copyOf(Files.readAllBytes(p), 40));
    }

    @ParameterizedTest(name = "{0} nanos={1}")
    @CsvSource({"BIG_ENDIAN,false", "BIG_ENDIAN,true", "LITTLE_ENDIAN,false", "LITTLE_ENDIAN,true"})
    void shouldReadBackWhatItWroteInEveryByteOrderAndPrecision(String orderName, boolean nanos) throws IOException {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Path p = file("roundtrip-" + orderName + "-" + nanos + ".pcap");
        List<byte[]> packets = List.of(
                TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 1000, 80, 2, 0),
                TestPackets.udpPacket("192.0.2.2", "10.100.0.1", 1001, 53, 100),
                TestPackets.tcpPacket("192.0.2.3", "10.100.0.1", 1002, 443, 0x18, 9000), // grows the buffer
                TestPackets.icmpEchoPacket("192.0.2.4", "10.100.0.1", 7, 1, 56));
        long[] stamps = {1_700_000_000_123_456_789L, 1_700_000_001_000_000_000L, 0L, 4_000_000_000_999_999_999L};
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, nanos, PcapWriter.DEFAULT_SNAP_LENGTH, order)) {
            byte[] buf = new byte[20000];
            for (int i = 0; i < packets.size(); i++) {
                byte[] packet = packets.get(i);
                System.arraycopy(packet, 0, buf, 100, packet.length);
                w.write(stamps[i], MemorySegment.ofArray(buf), 100, packet.length);
            }
            assertEquals(4, w.recordCount());
        }
        try (PcapReader r = PcapReader.open(p)) {
            assertEquals(LinkType.RAW, r.linkType());
            assertEquals(nanos, r.nanos());
            assertEquals(order, r.byteOrder());
            assertEquals(PcapWriter.DEFAULT_SNAP_LENGTH, r.snapLength());
            PcapRecord rec = new PcapRecord();
            for (int i = 0; i < packets.size(); i++) {
                assertTrue(r.next(rec), "record " + (i + 1));
                long expectedStamp = nanos ? stamps[i] : stamps[i] / 1000 * 1000;
                assertEquals(expectedStamp, rec.timestampNanos());
                assertArrayEquals(packets.get(i), bytes(rec));
                assertEquals(packets.get(i).length, rec.originalLength());
                assertEquals(0, rec.ipOffset());
                assertEquals(packets.get(i).length, rec.ipLength());
            }
            assertFalse(r.next(rec));
            assertFalse(r.next(rec), "EOF is sticky");
            assertEquals(4, r.recordCount());
        }
    }

    @Test
    void shouldCutRecordsToTheSnapLengthAndKeepTheOriginalLength() throws IOException {
        Path p = file("snaplen.pcap");
        byte[] packet = TestPackets.udpPacket("192.0.2.2", "10.100.0.1", 1001, 53, 72);
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, false, 64, ByteOrder.LITTLE_ENDIAN)) {
            w.write(0, MemorySegment.ofArray(packet), 0, packet.length);
        }
        try (PcapReader r = PcapReader.open(p)) {
            PcapRecord rec = new PcapRecord();
            assertTrue(r.next(rec));
            assertEquals(64, rec.capturedLength());
            assertEquals(100, rec.originalLength());
            assertArrayEquals(Arrays.copyOf(packet, 64), bytes(rec));
        }
    }

    @Test
    void shouldLocateTheIpHeaderInEthernetFramesWithAndWithoutAVlanTag() throws IOException {
        Path p = file("ethernet.pcap");
        byte[] ip = TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 1000, 80, 2, 0);
        String macs = "02000000000102000000000200"; // dst 02:00:00:00:00:01, src 02:00:00:00:00:02 (12 bytes)
        macs = macs.substring(0, 24);
        byte[] plain = concat(hex(macs + "0800"), ip);
        byte[] tagged = concat(hex(macs + "8100 0064 0800"), ip); // VLAN 100
        byte[] ipv6 = concat(hex(macs + "86dd"), new byte[40]);
        byte[] arp = concat(hex(macs + "0806"), new byte[28]);
        byte[] runt = new byte[10];
        byte[] taggedRunt = hex(macs + "8100 00");
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false)) {
            for (byte[] frame : List.of(plain, tagged, ipv6, arp, runt, taggedRunt)) {
                w.write(0, MemorySegment.ofArray(frame), 0, frame.length);
            }
        }
        try (PcapReader r = PcapReader.open(p)) {
            assertEquals(LinkType.ETHERNET, r.linkType());
            PcapRecord rec = new PcapRecord();
            long[] offsets = {14, 18, 14, -1, -1, -1};
            for (long expected : offsets) {
                assertTrue(r.next(rec));
                assertEquals(expected, rec.ipOffset());
                assertEquals(expected < 0 ? 0 : rec.capturedLength() - expected, rec.ipLength());
            }
            assertFalse(r.next(rec));
        }
    }

    @Test
    void shouldRejectABadMagicNumberNamingIt() throws IOException {
        Path p = file("bad-magic.pcap");
        Files.write(p, hex("12345678 0200 0400 00000000 00000000 00000400 65000000"));
        IOException e = assertThrows(IOException.class, () -> PcapReader.open(p));
        assertEquals(p + ": bad magic 0x12345678 (expected: pcap magic a1b2c3d4 or a1b23c4d, either byte order)",
                e.getMessage());
    }

    @Test
    void shouldNamePcapngFilesAsSuch() throws IOException {
        Path p = file("ng.pcap");
        Files.write(p, hex("0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000"));
        IOException e = assertThrows(IOException.class, () -> PcapReader.open(p));
        assertTrue(e.getMessage()
                        .endsWith(": is a pcapng file (expected: libpcap format; convert with editcap -F pcap)"),
                e.getMessage());
    }

    @Test
    void shouldSayWhyAFileCannotBeOpenedOrCreated() throws IOException {
        Path missing = file("does-not-exist.pcap");
        assertEquals(missing + ": no such file",
                assertThrows(IOException.class, () -> PcapReader.open(missing)).getMessage());
        Path noDir = DIR.resolve("no-such-dir").resolve("out.pcap");
        assertEquals(noDir + ": cannot create (no such directory: " + noDir.toAbsolutePath().getParent() + ")",
                assertThrows(IOException.class, () -> PcapWriter.create(noDir, LinkType.RAW, false)).getMessage());
    }

    @Test
    void shouldRejectATruncatedGlobalHeader() throws IOException {
        Path p = file("short-global.pcap");
        Files.write(p, hex("d4c3b2a1 0200 0400 0000"));
        IOException e = assertThrows(IOException.class, () -> PcapReader.open(p));
        assertEquals(p + ": truncated pcap global header (10 of 24 bytes)", e.getMessage());
    }

    @Test
    void shouldRejectUnsupportedVersionsAndLinkTypes() throws IOException {
        Path v3 = file("v3.pcap");
        Files.write(v3, hex("d4c3b2a1 0300 0000 00000000 00000000 00000400 65000000"));
        assertEquals(v3 + ": unsupported pcap version 3.0 (expected: 2.x)",
                assertThrows(IOException.class, () -> PcapReader.open(v3)).getMessage());
        Path wifi = file("linktype-105.pcap");
        Files.write(wifi, hex("d4c3b2a1 0200 0400 00000000 00000000 00000400 69000000"));
        assertEquals(wifi + ": unsupported link type 105 (expected: 1 ETHERNET, 101 RAW, 228 IPV4 or 229 IPV6)",
                assertThrows(IOException.class, () -> PcapReader.open(wifi)).getMessage());
    }

    @Test
    void shouldRejectATruncatedRecordHeaderWithItsPosition() throws IOException {
        Path p = twoRecordsThenCut("cut-header.pcap", 7);
        IOException e = readAll(p);
        // global 24 + record 1 (16 + 40) = 80: record 2 starts at byte 80
        assertEquals(p + ": record 2 at byte 80: truncated record header (7 of 16 bytes)", e.getMessage());
    }

    @Test
    void shouldRejectATruncatedRecordWithItsPosition() throws IOException {
        Path p = twoRecordsThenCut("cut-record.pcap", 16 + 25);
        IOException e = readAll(p);
        assertEquals(p + ": record 2 at byte 80: truncated record (25 of 40 captured bytes)", e.getMessage());
    }

    @Test
    void shouldRejectImpossibleRecordLengths() throws IOException {
        Path over = file("over-original.pcap");
        Files.write(over, concat(hex("d4c3b2a1 0200 0400 00000000 00000000 00000400 65000000"),
                hex("00000000 00000000 28000000 14000000"), new byte[40]));
        assertEquals(over + ": record 1 at byte 24: captured length 40 (expected: at most the original length 20)",
                readAll(over).getMessage());
        Path huge = file("huge.pcap");
        Files.write(huge, concat(hex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 65000000"),
                hex("00000000 00000000 00000001 00000001")));
        assertEquals(huge + ": record 1 at byte 24: captured length 16777216 (expected: at most 65535, the snap"
                + " length)", readAll(huge).getMessage());
    }

    @Test
    void shouldRejectARecordLengthOfTwoGibibytesWithAPreciseErrorInsteadOfAnIndexError() throws IOException {
        // issue 14: snap length 0xffffffff let a captured length of 0x80000000 through, which overflowed an int
        Path p = file("two-gib.pcap");
        Files.write(p, concat(hex("d4c3b2a1 0200 0400 00000000 00000000 ffffffff 65000000"),
                hex("00000000 00000000 00000080 00000080"), new byte[64]));
        assertEquals(p + ": record 1 at byte 24: captured length 2147483648 (expected: at most 262144, the snap"
                + " length 4294967295 capped at 262144)", readAll(p).getMessage());
    }

    @Test
    void shouldBoundARecordByTheBytesLeftInTheFileBeforeAllocatingForIt() throws IOException {
        // issue 14: a 40-byte file claiming a huge record made the reader allocate for it before seeing the end
        Path p = file("claims-more.pcap");
        Files.write(p, concat(hex("d4c3b2a1 0200 0400 00000000 00000000 00000400 65000000"),
                hex("00000000 00000000 00f00300 00f00300")));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (PcapReader r = PcapReader.open(p)) {
            long before = threads.getCurrentThreadAllocatedBytes();
            IOException e = assertThrows(IOException.class, () -> r.next(new PcapRecord()));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(p + ": record 1 at byte 24: truncated record (0 of 258048 captured bytes)", e.getMessage());
            assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for a record that is not there");
        }
    }

    @Test
    void shouldReturnNoRecordForAnEmptyCapture() throws IOException {
        Path p = file("empty.pcap");
        PcapWriter.create(p, LinkType.IPV4, true).close();
        try (PcapReader r = PcapReader.open(p)) {
            assertEquals(LinkType.IPV4, r.linkType());
            assertFalse(r.next(new PcapRecord()));
        }
    }

    private static Path twoRecordsThenCut(String name, int keepOfSecond) throws IOException {
        Path p = file(name);
        try (PcapWriter w = PcapWriter.create(p, LinkType.RAW, false)) {
            byte[] packet = TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 1000, 80, 2, 0);
            w.write(0, MemorySegment.ofArray(packet), 0, packet.length);
            w.write(0, MemorySegment.ofArray(packet), 0, packet.length);
        }
        byte[] all = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(all, 80 + keepOfSecond));
        return p;
    }

    private static IOException readAll(Path p) {
        return assertThrows(IOException.class, () -> {
            try (PcapReader r = PcapReader.open(p)) {
                PcapRecord rec = new PcapRecord();
                List<Integer> lengths = new ArrayList<>();
                while (r.next(rec)) {
                    lengths.add(rec.capturedLength());
                }
            }
        });
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] part : parts) {
            n += part.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
