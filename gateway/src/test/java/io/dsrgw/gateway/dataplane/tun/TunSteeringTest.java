package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.gateway.dataplane.TestPackets;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.Bpf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TUN steering program ({@code dsrgw_tun_steer.c}) run by {@code BPF_PROG_TEST_RUN} over a table of packets:
 * the class it gives each (1 = new flow), its return value against {@link Model} (an independent Java statement of
 * the C comment's contract), and that the worker depends on the addresses only. A socket filter test run takes an
 * Ethernet frame and hands the program the skb after the Ethernet header, as the TUN does. Needs BPF (root):
 * skipped with the reason otherwise.
 */
class TunSteeringTest {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int MF = 0x2000;

    private static TunSteering steering;

    @BeforeAll
    static void load() throws LinuxException {
        assumeTrue(Bpf.isAvailable(), () -> "BPF unavailable: " + Bpf.unavailabilityCause());
        steering = TunSteering.load();
    }

    @AfterAll
    static void close() {
        if (steering != null) {
            steering.close();
        }
    }

    record Row(String description, byte[] packet, int expectedClass) {
    }

    static byte[] tcp4(String src, String dst, int srcPort, int flags, int dataBytes) {
        return tcp4(src, dst, srcPort, flags, dataBytes, 0x4000);
    }

    static byte[] tcp4(String src, String dst, int srcPort, int flags, int dataBytes, int flagsAndOffset) {
        byte[] tcp = TestPackets.tcp(srcPort, 80, dataBytes);
        tcp[13] = (byte) flags;
        return TestPackets.ipv4(0, 1, flagsAndOffset, 64, IpProtocol.TCP, src, dst, tcp);
    }

    static byte[] tcp6(String src, String dst, int srcPort, int flags) {
        byte[] tcp = TestPackets.tcp(srcPort, 80, 0);
        tcp[13] = (byte) flags;
        return TestPackets.ipv6(0, 0, IpProtocol.TCP, 64, src, dst, tcp);
    }

    static List<Row> table() {
        String c = "198.51.100.7";
        String v = "10.100.0.1";
        String c6 = "2001:db8::7";
        String v6 = "2001:db8:100::1";
        byte[] syn4 = tcp4(c, v, 40000, SYN, 0);
        byte[] syn6 = tcp6(c6, v6, 40000, SYN);
        // IPv6 hop-by-hop options header (8 bytes: next header TCP, length 0, PadN) before a SYN
        byte[] hopByHop = {(byte) IpProtocol.TCP, 0, 1, 4, 0, 0, 0, 0};
        byte[] synTcp = TestPackets.tcp(40000, 80, 0);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("IPv4 SYN", syn4, 1));
        rows.add(new Row("IPv4 SYN with ECE and CWR (ECN set-up)", tcp4(c, v, 40001, SYN | 0xc0, 0), 1));
        rows.add(new Row("IPv4 SYN with an IP option (IHL 6)", withIpv4Option(syn4), 1));
        rows.add(new Row("IPv4 SYN+ACK", tcp4(c, v, 40000, SYN | ACK, 0), 0));
        rows.add(new Row("IPv4 ACK", tcp4(c, v, 40000, ACK, 0), 0));
        rows.add(new Row("IPv4 data", tcp4(c, v, 40000, ACK | PSH, 100), 0));
        rows.add(new Row("IPv4 FIN", tcp4(c, v, 40000, FIN | ACK, 0), 0));
        rows.add(new Row("IPv4 RST", tcp4(c, v, 40000, RST, 0), 0));
        rows.add(new Row("IPv4 SYN+FIN without ACK (a scan, still no established flow)", tcp4(c, v, 40000,
                SYN | FIN, 0), 1));
        rows.add(new Row("IPv4 UDP", TestPackets.ipv4(0, 1, 0, 64, IpProtocol.UDP, c, v, TestPackets.udp(1, 53, 20)),
                0));
        rows.add(new Row("IPv4 ICMP echo (ICMP shares the new-flow queue)", TestPackets.ipv4(0, 1, 0, 64,
                IpProtocol.ICMP, c, v, TestPackets.icmpEcho()), 1));
        rows.add(new Row("IPv4 ICMP, a later fragment", TestPackets.ipv4(0, 1, 2, 64, IpProtocol.ICMP, c, v,
                TestPackets.icmpEcho()), 1));
        rows.add(new Row("IPv4 first fragment of a SYN (offset 0, MF)", tcp4(c, v, 40000, SYN, 8, MF), 1));
        rows.add(new Row("IPv4 later fragment whose bytes look like a SYN (offset 8)", tcp4(c, v, 40000, SYN, 8,
                MF | 1), 0));
        rows.add(new Row("IPv4 last fragment (offset 16, no MF)", tcp4(c, v, 40000, SYN, 8, 2), 0));
        rows.add(new Row("IPv4 SYN cut before the TCP flags", Arrays.copyOf(syn4, 20 + 13), 0));
        rows.add(new Row("IPv4 SYN cut just after the TCP flags", Arrays.copyOf(syn4, 20 + 14), 1));
        rows.add(new Row("IPv4 header cut at 19 bytes", Arrays.copyOf(syn4, 19), 0));
        rows.add(new Row("IPv4 with IHL 4 (invalid)", withIhl(syn4, 4), 0));
        rows.add(new Row("one byte", new byte[] {0x45}, 0));
        rows.add(new Row("empty packet", new byte[0], 0));
        rows.add(new Row("version 5", withVersion(syn4, 5), 0));
        rows.add(new Row("IPv6 SYN", syn6, 1));
        rows.add(new Row("IPv6 SYN+ACK", tcp6(c6, v6, 40000, SYN | ACK), 0));
        rows.add(new Row("IPv6 ACK", tcp6(c6, v6, 40000, ACK), 0));
        rows.add(new Row("IPv6 FIN", tcp6(c6, v6, 40000, FIN | ACK), 0));
        rows.add(new Row("IPv6 RST", tcp6(c6, v6, 40000, RST), 0));
        rows.add(new Row("IPv6 UDP", TestPackets.ipv6(0, 0, IpProtocol.UDP, 64, c6, v6, TestPackets.udp(1, 53, 20)),
                0));
        rows.add(new Row("IPv6 ICMPv6 echo (ICMPv6 shares the new-flow queue)", TestPackets.ipv6(0, 0, 58, 64, c6, v6,
                TestPackets.icmpv6Echo(c6, v6, 7)), 1));
        rows.add(new Row("IPv6 SYN after a hop-by-hop header", TestPackets.ipv6(0, 0, 0, 64, c6, v6,
                TestPackets.concat(hopByHop, synTcp)), 0));
        rows.add(new Row("IPv6 first fragment of a SYN", TestPackets.ipv6(0, 0, 44, 64, c6, v6,
                TestPackets.concat(TestPackets.fragmentHeader(IpProtocol.TCP, 0, true, 9), synTcp)), 0));
        rows.add(new Row("IPv6 SYN cut before the TCP flags", Arrays.copyOf(syn6, 40 + 13), 0));
        rows.add(new Row("IPv6 header cut at 39 bytes", Arrays.copyOf(syn6, 39), 0));
        return rows;
    }

    @Test
    void shouldClassifyEveryPacketOfTheTableAsItsRowSaysAndAsTheModelComputes() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Row row : table()) {
            forgetSources(); // each row from a program without memory: its source is not known
            int retval = run(row.packet());
            int model = Model.queue(row.packet());
            if (retval % 3 != row.expectedClass() || retval != model || retval < 0 || retval > 0xffff) {
                failures.add(row.description() + ": program " + retval + " (class " + retval % 3 + "), model "
                        + model + ", expected class " + row.expectedClass());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void shouldSendTheSynsOfASourceWithAnEstablishedFlowInTheLastMinuteToTheEstablishedQueue() throws Exception {
        forgetSources();
        String s = "198.51.100.9";
        String v = "10.100.0.1";
        byte[] syn = tcp4(s, v, 40000, SYN, 0);
        int newFlow = Model.queue(syn);
        assertEquals(1, newFlow % 3);
        assertEquals(newFlow, run(syn), "a SYN from an unknown source");
        // neither a SYN+ACK nor a RST makes a source known
        assertEquals(newFlow - 1, run(tcp4(s, v, 40000, SYN | ACK, 0)));
        assertEquals(newFlow - 1, run(tcp4(s, v, 40000, RST, 0)));
        assertEquals(newFlow, run(syn), "after a SYN+ACK and a RST");
        long before = System.nanoTime();
        assertEquals(newFlow - 1, run(tcp4(s, v, 40000, ACK, 0)), "the handshake's ACK");
        long seen = seen(s);
        assertTrue(seen >= before && seen <= System.nanoTime(), "recorded " + seen + ", test clock " + before);
        assertEquals(newFlow + 1, run(tcp4(s, v, 40001, SYN, 0)), "a SYN of the known source, another port: "
                + "the same worker, the known sources' queue");
        byte[] other = tcp4("198.51.100.10", v, 40000, SYN, 0);
        assertEquals(Model.queue(other), run(other), "another source stays new");
        // 61 s ago: no longer known
        put(s, System.nanoTime() - 61_000_000_000L);
        assertEquals(newFlow, run(syn), "a source last seen 61 s ago");
        // IPv6 alike
        byte[] syn6 = tcp6("2001:db8::9", "2001:db8:100::1", 40000, SYN);
        assertEquals(Model.queue(syn6), run(syn6));
        run(tcp6("2001:db8::9", "2001:db8:100::1", 40000, ACK));
        assertEquals(Model.queue(syn6) + 1, run(syn6), "a SYN of a known IPv6 source");
        assertEquals(2, count(), "known: the IPv4 source (stale) and the IPv6 one");
    }

    private static MemorySegment key(String source) throws Exception {
        byte[] a = java.net.InetAddress.getByName(source).getAddress();
        byte[] k = new byte[16];
        if (a.length == 4) {
            k[10] = (byte) 0xff;
            k[11] = (byte) 0xff;
            System.arraycopy(a, 0, k, 12, 4);
        } else {
            System.arraycopy(a, 0, k, 0, 16);
        }
        return MemorySegment.ofArray(k);
    }

    private static long seen(String source) throws Exception {
        return seen(steering, source);
    }

    private static long seen(TunSteering steering, String source) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(16);
            k.copyFrom(key(source));
            MemorySegment value = arena.allocate(8);
            assertTrue(steering.knownSources().lookup(k, value), source + " is not known");
            return value.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
        }
    }

    private static void put(String source, long ns) throws Exception {
        put(steering, source, ns);
    }

    private static void put(TunSteering steering, String source, long ns) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(16);
            k.copyFrom(key(source));
            MemorySegment value = arena.allocate(8);
            value.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, ns);
            steering.knownSources().update(k, value, 0);
        }
    }

    private static List<MemorySegment> keys(Arena arena) throws LinuxException {
        return keys(steering, arena);
    }

    private static List<MemorySegment> keys(TunSteering steering, Arena arena) throws LinuxException {
        List<MemorySegment> keys = new ArrayList<>();
        MemorySegment previous = null;
        while (true) {
            MemorySegment next = arena.allocate(16);
            if (!steering.knownSources().nextKey(previous, next)) {
                return keys;
            }
            keys.add(next);
            previous = next;
        }
    }

    private static int count() throws LinuxException {
        return count(steering);
    }

    private static int count(TunSteering steering) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            return keys(steering, arena).size();
        }
    }

    private static void forgetSources() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            for (MemorySegment k : keys(arena)) {
                steering.knownSources().delete(k);
            }
        }
        assertEquals(0, count());
    }

    @Test
    void shouldRecordAtMostTheLimitOfNewSourcesPerSecondWhileKnownSourcesStayKnownAndRefreshed() throws Exception {
        String v = "10.100.0.1";
        try (TunSteering limited = TunSteering.load(5)) {
            // known before the flood: last refreshed 2 s ago, so its next ACK refreshes it
            String known = "198.51.100.200";
            put(limited, known, System.nanoTime() - 2_000_000_000L);
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                flood.add("198.18." + (i >> 8) + "." + (i & 0xff));
            }
            long start = System.nanoTime();
            for (String src : flood) {
                assertEquals(0, run(limited, tcp4(src, v, 40000, ACK | PSH, 1460)) % 3, src);
            }
            long beforeRefresh = System.nanoTime();
            run(limited, tcp4(known, v, 40000, ACK, 0));
            long windows = (System.nanoTime() - start) / 1_000_000_000L + 1;
            assertTrue(seen(limited, known) >= beforeRefresh, "the known source is refreshed past the limit");
            assertEquals(2, run(limited, tcp4(known, v, 40001, SYN, 0)) % 3, "a SYN of the source known before");
            int recorded = 0;
            StringBuilder classes = new StringBuilder();
            for (String src : flood) {
                int cls = run(limited, tcp4(src, v, 40002, SYN, 0)) % 3;
                classes.append(cls);
                recorded += cls == 2 ? 1 : 0;
            }
            if (windows == 1) {
                // one window (the test run is on one CPU, so the count is exact): the first 5 sources only
                assertEquals("22222111111111111111", classes.toString(), "SYN classes of the 20 ACK sources");
            } else {
                assertTrue(recorded >= 5 && recorded <= 5 * windows, recorded + " recorded over " + windows
                        + " windows (a slow machine): " + classes);
            }
            assertEquals(recorded + 1, count(limited), "known: the recorded flood sources and the one from before");

            // the window passes: new sources are recorded again, up to the limit
            Thread.sleep(1_100);
            String later = "198.51.100.201";
            assertEquals(1, run(limited, tcp4(later, v, 40000, SYN, 0)) % 3, "before its ACK");
            run(limited, tcp4(later, v, 40000, ACK, 0));
            assertEquals(2, run(limited, tcp4(later, v, 40001, SYN, 0)) % 3, "a new source after the window");
        }
        try (TunSteering none = TunSteering.load(0)) {
            run(none, tcp4("198.51.100.202", v, 40000, ACK, 0));
            assertEquals(0, count(none), "limit 0 records nothing");
            assertEquals(1, run(none, tcp4("198.51.100.202", v, 40001, SYN, 0)) % 3);
        }
    }

    @Test
    void shouldSendEveryPortOfTheSameAddressPairToTheSameWorker() throws Exception {
        Set<Integer> workers = new HashSet<>();
        for (int port = 1024; port < 1024 + 200; port += 7) {
            workers.add(run(tcp4("198.51.100.7", "10.100.0.1", port, SYN, 0)) / 3);
            workers.add(run(tcp4("198.51.100.7", "10.100.0.1", port, ACK, 10)) / 3);
            workers.add(run(TestPackets.ipv4(0, 1, 0, 64, IpProtocol.UDP, "198.51.100.7", "10.100.0.1",
                    TestPackets.udp(port, 53, 8))) / 3);
            workers.add(run(tcp4("198.51.100.7", "10.100.0.1", port, SYN, 8, 1)) / 3); // a later fragment
        }
        assertEquals(1, workers.size(), "worker values seen: " + workers);
        Set<Integer> workers6 = new HashSet<>();
        for (int port = 1024; port < 1024 + 200; port += 7) {
            workers6.add(run(tcp6("2001:db8::7", "2001:db8:100::1", port, SYN)) / 3);
            workers6.add(run(tcp6("2001:db8::7", "2001:db8:100::1", port, ACK)) / 3);
        }
        assertEquals(1, workers6.size(), "worker values seen: " + workers6);
    }

    @Test
    void shouldSpreadSourcesOverEveryWorkerOfFourAndMatchTheModel() throws Exception {
        forgetSources();
        int[] perWorker = new int[4];
        for (int i = 0; i < 256; i++) {
            String src = "198.51." + (i >> 4) + "." + (i & 15);
            byte[] syn = tcp4(src, "10.100.0.1", 40000, SYN, 0);
            int retval = run(syn);
            assertEquals(Model.queue(syn), retval, src);
            // with 4 workers = 12 queues: the kernel's retval % 12 = 3 * worker + class
            perWorker[retval % 12 / 3]++;
            assertEquals(1, retval % 12 % 3, src);
        }
        for (int w = 0; w < 4; w++) {
            assertTrue(perWorker[w] >= 32, "256 sources over 4 workers: " + Arrays.toString(perWorker));
        }
    }

    private static int run(byte[] packet) throws LinuxException {
        return run(steering, packet);
    }

    private static int run(TunSteering steering, byte[] packet) throws LinuxException {
        byte[] frame = new byte[14 + packet.length];
        int version = packet.length > 0 ? (packet[0] & 0xf0) >> 4 : 0;
        // The test run refuses (EINVAL) an IPv4/IPv6 EtherType whose header is cut short; the program reads only the
        // bytes, never skb->protocol, so such rows go in as the local experimental EtherType 0x88b5.
        int etherType = version == 4 && packet.length >= 20 ? 0x0800 : version == 6 && packet.length >= 40 ? 0x86dd
                : 0x88b5;
        frame[12] = (byte) (etherType >> 8);
        frame[13] = (byte) etherType;
        System.arraycopy(packet, 0, frame, 14, packet.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(frame.length);
            MemorySegment.copy(frame, 0, in, JAVA_BYTE, 0, frame.length);
            return steering.program().testRun(in, null, null, 1).retval();
        }
    }

    private static byte[] withIpv4Option(byte[] packet) {
        byte[] p = new byte[packet.length + 4];
        System.arraycopy(packet, 0, p, 0, 20);
        p[20] = 1; // NOP
        p[21] = 1;
        p[22] = 1;
        p[23] = 0; // end of options
        System.arraycopy(packet, 20, p, 24, packet.length - 20);
        p[0] = 0x46;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        return p;
    }

    private static byte[] withIhl(byte[] packet, int ihl) {
        byte[] p = packet.clone();
        p[0] = (byte) (0x40 | ihl);
        return p;
    }

    private static byte[] withVersion(byte[] packet, int version) {
        byte[] p = packet.clone();
        p[0] = (byte) (version << 4 | p[0] & 0xf);
        return p;
    }

    /**
     * The contract of dsrgw_tun_steer.c in plain Java, written from its comment, for a program that knows no source
     * (a known source's SYN is this + 1).
     */
    static final class Model {
        static int queue(byte[] p) {
            if (p.length < 1) {
                return 0;
            }
            int version = (p[0] & 0xff) >> 4;
            if (version == 4) {
                if (p.length < 20) {
                    return 0;
                }
                int h = fmix(mix(mix(0, be32(p, 12)), be32(p, 16)));
                int ihl = (p[0] & 0xf) * 4;
                boolean notLaterFragment = (be16(p, 6) & 0x1fff) == 0;
                int cls = p[9] == IpProtocol.ICMP ? 1
                        : p[9] == IpProtocol.TCP && ihl >= 20 && notLaterFragment ? syn(p, ihl) : 0;
                return 3 * (h & 0x3fff) + cls;
            }
            if (version == 6) {
                if (p.length < 40) {
                    return 0;
                }
                int h = 0;
                for (int i = 0; i < 8; i++) {
                    h = mix(h, be32(p, 8 + 4 * i));
                }
                h = fmix(h);
                int cls = p[6] == 58 ? 1 : p[6] == IpProtocol.TCP ? syn(p, 40) : 0;
                return 3 * (h & 0x3fff) + cls;
            }
            return 0;
        }

        private static int syn(byte[] p, int l4) {
            if (p.length <= l4 + 13) {
                return 0;
            }
            return (p[l4 + 13] & (SYN | ACK)) == SYN ? 1 : 0;
        }

        private static int mix(int h, int w) {
            return (h ^ w) * 0x9e3779b1;
        }

        private static int fmix(int h) {
            h ^= h >>> 16;
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            return h;
        }

        private static int be32(byte[] p, int off) {
            return (p[off] & 0xff) << 24 | (p[off + 1] & 0xff) << 16 | (p[off + 2] & 0xff) << 8 | p[off + 3] & 0xff;
        }

        private static int be16(byte[] p, int off) {
            return (p[off] & 0xff) << 8 | p[off + 1] & 0xff;
        }
    }
}
