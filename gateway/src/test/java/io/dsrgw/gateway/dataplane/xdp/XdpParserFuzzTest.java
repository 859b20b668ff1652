package io.dsrgw.gateway.dataplane.xdp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.FuzzModel;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the XDP program's parser through {@code BPF_PROG_TEST_RUN}, against the Java pipeline
 * on the same snapshot ({@link FuzzModel}; one fuzz byte picks the profile, published to the program when it
 * changes, the rest is the IP packet in an Ethernet frame to {@code veth0} of a test namespace):
 * <ul>
 *   <li>the Java answer satisfies {@link FuzzModel#check} (as in {@code PipelineFuzzTest});</li>
 *   <li>the program counts the frame once in {@code rx};</li>
 *   <li>XDP_TX / XDP_REDIRECT: Java forwarded it (tx_packets) and the frame is Java's outer packet byte for byte
 *       (outer IPv4 identification and header checksum masked; the program's checksum verified on its own) behind
 *       an Ethernet header to the backend's next hop;</li>
 *   <li>XDP_PASS: the frame is untouched and exactly one pass reason moved; when Java sends something, one that
 *       {@link XdpFixtureTablesTest#ALLOWED_PASS} allows for Java's verdict (the slow path does something else
 *       with it than a plain forward the program could have done); when Java drops it, any (the slow path drops
 *       it, whichever check of the program gave up first); {@code pass_vip_slow_path} always (the program leaves
 *       such a VIP, with GRE-checksum backends, wholly to the slow path);</li>
 *   <li>XDP_DROP: Java drops it too; XDP_ABORTED never.</li>
 * </ul>
 * The program's flow entries expire after a nanosecond, so each packet meets a fresh table (Maglev's answer), like
 * the Java pipeline without a flow table: no verdict depends on earlier inputs. Needs root and BPF: skipped (with
 * the reason) otherwise.
 */
class XdpParserFuzzTest {
    static final FlowTimeouts EXPIRE_AT_ONCE = new FlowTimeouts(Duration.ofNanos(1), Duration.ofNanos(1),
            Duration.ofNanos(1), Duration.ofNanos(1), Duration.ofNanos(1));

    static XdpTestbed testbed;
    static XdpDataPlane plane;
    static ForwardingSnapshot published;
    static final Map<String, Long> OUTCOMES = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-fuzz");
        plane = XdpDataPlane.load(4096, EXPIRE_AT_ONCE, 251, 16);
    }

    @AfterAll
    static void tearDown() throws Exception {
        OUTCOMES.forEach((k, v) -> System.out.println("XdpParserFuzzTest: " + v + " x " + k));
        if (!FuzzModel.TOLERATED_COUNTS.isEmpty()) {
            System.out.println("XdpParserFuzzTest: tolerated (known, -Ddsrgw.fuzz.tolerate): "
                    + FuzzModel.TOLERATED_COUNTS);
        }
        XdpTestbed.close(plane, testbed);
    }

    @FuzzTest(maxDuration = "10m")
    void xdpParser(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        FuzzModel.Profile any = FuzzModel.Profile.of(data[0]);
        FuzzModel.Profile profile = new FuzzModel.Profile(any.kinds(), any.echo(), any.smallMtu(), any.greOptions(),
                false);
        byte[] packet = Arrays.copyOfRange(data, 1, data.length);
        ForwardingSnapshot s = FuzzModel.snapshot(profile);
        if (s != published) {
            plane.publish(s);
            published = s;
        }
        FuzzModel.JavaRun java = FuzzModel.run(profile, packet);
        FuzzModel.check(profile, packet, java);

        byte[] frame = testbed.frame(packet);
        XdpCounters before = plane.counters();
        XdpTestbed.Result x = testbed.run(plane.program(), frame);
        XdpCounters delta = plane.counters().minus(before);
        String where = "java " + java.verdict().id() + ", xdp " + x.verdictName() + " " + moved(delta) + " for "
                + HexFormat.of().formatHex(packet) + " (" + profile + ")";
        check(delta.value("rx") == 1, where, "rx moved by " + delta.value("rx"));
        OUTCOMES.merge(java.verdict().id() + " -> " + x.verdictName() + " " + moved(delta), 1L, Long::sum);
        switch (x.verdict()) {
            case BpfProgram.XDP_TX, BpfProgram.XDP_REDIRECT -> {
                check(java.verdict() == CounterSet.TX_PACKETS && java.outputs().size() == 1, where,
                        "the program forwarded what Java did not");
                sameOuterPacket(where, java.outputs().getFirst().packet(), x.out());
            }
            case BpfProgram.XDP_PASS -> {
                List<String> reasons = delta.values().entrySet().stream()
                        .filter(e -> e.getKey().startsWith("pass_") && e.getValue() != 0).map(Map.Entry::getKey)
                        .toList();
                check(reasons.size() == 1, where, "pass reasons " + reasons + " (expected: exactly one)");
                // Java drops it: the slow path drops it, whichever check of the program gave up first (a packet to
                // a non-VIP address with a bad UDP length is drop_not_vip in Java, pass_malformed in the program).
                // Java sends something: only the reasons the fixture tables allow for that verdict.
                // pass_vip_slow_path: a VIP the program leaves wholly to the slow path (GRE checksum backends), so
                // whatever Java does with the packet (forward, too-big, fragments, ICMP) is right.
                if (!java.verdict().id().startsWith("drop_") && !reasons.getFirst().equals("pass_vip_slow_path")) {
                    Set<String> allowed = XdpFixtureTablesTest.ALLOWED_PASS.getOrDefault(java.verdict(), Set.of());
                    check(allowed.contains(reasons.getFirst()), where, "pass reason not allowed for "
                            + java.verdict().id() + ": " + allowed);
                }
                check(Arrays.equals(frame, x.out()), where, "a passed frame was changed");
            }
            case BpfProgram.XDP_DROP -> check(java.verdict().id().startsWith("drop_"), where,
                    "the program dropped what Java did not");
            default -> check(false, where, "unexpected verdict");
        }
    }

    private static void check(boolean ok, String where, String what) {
        if (!ok) {
            throw new AssertionError(where + ": " + what);
        }
    }

    private static String moved(XdpCounters delta) {
        return delta.values().entrySet().stream().filter(e -> e.getValue() != 0 && !e.getKey().equals("rx"))
                .map(Map.Entry::getKey).collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    /** Ethernet to the backends' routers (10.1.0.0/16, fd00:1::/64), then Java's packet, IPv4 id/checksum masked. */
    static void sameOuterPacket(String where, byte[] javaPacket, byte[] frame) {
        boolean v4 = (javaPacket[0] & 0xf0) == 0x40;
        byte[] eth = new byte[14];
        System.arraycopy(XdpTestbed.mac(v4 ? XdpTestbed.MAC_ROUTER4 : XdpTestbed.MAC_ROUTER6), 0, eth, 0, 6);
        System.arraycopy(testbed.mac(), 0, eth, 6, 6);
        eth[12] = (byte) (v4 ? 0x08 : 0x86);
        eth[13] = (byte) (v4 ? 0x00 : 0xdd);
        HexFormat hex = HexFormat.of();
        check(frame.length >= 14 && Arrays.equals(eth, Arrays.copyOf(frame, 14)), where, "Ethernet header "
                + hex.formatHex(Arrays.copyOf(frame, Math.min(14, frame.length))) + " (expected: " + hex.formatHex(eth)
                + ")");
        byte[] outer = Arrays.copyOfRange(frame, 14, frame.length);
        if (v4) {
            check(XdpFixtureTablesTest.ipv4HeaderChecksum(outer) == 0, where, "the program's outer IPv4 checksum");
        }
        check(Arrays.equals(XdpFixtureTablesTest.maskIpv4IdAndChecksum(javaPacket),
                XdpFixtureTablesTest.maskIpv4IdAndChecksum(outer)), where, "outer packet differs: java "
                + hex.formatHex(javaPacket) + ", xdp " + hex.formatHex(outer));
    }
}
