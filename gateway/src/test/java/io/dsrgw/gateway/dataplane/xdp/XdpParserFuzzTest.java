package io.dsrgw.gateway.dataplane.xdp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.FuzzModel;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

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
 *
 * <h2>Speed (issue 14: 3,700 executions per second before, most of it not in the program)</h2>
 * Profiled with JFR: ~60% of the time went to reading the program's 30 per-CPU counters twice per input (60
 * {@code bpf_map_lookup_elem} calls), ~15% to re-publishing a snapshot to the maps whenever the input's profile byte
 * differed from the previous input's (nearly always), the rest to the Java pipeline and to eager message strings.
 * Now: one loaded program per XDP-relevant profile (kinds, tunnel-mtu, GRE options: 40 at most; the echo mode never
 * reaches the program, which passes all ICMP), published once; the counters read with one
 * {@code bpf_map_lookup_batch} per input, the previous reading of the same program serving as "before" (nothing
 * else runs these programs); messages built only on failure. Each input still gets its own
 * {@code BPF_PROG_TEST_RUN} with repeat 1 (a repeat would run the same frame against a flow table the first run
 * may have changed).
 */
class XdpParserFuzzTest {
    static final FlowTimeouts EXPIRE_AT_ONCE = new FlowTimeouts(Duration.ofNanos(1), Duration.ofNanos(1),
            Duration.ofNanos(1), Duration.ofNanos(1), Duration.ofNanos(1));
    private static final int COUNTERS = XdpContract.COUNTER_NAMES.size();
    private static final int RX = XdpContract.COUNTER_NAMES.indexOf("rx");

    static XdpTestbed testbed;
    /** One program per XDP-relevant profile ({@link #planeKey}), published once when first needed. */
    static final Map<Integer, Plane> PLANES = new HashMap<>();
    /** Outcome (Java verdict, XDP verdict, moved counters as a bit set) -> inputs; printed at the end. */
    static final Map<Long, Long> OUTCOMES = new HashMap<>();

    /** A loaded program and its counters as last read (the "before" of its next input). */
    record Plane(XdpDataPlane plane, long[] last, long[] now) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-fuzz");
    }

    @AfterAll
    static void tearDown() throws Exception {
        new java.util.TreeMap<>(OUTCOMES).forEach((k, v) -> System.out.println("XdpParserFuzzTest: " + v + " x "
                + CounterSet.all()[(int) (k >>> 40)].id() + " -> " + BpfProgram.xdpActionName((int) (k >>> 32) & 0xff)
                + " " + moved(k & 0xffffffffL)));
        if (!FuzzModel.TOLERATED_COUNTS.isEmpty()) {
            System.out.println("XdpParserFuzzTest: tolerated (known, -Ddsrgw.fuzz.tolerate): "
                    + FuzzModel.TOLERATED_COUNTS);
        }
        System.out.println("XdpParserFuzzTest: " + PLANES.size() + " programs loaded (one per XDP-relevant profile)");
        for (Plane p : PLANES.values()) {
            p.plane().close();
        }
        PLANES.clear();
        XdpTestbed.close(null, testbed);
    }

    /** What of a profile the program sees: the kinds, the tunnel-mtu and the GRE options (not the echo mode). */
    static int planeKey(FuzzModel.Profile p) {
        return p.kinds() + 5 * (p.smallMtu() ? 1 : 0) + 10 * p.greOptions();
    }

    static Plane plane(FuzzModel.Profile profile) throws Exception {
        Plane p = PLANES.get(planeKey(profile));
        if (p == null) {
            XdpDataPlane plane = XdpDataPlane.load(4096, EXPIRE_AT_ONCE, 251, 16);
            try {
                plane.publish(FuzzModel.snapshot(profile));
                long[] last = new long[COUNTERS];
                plane.counterSums(last);
                p = new Plane(plane, last, new long[COUNTERS]);
            } catch (Exception | Error e) {
                plane.close();
                throw e;
            }
            PLANES.put(planeKey(profile), p);
        }
        return p;
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
        Plane p = plane(profile);
        FuzzModel.JavaRun java = FuzzModel.run(profile, packet);
        FuzzModel.check(profile, packet, java);

        byte[] frame = testbed.frame(packet);
        XdpTestbed.Result x = testbed.run(p.plane().program(), frame);
        long[] before = p.last();
        long[] after = p.now();
        p.plane().counterSums(after);
        long movedMask = 0;
        for (int i = 0; i < COUNTERS; i++) {
            if (i != RX && after[i] != before[i]) {
                movedMask |= 1L << i;
            }
        }
        long rxDelta = after[RX] - before[RX];
        System.arraycopy(after, 0, before, 0, COUNTERS);
        long moved = movedMask;
        Supplier<String> where = () -> "java " + java.verdict().id() + ", xdp " + x.verdictName() + " "
                + moved(moved) + " for " + HexFormat.of().formatHex(packet) + " (" + profile + ")";
        check(rxDelta == 1, where, "rx moved by " + rxDelta);
        OUTCOMES.merge((long) java.verdict().ordinal() << 40 | (long) x.verdict() << 32 | movedMask, 1L, Long::sum);
        switch (x.verdict()) {
            case BpfProgram.XDP_TX, BpfProgram.XDP_REDIRECT -> {
                check(java.verdict() == CounterSet.TX_PACKETS && java.outputs().size() == 1, where,
                        "the program forwarded what Java did not");
                sameOuterPacket(where, java.outputs().getFirst().packet(), x.out());
            }
            case BpfProgram.XDP_PASS -> {
                long passMask = movedMask & PASS_MASK;
                check(Long.bitCount(passMask) == 1, where, "pass reasons " + moved(passMask)
                        + " (expected: exactly one)");
                String reason = XdpContract.COUNTER_NAMES.get(Long.numberOfTrailingZeros(passMask));
                // Java drops it: the slow path drops it, whichever check of the program gave up first (a packet to
                // a non-VIP address with a bad UDP length is drop_not_vip in Java, pass_malformed in the program).
                // Java sends something: only the reasons the fixture tables allow for that verdict.
                // pass_vip_slow_path: a VIP the program leaves wholly to the slow path (GRE checksum backends), so
                // whatever Java does with the packet (forward, too-big, fragments, ICMP) is right.
                if (!java.verdict().id().startsWith("drop_") && !reason.equals("pass_vip_slow_path")) {
                    Set<String> allowed = XdpFixtureTablesTest.ALLOWED_PASS.getOrDefault(java.verdict(), Set.of());
                    check(allowed.contains(reason), where, "pass reason not allowed for " + java.verdict().id()
                            + ": " + allowed);
                }
                check(Arrays.equals(frame, x.out()), where, "a passed frame was changed");
            }
            case BpfProgram.XDP_DROP -> check(java.verdict().id().startsWith("drop_"), where,
                    "the program dropped what Java did not");
            default -> check(false, where, "unexpected verdict");
        }
    }

    /** The pass_* counters as a bit set over {@link XdpContract#COUNTER_NAMES}. */
    private static final long PASS_MASK = passMask();

    private static long passMask() {
        long m = 0;
        for (int i = 0; i < COUNTERS; i++) {
            if (XdpContract.COUNTER_NAMES.get(i).startsWith("pass_")) {
                m |= 1L << i;
            }
        }
        return m;
    }

    /** {@code what} is a constant or cheap string; the input's description is built only on failure. */
    private static void check(boolean ok, Supplier<String> where, String what) {
        if (!ok) {
            throw new AssertionError(where.get() + ": " + what);
        }
    }

    /** The counters of a bit set over {@link XdpContract#COUNTER_NAMES}, e.g. {@code [pass_icmp]}. */
    private static String moved(long mask) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < COUNTERS; i++) {
            if ((mask & 1L << i) != 0) {
                b.append(b.length() > 1 ? "," : "").append(XdpContract.COUNTER_NAMES.get(i));
            }
        }
        return b.append(']').toString();
    }

    /** Ethernet to the backends' routers (10.1.0.0/16, fd00:1::/64), then Java's packet, IPv4 id/checksum masked. */
    static void sameOuterPacket(Supplier<String> where, byte[] javaPacket, byte[] frame) {
        boolean v4 = (javaPacket[0] & 0xf0) == 0x40;
        byte[] eth = new byte[14];
        System.arraycopy(XdpTestbed.mac(v4 ? XdpTestbed.MAC_ROUTER4 : XdpTestbed.MAC_ROUTER6), 0, eth, 0, 6);
        System.arraycopy(testbed.mac(), 0, eth, 6, 6);
        eth[12] = (byte) (v4 ? 0x08 : 0x86);
        eth[13] = (byte) (v4 ? 0x00 : 0xdd);
        HexFormat hex = HexFormat.of();
        if (frame.length < 14 || !Arrays.equals(eth, Arrays.copyOf(frame, 14))) {
            check(false, where, "Ethernet header " + hex.formatHex(Arrays.copyOf(frame, Math.min(14, frame.length)))
                    + " (expected: " + hex.formatHex(eth) + ")");
        }
        byte[] outer = Arrays.copyOfRange(frame, 14, frame.length);
        if (v4) {
            check(XdpFixtureTablesTest.ipv4HeaderChecksum(outer) == 0, where, "the program's outer IPv4 checksum");
        }
        byte[] a = XdpFixtureTablesTest.maskIpv4IdAndChecksum(javaPacket);
        byte[] b = XdpFixtureTablesTest.maskIpv4IdAndChecksum(outer);
        if (!Arrays.equals(a, b)) {
            check(false, where, "outer packet differs: java " + hex.formatHex(javaPacket) + ", xdp "
                    + hex.formatHex(outer));
        }
    }
}
