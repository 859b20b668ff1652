package io.dsrgw.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.icmp.IcmpBuilder;
import io.dsrgw.encap.icmp.Ipv4Fragmenter;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.FixtureTable;
import io.dsrgw.encap.testing.FixtureTable.Case;
import io.dsrgw.encap.testing.TestPackets;
import io.dsrgw.encap.tunnel.DecapResult;
import io.dsrgw.encap.tunnel.TunnelDecapsulator;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the encap part of every golden-packet table (src/test/resources/fixtures): each case's op on its input,
 * compared with the expected verdict and output bytes. Inputs sit behind headroom with guard bytes around, so
 * writing outside the packet would show.
 */
class FixtureTablesTest {
    private static final int HEADROOM = 64;
    private static final byte GUARD = (byte) 0xa5;

    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();
    private final TunnelDecapsulator decapsulator = new TunnelDecapsulator();
    private final DecapResult result = new DecapResult();
    private final Ipv4Flyweight ip4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ip6 = new Ipv6Flyweight();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowKey key = new FlowKey();

    @TestFactory
    Stream<DynamicTest> shouldMatchEveryGoldenCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String table : FixtureTable.TABLES) {
            for (Case c : FixtureTable.load(table)) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> run(c)));
            }
        }
        return tests.stream();
    }

    @Test
    void shouldHaveCasesForEveryFeatureAndEveryTunnelKind() {
        for (String table : FixtureTable.TABLES) {
            assertTrue(FixtureTable.load(table).size() >= 5, table);
        }
        List<Case> tunnels = FixtureTable.load("tunnel-kinds");
        for (TunnelKind kind : TunnelKind.values()) {
            if (kind == TunnelKind.NONE) {
                continue; // L2 DSR: no encapsulation (LinkLayerSpecTest)
            }
            assertTrue(tunnels.stream().anyMatch(c -> c.op().equals("encapsulate") && c.config("kind").equals(kind.id())
                    && c.verdict().equals("ok")), kind.id());
        }
    }

    @Test
    void shouldParseTheFormatAndNameTheLineOfAMistake() {
        List<Case> cases = FixtureTable.parse("t", "# comment\n\ncase: one\nconfig: op=x a=0x10\ninput: 4500\n  0014\n"
                + "verdict: ok\noutput: 01\noutput: 02\nkey: tcp a -> b\n\n\ncase: two\ninput:\nverdict: OK\n");
        assertEquals(2, cases.size());
        Case one = cases.get(0);
        assertEquals("t.txt:3 one", one.toString());
        assertEquals(16, one.configNumber("a"));
        assertArrayEquals(TestPackets.hex("45000014"), one.input());
        assertEquals(2, one.outputs().size());
        assertEquals("tcp a -> b", one.field("key"));
        assertEquals(0, cases.get(1).input().length);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> one.config("mtu"));
        assertEquals("t.txt:3 one: no config 'mtu' (expected in: {op=x, a=0x10})", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FixtureTable.parse("t", "case: x\nconfig: op\ninput: 00\nverdict: ok\n"));
        assertEquals("t.txt:1: config 'op' (expected: key=value)", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FixtureTable.parse("t", "input: 00\nverdict: ok\n"));
        assertEquals("t.txt:1: a case starts with 'case:' (found: input)", e.getMessage());
    }

    @Test
    void shouldMaskOnlyThePerGatewayFieldsAndWriteInputsAsAPcap() throws Exception {
        byte[] v4 = FixtureTable.load("tunnel-kinds").get(0).outputs().get(0);
        byte[] masked = FixtureTable.maskPerGatewayFields(v4);
        assertEquals("45b900480000400040040000", TestPackets.hex(Arrays.copyOf(masked, 12)));
        assertArrayEquals(Arrays.copyOfRange(v4, 12, v4.length), Arrays.copyOfRange(masked, 12, masked.length));
        byte[] v6 = TestPackets.hex("6b9abcde00080440");
        assertEquals("6b90000000080440", TestPackets.hex(maskSix(v6)), "flow label zeroed, traffic class kept");
        java.nio.file.Path pcap = java.nio.file.Files.createTempFile("fixtures", ".pcap");
        try {
            List<Case> cases = FixtureTable.load("echo");
            FixtureTable.writeInputs(cases, pcap);
            try (io.dsrgw.encap.pcap.PcapReader r = io.dsrgw.encap.pcap.PcapReader.open(pcap)) {
                io.dsrgw.encap.pcap.PcapRecord rec = new io.dsrgw.encap.pcap.PcapRecord();
                int n = 0;
                while (r.next(rec)) {
                    assertEquals(cases.get(n++).input().length, rec.capturedLength());
                }
                assertEquals(cases.size(), n);
            }
        } finally {
            java.nio.file.Files.delete(pcap);
        }
    }

    /** A 40-byte IPv6 header with the first 8 bytes of {@code first}, masked. */
    private static byte[] maskSix(byte[] first) {
        byte[] header = Arrays.copyOf(first, 40);
        return Arrays.copyOf(FixtureTable.maskPerGatewayFields(header), 8);
    }

    private void run(Case c) {
        byte[] buf = new byte[HEADROOM + c.input().length + HEADROOM];
        Arrays.fill(buf, GUARD);
        System.arraycopy(c.input(), 0, buf, HEADROOM, c.input().length);
        MemorySegment seg = MemorySegment.ofArray(buf);
        int length = c.input().length;
        switch (c.op()) {
            case "encapsulate" -> {
                TunnelKind kind = TunnelKind.fromId(c.config("kind"));
                boolean keyed = !c.config("gre-key").equals("none");
                int greKey = keyed ? (int) c.configNumber("gre-key") : 0;
                boolean checksum = Boolean.parseBoolean(c.config("gre-checksum"));
                int ttl = (int) c.configNumber("ttl");
                TunnelSpec spec = kind.outerFamily() == 4
                        ? TunnelSpec.ipv4Outer(kind, Ipv4Addresses.parse(c.config("outer-src")),
                                Ipv4Addresses.parse(c.config("outer-dst")), ttl, keyed, greKey, checksum)
                        : TunnelSpec.ipv6Outer(kind, v6(c.config("outer-src"))[0], v6(c.config("outer-src"))[1],
                                v6(c.config("outer-dst"))[0], v6(c.config("outer-dst"))[1], ttl, keyed, greKey,
                                checksum);
                int udpSource = 0;
                if (kind.isGue()) {
                    String[] range = c.config("gue-source-ports").split("-");
                    spec = spec.withGuePorts((int) c.configNumber("gue-port"), Integer.parseInt(range[0]),
                            Integer.parseInt(range[1]));
                    // the generator's own SipHash over the inner flow must be the Java FlowHash's number ...
                    ip4.wrap(seg, HEADROOM, length);
                    ip6.wrap(seg, HEADROOM, length);
                    assertEquals(PacketError.OK, (c.input()[0] & 0xf0) == 0x40 ? extractor.extract(ip4, key)
                            : extractor.extract(ip6, key), c.toString());
                    long hash = FlowHash.fromSeed(c.config("seed")).hash(key);
                    assertEquals(c.configNumber("flow-hash"), hash, c + ": flow hash");
                    // ... and the spec must map it to the generator's source port
                    udpSource = spec.gueSourcePort(hash);
                    assertEquals(c.configNumber("udp-src"), udpSource, c + ": outer UDP source port");
                }
                long outer = encapsulator.encapsulate(seg, HEADROOM, length, c.input()[0] >> 4 & 0xf, spec,
                        (int) c.configNumber("ip-id"), (int) c.configNumber("flow-label"), udpSource);
                if (c.verdict().equals("refused")) {
                    assertEquals(-1, outer, c.toString());
                    assertArrayEquals(guarded(c.input()), buf, "nothing written");
                    return;
                }
                assertEquals(HEADROOM - spec.overheadBytes(), outer, c.toString());
                assertPacket(c, c.outputs().get(0), buf, (int) outer);
            }
            case "decapsulate-ipv4", "decapsulate-ipv6" -> {
                PacketError error;
                if (c.op().equals("decapsulate-ipv4")) {
                    error = decapsulator.decapsulateIpv4(seg, HEADROOM, length, result);
                } else {
                    long[] source = v6(c.config("source"));
                    int nextHeader = (int) c.configNumber("next-header");
                    if (c.hasConfig("destination")) {
                        long[] destination = v6(c.config("destination"));
                        error = decapsulator.decapsulateIpv6Payload(seg, HEADROOM, length, nextHeader, source[0],
                                source[1], destination[0], destination[1], result);
                    } else {
                        error = decapsulator.decapsulateIpv6Payload(seg, HEADROOM, length, nextHeader, source[0],
                                source[1], result);
                    }
                }
                assertEquals(c.verdict(), error.name(), c.toString());
                if (error == PacketError.OK) {
                    byte[] inner = Arrays.copyOfRange(buf, (int) result.innerOffset(),
                            (int) result.innerOffset() + result.innerLength());
                    assertArrayEquals(c.outputs().get(0), inner, c.toString());
                    assertEquals(c.field("expect-kind"), result.kind().id());
                    assertEquals(c.op().equals("decapsulate-ipv4") ? 4 : 6, result.outerFamily());
                    String expectedKey = c.field("expect-gre-key");
                    assertEquals(!expectedKey.equals("none"), result.greKeyPresent(), c.toString());
                    if (result.greKeyPresent()) {
                        assertEquals(FixtureTable.parseNumber(expectedKey), result.greKey() & 0xffffffffL);
                    }
                    String udpDestination = c.field("expect-udp-dst");
                    assertEquals(udpDestination == null ? 0 : Integer.parseInt(udpDestination),
                            result.udpDestinationPort(), c.toString());
                }
            }
            case "parse-ipv6" -> {
                PacketError error = ip6.wrap(seg, HEADROOM, length);
                assertEquals(c.verdict(), error.name(), c.toString());
                if (error == PacketError.OK) {
                    assertEquals(Integer.parseInt(c.field("expect-upper")), ip6.upperProtocol(), c.toString());
                    assertEquals(Long.parseLong(c.field("expect-upper-offset")), ip6.upperOffset() - HEADROOM);
                    assertEquals(Boolean.parseBoolean(c.field("expect-walk-complete")), ip6.walkComplete());
                    assertEquals(Boolean.parseBoolean(c.field("expect-fragment")), ip6.isFragment());
                    assertEquals(length - (ip6.upperOffset() - HEADROOM), ip6.upperLength());
                    checkKey(c, extractor.extract(ip6, key));
                }
            }
            case "flow-key" -> {
                PacketError error = (c.input()[0] & 0xf0) == 0x40 ? ip4.wrap(seg, HEADROOM, length)
                        : ip6.wrap(seg, HEADROOM, length);
                assertEquals(c.verdict(), error.name(), c.toString());
                checkKey(c, (c.input()[0] & 0xf0) == 0x40 ? extractor.extract(ip4, key) : extractor.extract(ip6, key));
            }
            case "icmp-error-flow" -> {
                PacketError error;
                if ((c.input()[0] & 0xf0) == 0x40) {
                    assertEquals(PacketError.OK, ip4.wrap(seg, HEADROOM, length));
                    error = extractor.extractFromIcmpError(ip4, key);
                } else {
                    assertEquals(PacketError.OK, ip6.wrap(seg, HEADROOM, length));
                    error = extractor.extractFromIcmpv6Error(ip6, key);
                }
                assertEquals(c.verdict(), error.name(), c.toString());
                if (error == PacketError.OK) {
                    assertEquals(c.field("key"), key.toString(), c.toString());
                }
            }
            case "frag-needed", "packet-too-big" -> {
                byte[] out = new byte[2048];
                Arrays.fill(out, GUARD);
                MemorySegment outSeg = MemorySegment.ofArray(out);
                int mtu = (int) c.configNumber("mtu");
                int ttl = (int) c.configNumber("ttl");
                int n = c.op().equals("frag-needed")
                        ? IcmpBuilder.fragmentationNeeded(seg, HEADROOM, length, mtu, ttl, outSeg, 8)
                        : IcmpBuilder.packetTooBig(seg, HEADROOM, length, mtu, ttl, outSeg, 8);
                if (c.verdict().equals("refused")) {
                    assertEquals(-1, n, c.toString());
                    return;
                }
                assertArrayEquals(c.outputs().get(0), Arrays.copyOfRange(out, 8, 8 + n), c.toString());
                assertEquals(GUARD, out[8 + n]);
                assertEquals(GUARD, out[7]);
                // the same message built in place, overlapping the original (as the gateway may do)
                int overhead = c.op().equals("frag-needed") ? IcmpBuilder.IPV4_ERROR_HEADERS
                        : IcmpBuilder.IPV6_ERROR_HEADERS;
                int m = c.op().equals("frag-needed")
                        ? IcmpBuilder.fragmentationNeeded(seg, HEADROOM, length, mtu, ttl, seg, HEADROOM - overhead)
                        : IcmpBuilder.packetTooBig(seg, HEADROOM, length, mtu, ttl, seg, HEADROOM - overhead);
                assertEquals(n, m);
                assertArrayEquals(c.outputs().get(0), Arrays.copyOfRange(buf, HEADROOM - overhead,
                        HEADROOM - overhead + m), c.toString() + " (in place)");
            }
            case "echo-reply" -> {
                int ttl = (int) c.configNumber("ttl");
                int n = (c.input()[0] & 0xf0) == 0x40 ? IcmpBuilder.echoReplyIpv4InPlace(seg, HEADROOM, length, ttl)
                        : IcmpBuilder.echoReplyIpv6InPlace(seg, HEADROOM, length, ttl);
                if (c.verdict().equals("refused")) {
                    assertEquals(-1, n, c.toString());
                    assertArrayEquals(guarded(c.input()), buf, "nothing changed");
                    return;
                }
                assertPacket(c, c.outputs().get(0), buf, HEADROOM);
                assertEquals(c.outputs().get(0).length, n);
            }
            case "fragment" -> {
                MemorySegment[] dst = new MemorySegment[8];
                byte[][] arrays = new byte[8][];
                for (int i = 0; i < dst.length; i++) {
                    arrays[i] = new byte[1600];
                    Arrays.fill(arrays[i], GUARD);
                    dst[i] = MemorySegment.ofArray(arrays[i]);
                }
                int[] lengths = new int[8];
                int count = Ipv4Fragmenter.fragment(seg, HEADROOM, length, (int) c.configNumber("mtu"), dst, 4,
                        lengths);
                if (c.verdict().equals("refused")) {
                    assertEquals(-1, count, c.toString());
                    return;
                }
                assertEquals(c.outputs().size(), count, c.toString());
                for (int i = 0; i < count; i++) {
                    assertArrayEquals(c.outputs().get(i), Arrays.copyOfRange(arrays[i], 4, 4 + lengths[i]),
                            c + " fragment " + (i + 1));
                    assertEquals(GUARD, arrays[i][4 + lengths[i]]);
                }
            }
            case "forward-l2" -> {
                // L2 DSR has no encap operation: the spec adds nothing, the encapsulator refuses it and writes
                // nothing, so the packet the gateway hands to the backend's MAC is the input, byte for byte.
                int version = c.input()[0] >> 4 & 0xf;
                String backend = c.config("backend");
                TunnelSpec spec = backend.contains(":") ? TunnelSpec.noneIpv6(v6(backend)[0], v6(backend)[1])
                        : TunnelSpec.noneIpv4(Ipv4Addresses.parse(backend));
                assertEquals(TunnelKind.fromId(c.config("kind")), spec.kind(), c.toString());
                assertTrue(spec.linkLayer(), c.toString());
                assertEquals(0, spec.overheadBytes(), c.toString());
                assertEquals(version, spec.outerFamily(), c + ": the backend's family is the packet's");
                assertTrue(spec.acceptsInner(version), c.toString());
                assertEquals(-1, encapsulator.encapsulate(seg, HEADROOM, length, version, spec, 1, 1), c.toString());
                assertArrayEquals(guarded(c.input()), buf, c + ": nothing written");
                assertEquals(1, c.outputs().size(), c.toString());
                assertPacket(c, c.outputs().getFirst(), buf, HEADROOM);
                // the gateway keys it like any packet to the VIP
                PacketError error = version == 4 ? ip4.wrap(seg, HEADROOM, length) : ip6.wrap(seg, HEADROOM, length);
                assertEquals(PacketError.OK, error, c.toString());
                assertEquals(PacketError.OK, version == 4 ? extractor.extract(ip4, key) : extractor.extract(ip6, key),
                        c.toString());
            }
            default -> throw new IllegalArgumentException(c + ": unknown op " + c.op());
        }
    }

    private void checkKey(Case c, PacketError error) {
        String expected = c.field("key");
        if (expected == null || expected.equals("none")) {
            assertTrue(error != PacketError.OK || !ip6.walkComplete() || c.op().equals("flow-key"), c.toString());
            if (expected != null && c.op().equals("parse-ipv6")) {
                assertEquals(PacketError.UNSUPPORTED_EXTENSION_HEADER, error, c.toString());
            }
            return;
        }
        if (expected.matches("[A-Z_]+")) {
            assertEquals(expected, error.name(), c.toString());
            return;
        }
        assertEquals(PacketError.OK, error, c.toString());
        assertEquals(expected, key.toString(), c.toString());
    }

    /** Checks the packet bytes at {@code at} and that the guard bytes before and after are untouched. */
    private static void assertPacket(Case c, byte[] expected, byte[] buf, int at) {
        assertArrayEquals(TestPackets.hex(expected).getBytes(), TestPackets.hex(Arrays.copyOfRange(buf, at,
                at + expected.length)).getBytes(), c.toString());
        for (int i = 0; i < at; i++) {
            assertEquals(GUARD, buf[i], c + ": byte " + i + " before the packet was written");
        }
        // an in-place reply may be shorter than its request (options removed): the request's tail may remain
        for (int i = Math.max(at + expected.length, HEADROOM + c.input().length); i < buf.length; i++) {
            assertEquals(GUARD, buf[i], c + ": byte " + i + " after the packet was written");
        }
    }

    private static byte[] guarded(byte[] input) {
        byte[] b = new byte[HEADROOM + input.length + HEADROOM];
        Arrays.fill(b, GUARD);
        System.arraycopy(input, 0, b, HEADROOM, input.length);
        return b;
    }

    private static long[] v6(String text) {
        return Ipv6Addresses.parse(text);
    }
}
