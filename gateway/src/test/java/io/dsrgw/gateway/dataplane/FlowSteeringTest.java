package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.lb.MaglevCache;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowSteeringTest {
    private static final int VIP = Ipv4Addresses.parse("10.100.0.1");
    private static final int B1 = Ipv4Addresses.parse("10.0.3.1");
    private static final int B2 = Ipv4Addresses.parse("10.0.3.2");
    private static final int B3 = Ipv4Addresses.parse("10.0.3.3");
    private static final int FLOWS = 3000;

    private final BackendIds ids = new BackendIds();
    private final MaglevCache cache = new MaglevCache();
    private long generation;

    private ForwardingSnapshot snapshot(ForwardingSnapshot.Ipv4Backend... backends) {
        return ForwardingSnapshot.builder("seed", 65537, Ipv4Addresses.parse("10.0.2.2"), 64, 1500)
                .generation(++generation).backendIds(ids).maglevCache(cache)
                .addVip("web", VIP, IpProtocol.TCP, new int[] {80}, List.of(backends)).build();
    }

    private static ForwardingSnapshot.Ipv4Backend b(int address, int weight, BackendState state) {
        return new ForwardingSnapshot.Ipv4Backend(address, weight, state);
    }

    private static FlowKey flow(int i) {
        return new FlowKey().setIpv4(0x0b000000 + i, VIP, IpProtocol.TCP, 1024 + (i % 60000), 80, false);
    }

    /** Backend address per flow, sending one ACK packet of each flow through {@code steering}. */
    private static int[] route(FlowSteering steering, ForwardingSnapshot s) {
        int[] out = new int[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            FlowKey k = flow(i);
            int b = steering.backendFor(s, 0, k, s.flowHash().hash(k), FlowSteering.TCP_ACK, 1_000L);
            out[i] = b == ForwardingSnapshot.NONE ? 0 : s.backendIpv4(b);
        }
        return out;
    }

    private static int[] maglev(ForwardingSnapshot s) {
        int[] out = new int[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            int b = s.backendFor(0, s.flowHash().hash(flow(i)));
            out[i] = b == ForwardingSnapshot.NONE ? 0 : s.backendIpv4(b);
        }
        return out;
    }

    private static FlowSteering steering() {
        return new FlowSteering(new FlowTable(1 << 14, FlowTimeouts.DEFAULT));
    }

    @Test
    void shouldKeepEveryFlowOnItsBackendWhenABackendIsAdded() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE)));
        ForwardingSnapshot grown = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        int[] pureMaglev = maglev(grown);
        int moved = 0;
        for (int i = 0; i < FLOWS; i++) {
            moved += pureMaglev[i] != before[i] ? 1 : 0;
        }
        assertTrue(moved > FLOWS / 5, "the new backend takes about a third of the Maglev slots: " + moved);
        assertArraysEqual(before, route(steering, grown), "known flows stay put");
        // New flows use the new table, including the new backend.
        FlowKey fresh = null;
        for (int i = FLOWS; fresh == null; i++) {
            FlowKey k = flow(i);
            if (grown.backendIpv4(grown.backendFor(0, grown.flowHash().hash(k))) == B3) {
                fresh = k;
            }
        }
        int b = steering.backendFor(grown, 0, fresh, grown.flowHash().hash(fresh), FlowSteering.TCP_SYN, 2_000L);
        assertEquals(B3, grown.backendIpv4(b));
    }

    /** A flow (number >= 0) that route() pinned to another backend than {@code grown}'s Maglev table gives it. */
    private static int flowMovedByMaglev(int[] pinned, ForwardingSnapshot grown, int to) {
        for (int i = 0; i < FLOWS; i++) {
            int m = grown.backendIpv4(grown.backendFor(0, grown.flowHash().hash(flow(i))));
            if (m == to && pinned[i] != to) {
                return i;
            }
        }
        throw new AssertionError("no flow moves to " + Ipv4Addresses.format(to));
    }

    @Test
    void shouldSendASynOfAPinnedFlowToTheNewMaglevBackendAndRebindTheEntry() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE)));
        ForwardingSnapshot grown = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        int i = flowMovedByMaglev(before, grown, B3);
        FlowKey k = flow(i);
        long hash = grown.flowHash().hash(k);
        long entries = steering.table().get(FlowTable.Counter.ENTRIES);
        int syn = steering.backendFor(grown, 0, k, hash, FlowSteering.TCP_SYN, 2_000L);
        assertEquals(B3, grown.backendIpv4(syn), "a SYN takes the current Maglev choice (re-hash, as Katran)");
        assertEquals(entries, steering.table().get(FlowTable.Counter.ENTRIES), "the entry is re-bound, not added");
        int ack = steering.backendFor(grown, 0, k, hash, FlowSteering.TCP_ACK, 3_000L);
        assertEquals(B3, grown.backendIpv4(ack), "the rest of the new connection follows its SYN");
        assertEquals(0, steering.rehashed(), "a SYN re-hash is not a move away from a failed backend");
        int slot = steering.table().peek(k, hash, 3_000L);
        assertEquals(FlowTable.CLASS_TCP_ESTABLISHED, steering.table().timeoutClass(slot));
    }

    @Test
    void shouldKeepANonSynPacketOfAPinnedFlowOnItsBackendAfterABackendIsAdded() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE)));
        ForwardingSnapshot grown = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        int i = flowMovedByMaglev(before, grown, B3);
        FlowKey k = flow(i);
        long hash = grown.flowHash().hash(k);
        for (int flags : new int[] {FlowSteering.TCP_ACK, FlowSteering.TCP_SYN | FlowSteering.TCP_ACK,
            FlowSteering.TCP_FIN | FlowSteering.TCP_ACK, FlowSteering.TCP_RST}) {
            int b = steering.backendFor(grown, 0, k, hash, flags, 2_000L);
            assertEquals(before[i], grown.backendIpv4(b), "flags 0x" + Integer.toHexString(flags) + " stay pinned");
        }
    }

    @Test
    void shouldExplainAPinnedFlowAndAMaglevFlowWithoutChangingTheTable() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE)));
        ForwardingSnapshot grown = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        int i = flowMovedByMaglev(before, grown, B3);
        FlowKey k = flow(i);
        long hash = grown.flowHash().hash(k);
        long hits = steering.table().get(FlowTable.Counter.HITS);
        long misses = steering.table().get(FlowTable.Counter.MISSES);
        BackendSelection pinned = steering.explain(grown, 0, k, hash, 2_000L, 7);
        assertEquals(BackendSelection.Source.PINNED, pinned.source());
        assertEquals(7, pinned.table());
        assertEquals(before[i], grown.backendIpv4(pinned.backend()));
        assertEquals(ForwardingSnapshot.slotOf(hash, 65537), pinned.slot(), "the Maglev slot, also when pinned");
        assertEquals(steering.backendFor(grown, 0, k, hash, FlowSteering.TCP_ACK, 2_000L), pinned.backend(),
                "explain and forwarding agree");
        FlowKey unknown = flow(FLOWS + 1);
        long h2 = grown.flowHash().hash(unknown);
        BackendSelection fresh = steering.explain(grown, 0, unknown, h2, 2_000L, 7);
        assertEquals(new BackendSelection(grown.backendFor(0, h2), BackendSelection.Source.MAGLEV,
                BackendSelection.NO_TABLE, ForwardingSnapshot.slotOf(h2, 65537), h2), fresh);
        assertEquals(hits + 1, steering.table().get(FlowTable.Counter.HITS), "only the forwarded packet counted");
        assertEquals(misses, steering.table().get(FlowTable.Counter.MISSES));
        assertEquals(FlowTable.MISS, steering.table().peek(unknown, h2, 2_000L), "explain learns nothing");
        // A pinned backend gone down: the flow would be re-hashed, and explain says so.
        ForwardingSnapshot down = snapshot(
                b(B1, 100, before[i] == B1 ? BackendState.DOWN : BackendState.ACTIVE),
                b(B2, 100, before[i] == B2 ? BackendState.DOWN : BackendState.ACTIVE), b(B3, 100, BackendState.ACTIVE));
        assertEquals(BackendSelection.Source.MAGLEV, steering.explain(down, 0, k, hash, 2_000L, 7).source());
    }

    @Test
    void shouldKeepFlowsOnAReweightedOrDrainingBackend() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE)));
        assertArraysEqual(before, route(steering, snapshot(b(B1, 100, BackendState.ACTIVE),
                b(B2, 10, BackendState.ACTIVE))), "re-weighted");
        ForwardingSnapshot draining = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.DRAINING));
        assertArraysEqual(before, route(steering, draining), "draining keeps its flows");
        assertArraysEqual(before, route(steering, snapshot(b(B1, 100, BackendState.ACTIVE),
                b(B2, 0, BackendState.ACTIVE))), "weight 0 is draining");
        int[] maglev = maglev(draining);
        for (int m : maglev) {
            assertEquals(B1, m, "no new flow goes to the draining backend");
        }
    }

    @Test
    void shouldRehashTheFlowsOfADownOrRemovedBackendAndOnlyThose() {
        FlowSteering steering = steering();
        int[] before = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE)));
        int[] after = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.DOWN),
                b(B3, 100, BackendState.ACTIVE)));
        int onB2 = 0;
        for (int i = 0; i < FLOWS; i++) {
            if (before[i] == B2) {
                onB2++;
                assertNotEquals(B2, after[i]);
            } else {
                assertEquals(before[i], after[i], "flow " + i + " was not on the down backend");
            }
        }
        assertEquals(onB2, steering.rehashed());
        // Removed by reload (absent from the snapshot): same as down.
        int[] removed = route(steering, snapshot(b(B1, 100, BackendState.ACTIVE), b(B3, 100, BackendState.ACTIVE)));
        assertArraysEqual(after, removed, "re-bound flows stay on their new backend");
        // B2 comes back: its old flows were re-bound and stay where they are now.
        assertArraysEqual(after, route(steering, snapshot(b(B1, 100, BackendState.ACTIVE),
                b(B2, 100, BackendState.ACTIVE), b(B3, 100, BackendState.ACTIVE))), "no flap back");
    }

    @Test
    void shouldBypassTheTableForAStatelessVip() {
        FlowSteering steering = steering();
        ForwardingSnapshot s = ForwardingSnapshot.builder("seed", 65537, 1, 64, 1500)
                .backendIds(ids).maglevCache(cache).statelessVips(Set.of("web"))
                .addVip("web", VIP, IpProtocol.TCP, new int[] {80}, List.of(b(B1, 1, BackendState.ACTIVE))).build();
        route(steering, s);
        assertEquals(0, steering.table().get(FlowTable.Counter.ENTRIES));
    }

    @Test
    void shouldReuseTheMaglevTableOfAnUnchangedVip() {
        ForwardingSnapshot a = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE));
        ForwardingSnapshot b = snapshot(b(B2, 100, BackendState.ACTIVE), b(B1, 100, BackendState.ACTIVE));
        assertSame(a.maglev(0), b.maglev(0), "same backends in another order: same table, not rebuilt");
        assertEquals(1, cache.builds());
        assertEquals(a.backendId(0), b.backendId(0));
    }

    @Test
    void shouldClassifyTcpFlowsForTheirTimeouts() {
        FlowKey k = flow(1);
        assertEquals(FlowTable.CLASS_TCP_SYN, FlowSteering.initialClass(k, FlowSteering.TCP_SYN));
        assertEquals(FlowTable.CLASS_TCP_ESTABLISHED, FlowSteering.initialClass(k, FlowSteering.TCP_ACK));
        assertEquals(FlowTable.CLASS_TCP_ESTABLISHED,
                FlowSteering.nextClass(FlowTable.CLASS_TCP_SYN, k, FlowSteering.TCP_ACK));
        assertEquals(FlowTable.CLASS_TCP_SYN, FlowSteering.nextClass(FlowTable.CLASS_TCP_SYN, k,
                FlowSteering.TCP_SYN), "a retransmitted SYN stays SYN-only");
        assertEquals(FlowTable.CLASS_TCP_CLOSING, FlowSteering.nextClass(FlowTable.CLASS_TCP_ESTABLISHED, k,
                FlowSteering.TCP_RST | FlowSteering.TCP_ACK));
        FlowKey udp = new FlowKey().setIpv4(1, VIP, IpProtocol.UDP, 1, 53, false);
        assertEquals(FlowTable.CLASS_UDP, FlowSteering.initialClass(udp, FlowSteering.NO_FLAGS));
        FlowKey frag = new FlowKey().setIpv4(1, VIP, IpProtocol.TCP, 0, 0, true);
        assertEquals(FlowTable.CLASS_OTHER, FlowSteering.initialClass(frag, FlowSteering.NO_FLAGS));
    }

    // ---------------------------------------------------------------------------------- shared table (XDP)

    /** A shared table (as the XDP program's) that pins every flow to one stable backend id and counts questions. */
    private static final class FakeShared implements PinnedFlows {
        int pinnedId = PinnedFlows.NONE;
        int asked;

        @Override
        public int pinnedBackendId(FlowKey key, long nowNs) {
            asked++;
            return pinnedId;
        }
    }

    /** A flow that {@code s}'s Maglev table gives a backend other than {@code not}. */
    private static FlowKey flowNotOn(ForwardingSnapshot s, int not) {
        for (int i = 0; ; i++) {
            FlowKey k = flow(i);
            if (s.backendIpv4(s.backendFor(0, s.flowHash().hash(k))) != not) {
                return k;
            }
        }
    }

    private static int indexOf(ForwardingSnapshot s, int address) {
        for (int b = 0; b < s.backendCount(); b++) {
            if (s.backendIpv4(b) == address) {
                return b;
            }
        }
        throw new AssertionError("no backend " + Ipv4Addresses.format(address));
    }

    @Test
    void shouldSendASlowPathPacketToTheBackendTheSharedTablePinsAndRememberIt() {
        ForwardingSnapshot s = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        FlowKey k = flowNotOn(s, B1);
        long hash = s.flowHash().hash(k);
        FakeShared shared = new FakeShared();
        shared.pinnedId = s.backendId(indexOf(s, B1));
        FlowSteering steering = steering();
        steering.pinnedFlows(shared);
        int b = steering.backendFor(s, 0, k, hash, FlowSteering.TCP_ACK, 1_000L);
        assertEquals(B1, s.backendIpv4(b), "the fast path's pin, not the Maglev choice");
        assertEquals(1, steering.adopted());
        shared.pinnedId = PinnedFlows.NONE;
        int again = steering.backendFor(s, 0, k, hash, FlowSteering.TCP_ACK, 2_000L);
        assertEquals(B1, s.backendIpv4(again), "the worker's table keeps the adopted pin");
        assertEquals(1, shared.asked, "a hit in the worker's own table asks the shared table nothing");
    }

    @Test
    void shouldIgnoreASharedPinToADownOrUnknownBackend() {
        ForwardingSnapshot s = snapshot(b(B1, 100, BackendState.DOWN), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        FlowKey k = flowNotOn(s, B1);
        long hash = s.flowHash().hash(k);
        int maglev = s.backendFor(0, hash);
        FakeShared shared = new FakeShared();
        shared.pinnedId = s.backendId(indexOf(s, B1));
        FlowSteering steering = steering();
        steering.pinnedFlows(shared);
        assertEquals(maglev, steering.backendFor(s, 0, k, hash, FlowSteering.TCP_ACK, 1_000L), "down: Maglev");
        shared.pinnedId = 1_000_000; // an id no snapshot knows (a backend removed since)
        FlowKey k2 = flowNotOn(s, B1);
        FlowSteering fresh = steering();
        fresh.pinnedFlows(shared);
        assertEquals(s.backendFor(0, s.flowHash().hash(k2)),
                fresh.existingBackend(s, 0, k2, s.flowHash().hash(k2), 1_000L), "unknown id: Maglev");
        assertEquals(0, steering.adopted() + fresh.adopted());
    }

    @Test
    void shouldNeverAskTheSharedTableForAnOpeningSynOrAFragment() {
        ForwardingSnapshot s = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE));
        FakeShared shared = new FakeShared();
        shared.pinnedId = s.backendId(indexOf(s, B1));
        FlowSteering steering = steering();
        steering.pinnedFlows(shared);
        FlowKey syn = flowNotOn(s, B1);
        int b = steering.backendFor(s, 0, syn, s.flowHash().hash(syn), FlowSteering.TCP_SYN, 1_000L);
        assertEquals(s.backendFor(0, s.flowHash().hash(syn)), b, "a SYN takes the Maglev choice");
        FlowKey fragment = new FlowKey().setIpv4(0x0b000001, VIP, IpProtocol.TCP, 0, 0, true);
        steering.backendFor(s, 0, fragment, s.flowHash().hash(fragment), FlowSteering.NO_FLAGS, 1_000L);
        assertEquals(0, shared.asked, "neither was looked up in the shared table");
    }

    @Test
    void shouldSendAnIcmpErrorToTheSharedPinWithoutLearningTheFlow() {
        ForwardingSnapshot s = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.DRAINING));
        FlowKey k = flowNotOn(s, B3);
        FakeShared shared = new FakeShared();
        shared.pinnedId = s.backendId(indexOf(s, B3));
        FlowSteering steering = steering();
        steering.pinnedFlows(shared);
        int b = steering.existingBackend(s, 0, k, s.flowHash().hash(k), 1_000L);
        assertEquals(B3, s.backendIpv4(b), "a draining backend keeps its flows, also their ICMP errors");
        assertEquals(0, steering.table().get(FlowTable.Counter.ENTRIES), "an ICMP error creates no entry");
    }

    @Test
    void shouldPreferTheWorkersOwnLiveEntryOverTheSharedTable() {
        ForwardingSnapshot s = snapshot(b(B1, 100, BackendState.ACTIVE), b(B2, 100, BackendState.ACTIVE),
                b(B3, 100, BackendState.ACTIVE));
        FlowKey k = flowNotOn(s, B1);
        long hash = s.flowHash().hash(k);
        FlowSteering steering = steering();
        int own = steering.backendFor(s, 0, k, hash, FlowSteering.TCP_ACK, 1_000L);
        FakeShared shared = new FakeShared();
        shared.pinnedId = s.backendId(indexOf(s, B1));
        steering.pinnedFlows(shared);
        assertEquals(own, steering.backendFor(s, 0, k, hash, FlowSteering.TCP_ACK, 2_000L));
        assertEquals(0, shared.asked);
    }

    private static void assertArraysEqual(int[] expected, int[] actual, String what) {
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                diffs.add(i + ": " + Ipv4Addresses.format(expected[i]) + " -> " + Ipv4Addresses.format(actual[i]));
            }
        }
        assertTrue(diffs.isEmpty(), what + ": " + diffs.size() + " flows moved, e.g. "
                + diffs.subList(0, Math.min(5, diffs.size())));
    }
}
