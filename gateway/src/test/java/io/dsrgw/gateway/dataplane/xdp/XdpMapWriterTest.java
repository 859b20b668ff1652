package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.BackendIds;
import io.dsrgw.gateway.dataplane.BackendSelection;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.linux.bpf.BpfMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The map writer of {@link XdpDataPlane#publish}, read back through {@code bpf_map_lookup_elem} (not through the
 * writer's own bookkeeping): rings double-buffered and rewritten only when they change, VIP ids stable, deleted
 * entries gone, sizes refused precisely, config and flow-table reads as the contract says. A small program per test
 * (Maglev size 251), so each starts from empty maps.
 */
class XdpMapWriterTest {
    static final int M = 251;
    static final FlowTimeouts TIMEOUTS = new FlowTimeouts(Duration.ofSeconds(11), Duration.ofSeconds(222),
            Duration.ofSeconds(13), Duration.ofSeconds(44), Duration.ofSeconds(55));

    XdpDataPlane plane;
    Arena arena;
    final BackendIds ids = new BackendIds();

    @BeforeEach
    void load() throws Exception {
        TestNetns.assumeAvailable();
        plane = XdpDataPlane.load(1024, TIMEOUTS, M, 3);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        if (plane != null) {
            plane.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    /** A VIP of a test snapshot. */
    record Vip(String name, String address, int protocol, int[] ports, List<ForwardingSnapshot.Backend> backends,
               boolean greChecksum) {
    }

    static ForwardingSnapshot.Backend backend(String address, BackendState state) {
        TunnelKind kind = address.contains(":") ? TunnelKind.IP6TNL : TunnelKind.IPIP;
        return new ForwardingSnapshot.Backend(inet(address), 100, state, kind);
    }

    static ForwardingSnapshot.Backend backend(String address) {
        return backend(address, BackendState.ACTIVE);
    }

    static Vip a(String... backends) {
        return new Vip("a", "10.100.0.1", IpProtocol.TCP, new int[] {80, 443}, list(backends), false);
    }

    static Vip b(String... backends) {
        return new Vip("b", "fd00:100::1", IpProtocol.UDP, new int[] {53}, list(backends), false);
    }

    static Vip c(String... backends) {
        return new Vip("c", "10.100.0.2", IpProtocol.UDP, new int[] {53}, list(backends), false);
    }

    static List<ForwardingSnapshot.Backend> list(String... addresses) {
        List<ForwardingSnapshot.Backend> l = new ArrayList<>();
        for (String a : addresses) {
            l.add(backend(a));
        }
        return l;
    }

    ForwardingSnapshot snapshot(Set<String> stateless, Vip... vips) {
        return snapshot(M, stateless, vips);
    }

    ForwardingSnapshot snapshot(int tableSize, Set<String> stateless, Vip... vips) {
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("writer-seed", tableSize,
                Ipv4Addresses.parse("10.0.2.2"), 61, 1400).backendIds(ids).statelessVips(stateless);
        long[] source6 = Ipv6Addresses.parse("fd00:2::2");
        b.tunnelSourceIpv6(source6[0], source6[1]);
        for (Vip v : vips) {
            b.addVip(v.name, inet(v.address), v.protocol, v.ports, null, v.greChecksum, v.backends);
        }
        return b.build();
    }

    static InetAddress inet(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    // ------------------------------------------------------------------------------------ map reads

    /** dsrgw_vips as the kernel holds it: key -> value. */
    Map<XdpDataPlane.VipKey, XdpDataPlane.VipValue> vipEntries() throws Exception {
        BpfMap map = plane.map(XdpContract.MAP_VIPS);
        Map<XdpDataPlane.VipKey, XdpDataPlane.VipValue> out = new LinkedHashMap<>();
        MemorySegment key = arena.allocate(XdpContract.VIP_KEY_SIZE, 8);
        MemorySegment value = arena.allocate(XdpContract.VIP_VALUE_SIZE, 8);
        MemorySegment prev = null;
        while (map.nextKey(prev, key)) {
            assertTrue(map.lookup(key, value));
            long hi = key.get(XdpContract.BE_LONG, 0);
            long lo = key.get(XdpContract.BE_LONG, 8);
            int port = key.get(XdpContract.BE_SHORT, 16) & 0xffff;
            out.put(new XdpDataPlane.VipKey(key.get(JAVA_BYTE, 19), hi, lo, key.get(JAVA_BYTE, 18), port),
                    new XdpDataPlane.VipValue(value.get(JAVA_INT, 0), value.get(JAVA_INT, 4), value.get(JAVA_INT, 8)));
            prev = arena.allocate(XdpContract.VIP_KEY_SIZE, 8);
            prev.copyFrom(key);
        }
        return out;
    }

    XdpDataPlane.VipValue vipEntry(String address, int protocol, int port) throws Exception {
        for (var e : vipEntries().entrySet()) {
            XdpDataPlane.VipKey k = e.getKey();
            if (k.protocol() == protocol && k.port() == port && addressOf(k).equals(address)) {
                return e.getValue();
            }
        }
        return null;
    }

    static String addressOf(XdpDataPlane.VipKey k) {
        return k.family() == 4 ? Ipv4Addresses.format((int) k.lo()) : Ipv6Addresses.format(k.hi(), k.lo());
    }

    /** dsrgw_backends' keys. */
    Set<Integer> backendIds() throws Exception {
        BpfMap map = plane.map(XdpContract.MAP_BACKENDS);
        Set<Integer> out = new HashSet<>();
        MemorySegment key = arena.allocate(4, 4);
        MemorySegment next = arena.allocate(4, 4);
        boolean more = map.nextKey(null, key);
        while (more) {
            out.add(key.get(JAVA_INT, 0));
            more = map.nextKey(key, next);
            key.copyFrom(next);
        }
        return out;
    }

    MemorySegment backendValue(int id) throws Exception {
        MemorySegment key = arena.allocate(4, 4);
        key.set(JAVA_INT, 0, id);
        MemorySegment value = arena.allocate(XdpContract.BACKEND_SIZE, 8);
        assertTrue(plane.map(XdpContract.MAP_BACKENDS).lookup(key, value), "backend " + id);
        return value;
    }

    /** Ring {@code ring} read slot by slot with bpf_map_lookup_elem (what the program sees). */
    int[] ringBySyscall(int ring) throws Exception {
        BpfMap map = plane.map(XdpContract.MAP_RINGS);
        MemorySegment key = arena.allocate(4, 4);
        MemorySegment value = arena.allocate(4, 4);
        int[] out = new int[M];
        for (int i = 0; i < M; i++) {
            key.set(JAVA_INT, 0, ring * M + i);
            assertTrue(map.lookup(key, value));
            out[i] = value.get(JAVA_INT, 0);
        }
        return out;
    }

    static int[] expectedRing(ForwardingSnapshot s, String vipName) {
        for (int v = 0; v < s.vipCount(); v++) {
            if (s.vipName(v).equals(vipName)) {
                int[] ids = new int[s.tableSize()];
                for (int i = 0; i < ids.length; i++) {
                    // a hash in slot i, independently of the writer's formula: the smallest upper half that maps to i
                    long h32 = (((long) i << 32) + s.tableSize() - 1) / s.tableSize();
                    assertEquals(i, ForwardingSnapshot.slotOf(h32 << 32, s.tableSize()));
                    int b = s.backendFor(v, h32 << 32);
                    ids[i] = b == ForwardingSnapshot.NONE ? -1 : s.backendId(b);
                }
                return ids;
            }
        }
        throw new IllegalArgumentException(vipName);
    }

    // ------------------------------------------------------------------------------------ rings

    @Test
    void shouldKeepUnchangedRingsAndFlipAChangedVipToTheOtherRingOfItsPair() throws Exception {
        ForwardingSnapshot s1 = snapshot(Set.of(), a("10.1.0.1", "10.1.0.2", "10.1.0.3"),
                b("fd00:1::1", "fd00:1::2"), c("10.1.1.1", "10.1.1.2"));
        plane.publish(s1);
        assertEquals(3, plane.ringWrites());
        XdpDataPlane.VipValue a80 = vipEntry("10.100.0.1", IpProtocol.TCP, 80);
        XdpDataPlane.VipValue a443 = vipEntry("10.100.0.1", IpProtocol.TCP, 443);
        XdpDataPlane.VipValue b53 = vipEntry("fd00:100::1", IpProtocol.UDP, 53);
        XdpDataPlane.VipValue c53 = vipEntry("10.100.0.2", IpProtocol.UDP, 53);
        assertEquals(a80, a443, "both ports of a VIP: one id, one ring");
        assertEquals(3, Set.of(a80.ringId(), b53.ringId(), c53.ringId()).size());
        assertArrayEquals(expectedRing(s1, "a"), ringBySyscall(a80.ringId()));
        assertArrayEquals(expectedRing(s1, "b"), ringBySyscall(b53.ringId()));
        assertArrayEquals(expectedRing(s1, "c"), ringBySyscall(c53.ringId()));

        ForwardingSnapshot s2 = snapshot(Set.of(), a("10.1.0.1", "10.1.0.2", "10.1.0.3"),
                b("fd00:1::1", "fd00:1::2", "fd00:1::3"), c("10.1.1.1", "10.1.1.2"));
        plane.publish(s2);
        assertEquals(4, plane.ringWrites(), "only b's ring is rewritten");
        assertEquals(a80, vipEntry("10.100.0.1", IpProtocol.TCP, 80));
        assertEquals(c53, vipEntry("10.100.0.2", IpProtocol.UDP, 53));
        XdpDataPlane.VipValue b53New = vipEntry("fd00:100::1", IpProtocol.UDP, 53);
        assertEquals(b53.ringId() ^ 1, b53New.ringId(), "b flipped to the other ring of its pair");
        assertEquals(b53.vipId(), b53New.vipId());
        assertArrayEquals(expectedRing(s2, "b"), ringBySyscall(b53New.ringId()));
        assertArrayEquals(expectedRing(s1, "b"), ringBySyscall(b53.ringId()), "the old ring is left as it was");

        plane.publish(s2);
        assertEquals(4, plane.ringWrites(), "the same snapshot again writes no ring");

        ForwardingSnapshot s3 = snapshot(Set.of(), a("10.1.0.1", "10.1.0.2", "10.1.0.3"),
                b("fd00:1::1", "fd00:1::3"), c("10.1.1.1", "10.1.1.2"));
        plane.publish(s3);
        assertEquals(5, plane.ringWrites());
        assertEquals(b53.ringId(), vipEntry("fd00:100::1", IpProtocol.UDP, 53).ringId(), "and back");
        assertArrayEquals(expectedRing(s3, "b"), ringBySyscall(b53.ringId()));
    }

    @Test
    void shouldKeepTheRingOfAVipWhoseAddressAndPortsChangeButNotItsBackends() throws Exception {
        plane.publish(snapshot(Set.of(), a("10.1.0.1", "10.1.0.2"), c("10.1.1.1", "10.1.1.2")));
        XdpDataPlane.VipValue before = vipEntry("10.100.0.1", IpProtocol.TCP, 80);
        long writes = plane.ringWrites();
        Vip moved = new Vip("a", "10.100.0.5", IpProtocol.TCP, new int[] {8080}, list("10.1.0.1", "10.1.0.2"), false);
        plane.publish(snapshot(Set.of(), moved, c("10.1.1.1", "10.1.1.2")));
        assertEquals(writes, plane.ringWrites(), "same backends, same ring");
        assertEquals(before, vipEntry("10.100.0.5", IpProtocol.TCP, 8080));
        assertEquals(null, vipEntry("10.100.0.1", IpProtocol.TCP, 80));
        assertEquals(null, vipEntry("10.100.0.1", IpProtocol.TCP, 443));
    }

    @Test
    void shouldNotAllocateWhenAskingForAPinnedBackend() throws Exception {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean tb
                && tb.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) bean;
        FlowKey hit = new FlowKey().setIpv4(Ipv4Addresses.parse("198.18.0.1"), Ipv4Addresses.parse("10.100.0.1"),
                IpProtocol.TCP, 40000, 80, false);
        long[] c = Ipv6Addresses.parse("2001:db8::1");
        long[] d = Ipv6Addresses.parse("fd00:100::1");
        FlowKey miss = new FlowKey().setIpv6(c[0], c[1], d[0], d[1], IpProtocol.UDP, 5353, 53, false);
        long now = System.nanoTime();
        pin(hit, 5, 1, now);
        int calls = 20_000;
        long best = Long.MAX_VALUE;
        long sum = 0;
        // round 0 warms up; a real per-call allocation (16+ bytes) shows in every round, a late JIT only in some
        for (int round = 0; round < 4; round++) {
            long before = counter.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                sum += plane.pinnedBackendId(hit, now) + plane.pinnedBackendId(miss, now);
            }
            long bytes = counter.getCurrentThreadAllocatedBytes() - before;
            System.out.println("XdpMapWriterTest: pinnedBackendId round " + round + ": " + bytes + " bytes for "
                    + 2 * calls + " calls");
            if (round > 0) {
                best = Math.min(best, bytes);
            }
        }
        assertEquals(4L * calls * 4, sum, "5 - 1 per pair of calls");
        assertTrue(best < calls, "allocated " + best + " bytes for " + 2 * calls + " calls");
    }

    @Test
    void shouldRemoveDeletedBackendsAndVipEntriesAfterFlipping() throws Exception {
        ForwardingSnapshot s1 = snapshot(Set.of(), a("10.1.0.1", "10.1.0.2", "10.1.0.3"), b("fd00:1::1"),
                c("10.1.1.1", "10.1.1.2"));
        plane.publish(s1);
        assertEquals(4, vipEntries().size());
        Set<Integer> all = backendIds();
        assertEquals(6, all.size());
        int removed = ids.idOf("a", "10.1.0.2");
        assertTrue(all.contains(removed));

        ForwardingSnapshot s2 = snapshot(Set.of(), a("10.1.0.1", "10.1.0.3"), b("fd00:1::1"));
        plane.publish(s2);
        Set<Integer> left = backendIds();
        assertEquals(Set.of(ids.idOf("a", "10.1.0.1"), ids.idOf("a", "10.1.0.3"), ids.idOf("b", "fd00:1::1")), left);
        assertEquals(3, vipEntries().size(), "c's entry is gone");
        assertEquals(null, vipEntry("10.100.0.2", IpProtocol.UDP, 53));
        assertArrayEquals(expectedRing(s2, "a"), ringBySyscall(vipEntry("10.100.0.1", IpProtocol.TCP, 80).ringId()));
    }

    @Test
    void shouldKeepVipIdsAndRingsWhenTheConfigReordersVips() throws Exception {
        plane.publish(snapshot(Set.of(), a("10.1.0.1", "10.1.0.2"), b("fd00:1::1"), c("10.1.1.1")));
        Map<XdpDataPlane.VipKey, XdpDataPlane.VipValue> before = vipEntries();
        MemorySegment backendBefore = backendValue(ids.idOf("c", "10.1.1.1"));
        byte[] cBackend = backendBefore.toArray(JAVA_BYTE);
        long writes = plane.ringWrites();

        plane.publish(snapshot(Set.of(), c("10.1.1.1"), a("10.1.0.2", "10.1.0.1"), b("fd00:1::1")));
        assertEquals(before, vipEntries(), "same ids, same rings, same flags");
        assertEquals(writes, plane.ringWrites());
        assertArrayEquals(cBackend, backendValue(ids.idOf("c", "10.1.1.1")).toArray(JAVA_BYTE));
        assertEquals(before.get(keyOf("10.100.0.2", IpProtocol.UDP, 53)).vipId(),
                backendValue(ids.idOf("c", "10.1.1.1")).get(JAVA_INT, XdpContract.BACKEND_VIP_ID),
                "a backend carries its VIP's id");
    }

    static XdpDataPlane.VipKey keyOf(String address, int protocol, int port) {
        InetAddress a = inet(address);
        return a.getAddress().length == 4
                ? new XdpDataPlane.VipKey(4, 0, Ipv4Addresses.parse(address) & 0xffffffffL, protocol, port)
                : new XdpDataPlane.VipKey(6, Ipv6Addresses.hi(a), Ipv6Addresses.lo(a), protocol, port);
    }

    @Test
    void shouldReplaceAVipAtFullCapacityWithTheRingItsPredecessorDidNotUse() throws Exception {
        Vip d = new Vip("d", "10.100.0.9", IpProtocol.TCP, new int[] {22}, list("10.1.9.1"), false);
        plane.publish(snapshot(Set.of(), a("10.1.0.1"), b("fd00:1::1"), c("10.1.1.1")));
        int cRing = vipEntry("10.100.0.2", IpProtocol.UDP, 53).ringId();
        ForwardingSnapshot s2 = snapshot(Set.of(), a("10.1.0.1"), b("fd00:1::1"), d);
        plane.publish(s2);
        XdpDataPlane.VipValue dEntry = vipEntry("10.100.0.9", IpProtocol.TCP, 22);
        assertEquals(cRing ^ 1, dEntry.ringId());
        assertNotEquals(vipEntry("10.100.0.1", IpProtocol.TCP, 80).vipId(), dEntry.vipId());
        assertEquals(3, dEntry.vipId(), "a new VIP gets a new id (ids are never reused)");
        assertArrayEquals(expectedRing(s2, "d"), ringBySyscall(dEntry.ringId()));
        assertEquals(null, vipEntry("10.100.0.2", IpProtocol.UDP, 53));
    }

    @Test
    void shouldRefuseMoreVipsThanItsRingsHoldWithoutTouchingTheMaps() throws Exception {
        plane.publish(snapshot(Set.of(), a("10.1.0.1"), b("fd00:1::1"), c("10.1.1.1")));
        Map<XdpDataPlane.VipKey, XdpDataPlane.VipValue> before = vipEntries();
        Vip d = new Vip("d", "10.100.0.9", IpProtocol.TCP, new int[] {22}, list("10.1.9.1"), false);
        ForwardingSnapshot four = snapshot(Set.of(), a("10.1.0.1"), b("fd00:1::1"), c("10.1.1.1"), d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plane.publish(four));
        assertEquals("vips: 4 VIPs (expected: at most 3: the XDP program was loaded with Maglev rings for 3 VIPs of "
                + "maglev-table-size 251, 2 x 3 x 251 slots of dsrgw_rings; more need a restart, or a smaller "
                + "maglev-table-size)", e.getMessage());
        assertEquals(before, vipEntries());
        assertEquals(3, backendIds().size());
    }

    @Test
    void shouldRefuseASnapshotOfAnotherMaglevTableSize() throws Exception {
        ForwardingSnapshot other = snapshot(257, Set.of(), a("10.1.0.1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plane.publish(other));
        assertEquals("maglev-table-size: 257 (expected: 251, the size the XDP program's rings were created with; "
                + "changing it needs a restart)", e.getMessage());
        assertEquals(0, vipEntries().size());
    }

    @Test
    void shouldRefuseRingsBeyondTheLimitsAtLoad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XdpDataPlane.load(1024, TIMEOUTS, 1000003, 1025));
        assertEquals("XDP rings for 1025 VIPs of maglev-table-size 1000003 (expected: 1..1024 VIPs: 2 rings of "
                + "maglev-table-size slots each)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> XdpDataPlane.load(1024, TIMEOUTS, 1000, 1));
        assertEquals("maglev-table-size: 1000 (expected: a prime >= 3)", e.getMessage());
        assertEquals(64, XdpDataPlane.defaultMaxVips(65537));
        assertEquals(4, XdpDataPlane.defaultMaxVips(1000003));
        assertEquals(1024, XdpDataPlane.defaultMaxVips(251));
    }

    // ------------------------------------------------------------------------------------ values

    @Test
    void shouldWriteTheConfigFromTheSnapshotAndTheFlowTimeouts() throws Exception {
        ForwardingSnapshot s = snapshot(Set.of(), a("10.1.0.1"));
        plane.publish(s);
        MemorySegment key = arena.allocate(4, 4);
        MemorySegment c = arena.allocate(XdpContract.CONFIG_SIZE, 8);
        assertTrue(plane.map(XdpContract.MAP_CONFIG).lookup(key, c));
        assertEquals(s.flowHash().k0(), c.get(JAVA_LONG, 0));
        assertEquals(s.flowHash().k1(), c.get(JAVA_LONG, 8));
        long[] timeouts = {11, 222, 13, 44, 55};
        for (int i = 0; i < 5; i++) {
            assertEquals(timeouts[i] * 1_000_000_000L, c.get(JAVA_LONG, 16 + 8L * i), "timeout class " + i);
        }
        assertEquals(M, c.get(JAVA_INT, 56));
        assertEquals(1400, c.get(JAVA_INT, 60));
        assertEquals("fd00:2::2", Ipv6Addresses.format(c.get(XdpContract.BE_LONG, 64), c.get(XdpContract.BE_LONG,
                72)));
        assertEquals("10.0.2.2", Ipv4Addresses.format(c.get(XdpContract.BE_INT, 80)));
        assertEquals(61, c.get(JAVA_BYTE, 84));
        assertEquals(XdpContract.CFG_F_SRC_V4 | XdpContract.CFG_F_SRC_V6, c.get(JAVA_BYTE, 85));
    }

    @Test
    void shouldFlagStatelessVipsAndVipsWithGreChecksumBackends() throws Exception {
        Vip greSum = new Vip("g", "10.100.0.7", IpProtocol.TCP, new int[] {80}, List.of(
                new ForwardingSnapshot.Backend(inet("10.1.7.1"), 100, true, TunnelKind.GRE)), true);
        plane.publish(snapshot(Set.of("c"), a("10.1.0.1"), c("10.1.1.1"), greSum));
        assertEquals(0, vipEntry("10.100.0.1", IpProtocol.TCP, 80).flags());
        assertEquals(XdpContract.VIP_F_STATELESS, vipEntry("10.100.0.2", IpProtocol.UDP, 53).flags());
        assertEquals(XdpContract.VIP_F_PASS_ALL, vipEntry("10.100.0.7", IpProtocol.TCP, 80).flags());
        MemorySegment gre = backendValue(ids.idOf("g", "10.1.7.1"));
        assertEquals(TunnelKind.GRE.ordinal(), gre.get(JAVA_BYTE, XdpContract.BACKEND_TUNNEL_KIND));
        assertEquals(4, gre.get(JAVA_BYTE, XdpContract.BACKEND_OUTER_FAMILY));
        assertEquals("10.1.7.1", Ipv4Addresses.format(gre.get(XdpContract.BE_INT, 12)));
    }

    @Test
    void shouldWriteBackendStatesAsTheyChange() throws Exception {
        plane.publish(snapshot(Set.of(), a("10.1.0.1", "10.1.0.2")));
        int id = ids.idOf("a", "10.1.0.2");
        assertEquals(BackendState.ACTIVE.ordinal(), backendValue(id).get(JAVA_BYTE, XdpContract.BACKEND_STATE));
        Vip down = new Vip("a", "10.100.0.1", IpProtocol.TCP, new int[] {80, 443}, List.of(backend("10.1.0.1"),
                backend("10.1.0.2", BackendState.DOWN)), false);
        ForwardingSnapshot s = snapshot(Set.of(), down);
        plane.publish(s);
        assertEquals(BackendState.DOWN.ordinal(), backendValue(id).get(JAVA_BYTE, XdpContract.BACKEND_STATE));
        int[] ring = ringBySyscall(vipEntry("10.100.0.1", IpProtocol.TCP, 80).ringId());
        for (int slot : ring) {
            assertEquals(ids.idOf("a", "10.1.0.1"), slot, "a down backend has no slot");
        }
    }

    // ------------------------------------------------------------------------------------ flow table reads

    /** Puts an entry into dsrgw_flows as the program would. */
    void pin(FlowKey k, int backendId, int timeoutClass, long lastSeenNs) throws Exception {
        MemorySegment key = arena.allocate(XdpContract.FLOW_KEY_SIZE, 8);
        MemorySegment.copy(FlowHash.canonicalBytes(k), 0, key, JAVA_BYTE, 0, XdpContract.FLOW_KEY_SIZE);
        MemorySegment value = arena.allocate(XdpContract.FLOW_VALUE_SIZE, 8);
        value.set(JAVA_LONG, 0, lastSeenNs);
        value.set(JAVA_INT, 8, backendId);
        value.set(JAVA_BYTE, 12, (byte) timeoutClass);
        plane.map(XdpContract.MAP_FLOWS).update(key, value, BpfMap.BPF_ANY);
    }

    @Test
    void shouldAnswerPinnedBackendIdsUntilTheClassTimeoutAsTheProgramDoes() throws Exception {
        FlowKey tcp = new FlowKey().setIpv4(Ipv4Addresses.parse("198.18.0.1"), Ipv4Addresses.parse("10.100.0.1"),
                IpProtocol.TCP, 40000, 80, false);
        long[] c = Ipv6Addresses.parse("2001:db8::1");
        long[] d = Ipv6Addresses.parse("fd00:100::1");
        FlowKey udp6 = new FlowKey().setIpv6(c[0], c[1], d[0], d[1], IpProtocol.UDP, 5353, 53, false);
        long now = System.nanoTime();
        assertEquals(-1, plane.pinnedBackendId(tcp, now), "no entry");
        pin(tcp, 7, 1, now - 222_000_000_000L); // established: 222 s
        pin(udp6, 9, 3, now - 44_000_000_001L); // udp: 44 s, one ns too old
        assertEquals(7, plane.pinnedBackendId(tcp, now), "exactly at the timeout: still fresh (<=)");
        assertEquals(-1, plane.pinnedBackendId(tcp, now + 1), "one ns later: expired");
        assertEquals(-1, plane.pinnedBackendId(udp6, now));
        assertEquals(9, plane.pinnedBackendId(udp6, now - 1));
        pin(udp6, 9, 7, now);
        assertEquals(-1, plane.pinnedBackendId(udp6, now), "an unknown class counts as expired");
        FlowKey fragment = new FlowKey().setIpv4(Ipv4Addresses.parse("198.18.0.1"),
                Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP, 0, 0, true);
        pin(fragment, 7, 1, now);
        assertEquals(-1, plane.pinnedBackendId(fragment, now), "fragments never have XDP entries");
    }

    @Test
    void shouldExplainPinnedFlowsOfBackendsThatKeepTheirFlowsElseMaglev() throws Exception {
        ForwardingSnapshot s = snapshot(Set.of("c"), a("10.1.0.1", "10.1.0.2", "10.1.0.3"), c("10.1.1.1"));
        plane.publish(s);
        FlowKey k = new FlowKey().setIpv4(Ipv4Addresses.parse("198.18.0.1"), Ipv4Addresses.parse("10.100.0.1"),
                IpProtocol.TCP, 40000, 443, false);
        long hash = s.flowHash().hash(k);
        int vip = s.vipIndex(Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP, 443);
        BackendSelection maglev = BackendSelection.maglev(s, vip, hash);
        assertEquals(maglev, plane.flowTable().lookup(s, vip, k, hash, 0), "no entry: Maglev");
        int other = (maglev.backend() + 1) % 3; // a backend of a that Maglev does not give this flow
        int otherId = s.backendId(other);
        pin(k, otherId, 1, System.nanoTime());
        BackendSelection pinned = plane.flowTable().lookup(s, vip, k, hash, 0);
        assertEquals(new BackendSelection(other, BackendSelection.Source.PINNED, XdpDataPlane.FLOW_TABLE_ID,
                maglev.slot(), hash), pinned);

        pin(k, s.backendId(s.backendCount() - 1), 1, System.nanoTime()); // c's backend: another VIP's
        assertEquals(maglev, plane.flowTable().lookup(s, vip, k, hash, 0), "a backend of another VIP: Maglev");

        List<ForwardingSnapshot.Backend> aDown = new ArrayList<>(List.of(backend("10.1.0.1"), backend("10.1.0.2"),
                backend("10.1.0.3")));
        String otherAddress = s.backendIdentity(other);
        aDown.replaceAll(x -> x.address().getHostAddress().equals(otherAddress)
                ? backend(otherAddress, BackendState.DOWN) : x);
        ForwardingSnapshot s2 = snapshot(Set.of("c"), new Vip("a", "10.100.0.1", IpProtocol.TCP,
                new int[] {80, 443}, aDown, false), c("10.1.1.1"));
        pin(k, otherId, 1, System.nanoTime());
        BackendSelection downAnswer = plane.flowTable().lookup(s2, vip, k, s2.flowHash().hash(k), 0);
        assertEquals(BackendSelection.Source.MAGLEV, downAnswer.source(), "a down backend's flow re-hashes");

        FlowKey st = new FlowKey().setIpv4(Ipv4Addresses.parse("198.18.0.1"), Ipv4Addresses.parse("10.100.0.2"),
                IpProtocol.UDP, 40000, 53, false);
        int stVip = s.vipIndex(Ipv4Addresses.parse("10.100.0.2"), IpProtocol.UDP, 53);
        pin(st, s.backendId(s.backendCount() - 1), 3, System.nanoTime());
        assertEquals(BackendSelection.Source.MAGLEV, plane.flowTable().lookup(s, stVip, st, s.flowHash().hash(st), 0)
                .source(), "a stateless VIP is always Maglev");
    }

    @Test
    void shouldReadEveryContractCounterInIndexOrderStartingAtZero() throws Exception {
        XdpCounters counters = plane.counters();
        assertEquals(XdpContract.COUNTER_NAMES, List.copyOf(counters.values().keySet()));
        for (long v : counters.values().values()) {
            assertEquals(0, v);
        }
        assertThrows(IllegalArgumentException.class, () -> counters.value("no_such_counter"));
    }
}
