package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.testing.FixtureTable;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FixtureTablesPipelineTest;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.dsrgw.gateway.dataplane.FixtureTablesPipelineTest.greKey;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Katran's testing mode for dsrgw: every case of every golden-packet table of the encap module runs through the
 * loaded XDP program ({@code BPF_PROG_TEST_RUN}, in an Ethernet frame, ingress {@code veth0} of a test namespace
 * where {@code bpf_fib_lookup} resolves the fixture backends) AND through the Java {@link PacketPipeline}, with the
 * same snapshot published to the program (built as {@code FixtureTablesPipelineTest} builds it for that table).
 * <ul>
 *   <li>XDP_TX: the Java pipeline forwarded the packet, and the program's frame is the Java packet byte for byte
 *       (outer IPv4 identification and header checksum masked; the program's checksum is verified on its own)
 *       behind an Ethernet header from the neighbour entry (destination) and veth0 (source);</li>
 *   <li>XDP_PASS: exactly one pass counter moved, and it is one of the reasons {@link #ALLOWED_PASS} allows for the
 *       Java verdict: the program hands the slow path only what the slow path does something else with than a plain
 *       forward the program could have done (ICMP answers, fragments, too-big, drops, GRE checksums ...);</li>
 *   <li>nothing else (no DROP, no REDIRECT: one interface).</li>
 * </ul>
 * Every tunnel-kinds encapsulate case without GRE checksum must be XDP_TX, so passing everything cannot pass.
 */
class XdpFixtureTablesTest {

    /**
     * Packets the program never looks into beyond the header that makes them the slow path's, whatever the slow
     * path then does with them (forward, answer, fragment, drop): IPv4 options, IPv6 extension headers, fragments,
     * ICMP. The program checks these first, so they are the reason whenever they apply.
     */
    static final Set<String> SLOW_PATH_SHAPES = Set.of("pass_ip_options", "pass_ipv6_ext_header", "pass_fragment",
            "pass_icmp");

    /**
     * For each Java verdict, the pass reasons of the program that are right: the slow path answers, fragments,
     * drops or forwards something the fast path must not handle itself. A verdict missing here allows no PASS.
     */
    static final Map<CounterSet, Set<String>> ALLOWED_PASS = Map.ofEntries(
            // forwarded by Java, but the slow path's by design; or a VIP with GRE-checksum backends (pass_all)
            Map.entry(CounterSet.TX_PACKETS, with("pass_vip_slow_path")),
            // too big once encapsulated: Java fragments (IPv4 without DF) or answers ICMP too-big
            Map.entry(CounterSet.TX_FRAGMENTS, with("pass_too_big")),
            Map.entry(CounterSet.TX_ICMP_TOO_BIG, with("pass_too_big")),
            Map.entry(CounterSet.DROP_TOO_BIG, with("pass_too_big")),
            Map.entry(CounterSet.DROP_TOO_BIG_RATE_LIMITED, with("pass_too_big")),
            // ICMP answered or forwarded by Java
            Map.entry(CounterSet.TX_ECHO_REPLY, with()),
            Map.entry(CounterSet.DROP_ECHO_RATE_LIMITED, with()),
            Map.entry(CounterSet.FWD_ICMP_ERROR, with()),
            // drops are the slow path's decision; the program passes what it cannot parse or classify
            Map.entry(CounterSet.DROP_MALFORMED, with("pass_malformed", "pass_non_ip", "pass_other_proto")),
            Map.entry(CounterSet.DROP_NOT_VIP, with("pass_not_vip", "pass_other_proto")),
            Map.entry(CounterSet.DROP_UNSUPPORTED, with("pass_other_proto")),
            Map.entry(CounterSet.DROP_UNSUPPORTED_EXT_HEADER, with()),
            Map.entry(CounterSet.DROP_NO_BACKEND, with("pass_no_backend")),
            // issue 14: ICMP the slow path drops (a foreign quote, a source no client can have)
            Map.entry(CounterSet.DROP_ICMP_QUOTE_MISMATCH, with()),
            Map.entry(CounterSet.DROP_SOURCE_MARTIAN, with()),
            Map.entry(CounterSet.DROP_SOURCE_OWN, with()),
            Map.entry(CounterSet.DROP_SOURCE_DENIED, with()));

    private static Set<String> with(String... more) {
        Set<String> s = new java.util.HashSet<>(SLOW_PATH_SHAPES);
        s.addAll(List.of(more));
        return Set.copyOf(s);
    }

    static XdpTestbed testbed;
    static XdpDataPlane plane;
    /** "java verdict -> xdp verdict [reason]" -> cases, printed at the end (what the fast path took). */
    static final Map<String, Integer> OUTCOMES = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-fixtures");
        plane = XdpDataPlane.load(4096, io.dsrgw.gateway.dataplane.FlowTimeouts.DEFAULT, 251, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        OUTCOMES.forEach((k, v) -> System.out.println("XdpFixtureTablesTest: " + v + " x " + k));
        XdpTestbed.close(plane, testbed);
    }

    /** Java's answer for one packet. */
    record JavaRun(CounterSet verdict, List<byte[]> packets) {
    }

    /**
     * The snapshot of FixtureTablesPipelineTest (the fixture VIPs, each with one backend of {@code kind}'s family) with
     * its default too-big rate.
     */
    static ForwardingSnapshot snapshot(TunnelKind kind, Long greKey, boolean greChecksum, int ttl, int tunnelMtu,
                                       EchoMode echo) {
        return FixtureTablesPipelineTest.snapshot(kind, greKey, greChecksum, ttl, tunnelMtu, echo, 100);
    }

    /** The snapshot FixtureTablesPipelineTest uses for case {@code c} of its table. */
    static ForwardingSnapshot snapshotFor(FixtureTable.Case c) {
        boolean v6 = (c.input()[0] & 0xf0) == 0x60;
        return switch (c.table()) {
            case "tunnel-kinds" -> c.op().equals("encapsulate") ? FixtureTablesPipelineTest.snapshotFor(c)
                    : snapshot(TunnelKind.IPIP, null, false, 64, 1500, EchoMode.ANSWER);
            case "icmp-too-big" -> {
                TunnelKind kind = v6 ? TunnelKind.IP6GRE : TunnelKind.GRE;
                yield snapshot(kind, null, false, (int) c.configNumber("ttl"),
                        (int) c.configNumber("mtu") + kind.overheadBytes(), EchoMode.FORWARD);
            }
            case "echo" -> snapshot(TunnelKind.IPIP, null, false, (int) c.configNumber("ttl"), 1500, EchoMode.ANSWER);
            case "fragments" -> snapshot(TunnelKind.IP6TNL, null, false, 64, c.op().equals("fragment")
                    ? Math.max(576, (int) c.configNumber("mtu") + 40) : 1500, EchoMode.ANSWER);
            case "icmp-error-flow" -> snapshot(TunnelKind.GRE, null, false, 64, 1500, EchoMode.DROP);
            case "ipv6-extension-headers" -> snapshot(TunnelKind.IP6GRE, null, false, 64, 1500, EchoMode.ANSWER);
            case "l2-dsr" -> snapshot(TunnelKind.NONE, null, false, 64, 1500, EchoMode.ANSWER);
            default -> throw new IllegalArgumentException("table " + c.table() + " (expected: one of "
                    + FixtureTable.TABLES + ")");
        };
    }

    static JavaRun java(ForwardingSnapshot snapshot, byte[] packet) {
        PacketPipeline pipeline = new PacketPipeline(snapshot, new WorkerCounters());
        pipeline.beginBatch(0);
        List<byte[]> packets = new ArrayList<>();
        TxSink sink = new TxSink() {
            @Override
            public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
                packets.add(seg.asSlice(offset, length).toArray(JAVA_BYTE));
                return true;
            }

            @Override
            public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
                packets.add(seg.asSlice(offset, length).toArray(JAVA_BYTE));
                return true;
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            return new JavaRun(pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length, sink), packets);
        }
    }

    static List<FixtureTable.Case> allCases() {
        List<FixtureTable.Case> all = new ArrayList<>();
        for (String table : FixtureTable.TABLES) {
            all.addAll(FixtureTable.load(table));
        }
        return all;
    }

    @TestFactory
    Stream<DynamicTest> shouldGiveTheJavaPipelinesAnswerForEveryFixtureCase() {
        List<FixtureTable.Case> cases = allCases();
        assertTrue(cases.size() >= 130, "fixture cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> check(c)));
    }

    private static void check(FixtureTable.Case c) throws Exception {
        ForwardingSnapshot s = snapshotFor(c);
        plane.publish(s);
        // l2-dsr: Ethernet padding behind the IP packet (a minimum frame), which neither path may send on
        byte[] input = c.table().equals("l2-dsr")
                ? Arrays.copyOf(c.input(), c.input().length + (int) c.configNumber("eth-padding")) : c.input();
        JavaRun j = java(s, input);
        XdpCounters before = plane.counters();
        XdpTestbed.Result x = testbed.run(plane.program(), testbed.frame(input));
        XdpCounters delta = plane.counters().minus(before);
        assertEquals(1, delta.value("rx"), "rx");
        String where = c + ": java " + j.verdict() + ", xdp " + x.verdictName() + " " + moved(delta);
        boolean mustForward = c.table().equals("tunnel-kinds") && c.op().equals("encapsulate")
                && c.verdict().equals("ok") && !Boolean.parseBoolean(c.config("gre-checksum"))
                || c.table().equals("l2-dsr") && !slowPathShape(c.input());
        if (mustForward) {
            assertEquals(BpfProgram.XDP_TX, x.verdict(), where + ": a plain encapsulation is the fast path's");
        }
        OUTCOMES.merge(j.verdict() + " -> " + x.verdictName() + " " + moved(delta), 1, Integer::sum);
        switch (x.verdict()) {
            case BpfProgram.XDP_TX -> {
                assertEquals(CounterSet.TX_PACKETS, j.verdict(), where);
                assertEquals(1, delta.value("tx"), where);
                assertEquals(1, j.packets().size(), where);
                assertSameOuterPacket(where, j.packets().getFirst(), x.out());
                if (c.table().equals("l2-dsr")) {
                    // the Java packet is compared above; the table's bytes themselves, too (padding cut)
                    assertEquals(HexFormat.of().formatHex(c.outputs().getFirst()),
                            HexFormat.of().formatHex(Arrays.copyOfRange(x.out(), 14, x.out().length)), where);
                }
            }
            case BpfProgram.XDP_PASS -> {
                List<String> reasons = delta.values().entrySet().stream()
                        .filter(e -> e.getKey().startsWith("pass_") && e.getValue() != 0).map(Map.Entry::getKey)
                        .toList();
                assertEquals(1, reasons.size(), where + ": exactly one pass reason");
                Set<String> allowed = ALLOWED_PASS.getOrDefault(j.verdict(), Set.of());
                assertTrue(allowed.contains(reasons.getFirst()), where + ": allowed for " + j.verdict() + ": "
                        + allowed);
                assertEquals(HexFormat.of().formatHex(testbed.frame(input)), HexFormat.of().formatHex(x.out()),
                        where + ": a passed frame is untouched");
            }
            case BpfProgram.XDP_DROP -> {
                // issue 14: only a source no client can have, with the same reason as the slow path
                assertTrue(j.verdict().id().startsWith("drop_source_"), where);
                assertEquals(1, delta.value(j.verdict().id()), where);
            }
            default -> fail(where + ": the program only returns XDP_TX here (one interface), XDP_PASS or XDP_DROP");
        }
    }

    /** IPv4 options or an IPv6 extension header: the slow path's by design ({@link #SLOW_PATH_SHAPES}). */
    private static boolean slowPathShape(byte[] packet) {
        return (packet[0] & 0xf0) == 0x40 ? (packet[0] & 0x0f) != 5 : packet[6] != 6 && packet[6] != 17;
    }

    private static String moved(XdpCounters delta) {
        return delta.values().entrySet().stream().filter(e -> e.getValue() != 0 && !e.getKey().equals("rx"))
                .map(Map.Entry::getKey).collect(Collectors.joining(",", "[", "]"));
    }

    /** The frame is Ethernet (neighbour MAC, veth0's MAC) + the Java packet with IPv4 id/checksum masked. */
    static void assertSameOuterPacket(String where, byte[] javaPacket, byte[] frame) {
        boolean v4 = (javaPacket[0] & 0xf0) == 0x40;
        byte[] expectedEth = new byte[14];
        System.arraycopy(XdpTestbed.mac(v4 ? XdpTestbed.MAC_BACKEND4 : XdpTestbed.MAC_BACKEND6), 0, expectedEth, 0, 6);
        System.arraycopy(testbed.mac(), 0, expectedEth, 6, 6);
        expectedEth[12] = (byte) (v4 ? 0x08 : 0x86);
        expectedEth[13] = (byte) (v4 ? 0x00 : 0xdd);
        HexFormat hex = HexFormat.of();
        assertEquals(hex.formatHex(expectedEth), hex.formatHex(Arrays.copyOf(frame, 14)), where + ": Ethernet header");
        byte[] outer = Arrays.copyOfRange(frame, 14, frame.length);
        if (v4) {
            assertEquals(0, ipv4HeaderChecksum(outer), where + ": the program's outer IPv4 header checksum");
        }
        assertEquals(hex.formatHex(maskIpv4IdAndChecksum(javaPacket)), hex.formatHex(maskIpv4IdAndChecksum(outer)),
                where + ": outer packet (IPv4 id and checksum masked)");
    }

    /** One's complement sum over a 20-byte IPv4 header including its checksum: 0 when the checksum is right. */
    static int ipv4HeaderChecksum(byte[] p) {
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (p[i] & 0xff) << 8 | (p[i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static byte[] maskIpv4IdAndChecksum(byte[] p) {
        byte[] copy = p.clone();
        if ((copy[0] & 0xf0) == 0x40) {
            copy[4] = 0;
            copy[5] = 0;
            copy[10] = 0;
            copy[11] = 0;
        }
        return copy;
    }
}
