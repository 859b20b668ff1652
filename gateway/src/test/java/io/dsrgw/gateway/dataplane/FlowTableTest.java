package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest {
    private static final long S = 1_000_000_000L;
    private static final FlowTimeouts TIMEOUTS = new FlowTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(100),
            Duration.ofSeconds(7), Duration.ofSeconds(30), Duration.ofSeconds(20));

    private static FlowKey tcp(int src, int srcPort) {
        return new FlowKey().setIpv4(src, 0x0a640001, IpProtocol.TCP, srcPort, 80, false);
    }

    @Test
    void shouldRoundCapacityUpToAPowerOfTwoOfAtLeastOneBucket() {
        assertEquals(8, new FlowTable(1, TIMEOUTS).capacity());
        assertEquals(16, new FlowTable(9, TIMEOUTS).capacity());
        assertEquals(1024, new FlowTable(1024, TIMEOUTS).capacity());
        assertEquals(64L * 1024, new FlowTable(1024, TIMEOUTS).memoryBytes());
        assertThrows(IllegalArgumentException.class, () -> new FlowTable(0, TIMEOUTS));
        assertThrows(IllegalArgumentException.class, () -> new FlowTable(FlowTable.MAX_CAPACITY + 1, TIMEOUTS));
    }

    @Test
    void shouldFindAnInsertedFlowWithItsBackendAndGeneration() {
        FlowTable t = new FlowTable(64, TIMEOUTS);
        FlowKey k = tcp(1, 1000);
        assertEquals(FlowTable.MISS, t.find(k, 42, 0));
        int slot = t.insert(k, 42, 7, 3, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        assertEquals(slot, t.find(k, 42, S));
        assertEquals(7, t.backendId(slot));
        assertEquals(3, t.generation(slot));
        assertEquals(1, t.get(FlowTable.Counter.HITS));
        assertEquals(1, t.get(FlowTable.Counter.MISSES));
        assertEquals(1, t.get(FlowTable.Counter.ENTRIES));
    }

    @Test
    void shouldCountLiveFlowsPerBackendThroughInsertRebindExpiryAndClear() {
        FlowTable t = new FlowTable(64, TIMEOUTS);
        int a = t.insert(tcp(1, 1000), 1, 0, 0, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        t.insert(tcp(1, 1001), 2, 0, 0, FlowTable.CLASS_TCP_SYN, 0);
        t.insert(tcp(1, 1002), 3, 2, 0, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        assertEquals(2, t.flows(0));
        assertEquals(1, t.flows(2));
        t.rebind(a, 1, 1);
        assertEquals(1, t.flows(0));
        assertEquals(1, t.flows(1));
        assertEquals(1, t.sweep(10 * S, t.capacity()), "the SYN-class flow (5 s) expires, the others (100 s) stay");
        assertEquals(0, t.flows(0));
        t.remove(t.find(tcp(1, 1002), 3, 10 * S));
        assertEquals(0, t.flows(2));
        assertEquals(1, t.flows(1));
        assertEquals(0, t.flows(7), "an id never seen reads 0");
        t.clear();
        assertEquals(0, t.flows(1));
        assertEquals(t.get(FlowTable.Counter.ENTRIES), t.flows(0) + t.flows(1) + t.flows(2));
    }

    @Test
    void shouldNotConfuseTwoFlowsWithTheSameHash() {
        FlowTable t = new FlowTable(64, TIMEOUTS);
        FlowKey a = tcp(1, 1000);
        FlowKey b = tcp(1, 1001);
        FlowKey v6 = new FlowKey().setIpv6(0, 1, 0, 0x0a640001, IpProtocol.TCP, 1000, 80, false);
        t.insert(a, 99, 1, 0, FlowTable.CLASS_UDP, 0);
        assertEquals(FlowTable.MISS, t.find(b, 99, 0));
        assertEquals(FlowTable.MISS, t.find(v6, 99, 0), "IPv6 key with the same low words is another flow");
        int sb = t.insert(b, 99, 2, 0, FlowTable.CLASS_UDP, 0);
        int s6 = t.insert(v6, 99, 3, 0, FlowTable.CLASS_UDP, 0);
        assertEquals(1, t.backendId(t.find(a, 99, 0)));
        assertEquals(2, t.backendId(t.find(b, 99, 0)));
        assertEquals(3, t.backendId(t.find(v6, 99, 0)));
        assertNotEquals(sb, s6);
    }

    @Test
    void shouldExpireEachClassAfterItsOwnIdleTimeout() {
        FlowTable t = new FlowTable(64, TIMEOUTS);
        FlowKey syn = tcp(1, 1);
        FlowKey est = tcp(2, 2);
        t.insert(syn, 1, 1, 0, FlowTable.CLASS_TCP_SYN, 0);
        t.insert(est, 2, 1, 0, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        assertNotEquals(FlowTable.MISS, t.find(syn, 1, 5 * S), "exactly the timeout is still alive");
        assertEquals(FlowTable.MISS, t.find(syn, 1, 10 * S + 1), "lookup at 5 s + 1 ns after the touch");
        int e = t.find(est, 2, 99 * S);
        assertNotEquals(FlowTable.MISS, e);
        t.touch(e, 99 * S, FlowTable.CLASS_TCP_ESTABLISHED);
        assertNotEquals(FlowTable.MISS, t.find(est, 2, 198 * S), "touch restarts the idle time");
        assertEquals(FlowTable.MISS, t.find(est, 2, 298 * S));
        assertEquals(2, t.get(FlowTable.Counter.EXPIRATIONS));
        assertEquals(0, t.get(FlowTable.Counter.ENTRIES));
    }

    @Test
    void shouldEvictTheLeastRecentlySeenFlowOfAFullBucketAndNeverGrow() {
        FlowTable t = new FlowTable(8, TIMEOUTS); // one bucket of 8 ways
        for (int i = 0; i < 8; i++) {
            t.insert(tcp(i, i), 1000 + i, i, 0, FlowTable.CLASS_TCP_ESTABLISHED, i * S);
        }
        // Flow 0 is the oldest but is seen again: flow 1 becomes the least recently seen.
        t.touch(t.find(tcp(0, 0), 1000, 10 * S), 10 * S, FlowTable.CLASS_TCP_ESTABLISHED);
        t.insert(tcp(100, 100), 2000, 100, 0, FlowTable.CLASS_TCP_ESTABLISHED, 11 * S);
        assertEquals(FlowTable.MISS, t.find(tcp(1, 1), 1001, 11 * S));
        assertNotEquals(FlowTable.MISS, t.find(tcp(0, 0), 1000, 11 * S));
        assertNotEquals(FlowTable.MISS, t.find(tcp(100, 100), 2000, 11 * S));
        assertEquals(1, t.get(FlowTable.Counter.EVICTIONS));
        // A SYN flood of 10_000 new flows: the table stays at capacity, every insert evicts.
        for (int i = 0; i < 10_000; i++) {
            t.insert(tcp(5000 + i, 1), 5000 + i, 1, 0, FlowTable.CLASS_TCP_SYN, 12 * S);
        }
        assertEquals(8, t.get(FlowTable.Counter.ENTRIES));
        assertEquals(10_001, t.get(FlowTable.Counter.EVICTIONS));
    }

    @Test
    void shouldHoldThreeQuartersOfItsCapacityWithoutEvictingLiveFlows() {
        FlowTable t = new FlowTable(1 << 16, TIMEOUTS);
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int flows = 3 << 14;
        for (int i = 0; i < flows; i++) {
            t.insert(tcp(i, i & 0xffff), random.nextLong(), i, 0, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        }
        long evicted = t.get(FlowTable.Counter.EVICTIONS);
        System.out.println("flow table 75% full: " + evicted + " of " + flows + " flows evicted");
        assertTrue(evicted <= flows / 1000, "two 8-way buckets per flow: " + evicted + " evictions");
    }

    @Test
    void shouldLetASynFloodEvictItselfBeforeEstablishedFlows() {
        FlowTable t = new FlowTable(8, TIMEOUTS);
        for (int i = 0; i < 4; i++) {
            t.insert(tcp(i, i), i, i, 0, FlowTable.CLASS_TCP_ESTABLISHED, 0);
        }
        // Later SYNs (5 s timeout) have earlier deadlines than the established flows (100 s) seen before them.
        for (int i = 0; i < 1000; i++) {
            t.insert(tcp(1000 + i, 1), 1000 + i, 1, 0, FlowTable.CLASS_TCP_SYN, S + i);
        }
        for (int i = 0; i < 4; i++) {
            assertNotEquals(FlowTable.MISS, t.find(tcp(i, i), i, 2 * S), "established flow " + i + " survives");
        }
        assertEquals(1000 - 4, t.get(FlowTable.Counter.EVICTIONS));
    }

    @Test
    void shouldPreferAnExpiredSlotOverEvictingALiveFlow() {
        FlowTable t = new FlowTable(8, TIMEOUTS);
        for (int i = 0; i < 8; i++) {
            t.insert(tcp(i, i), i, i, 0, i == 5 ? FlowTable.CLASS_TCP_SYN : FlowTable.CLASS_TCP_ESTABLISHED,
                    i == 5 ? 50 * S : 0);
        }
        // At 60 s, flow 5 (SYN, 5 s timeout, seen at 50 s) is expired; flows 0..4, 6, 7 are older but alive.
        t.insert(tcp(100, 100), 100, 100, 0, FlowTable.CLASS_TCP_ESTABLISHED, 60 * S);
        assertEquals(FlowTable.MISS, t.find(tcp(5, 5), 5, 60 * S));
        for (int i = 0; i < 8; i++) {
            if (i != 5) {
                assertNotEquals(FlowTable.MISS, t.find(tcp(i, i), i, 60 * S), "flow " + i);
            }
        }
        assertEquals(0, t.get(FlowTable.Counter.EVICTIONS));
        assertEquals(1, t.get(FlowTable.Counter.EXPIRATIONS));
    }

    @Test
    void shouldSweepIdleFlowsOutOfTheEntriesGauge() {
        FlowTable t = new FlowTable(1024, TIMEOUTS);
        for (int i = 0; i < 500; i++) {
            t.insert(tcp(i, i), i * 0x9e3779b97f4a7c15L, i, 0, FlowTable.CLASS_UDP, 0);
        }
        assertEquals(500, t.get(FlowTable.Counter.ENTRIES));
        assertEquals(0, t.sweep(30 * S, 1024 / FlowTable.WAYS));
        assertEquals(500, t.sweep(31 * S, 1024 / FlowTable.WAYS));
        assertEquals(0, t.get(FlowTable.Counter.ENTRIES));
        t.publishCounters();
        assertEquals(500, t.published(FlowTable.Counter.EXPIRATIONS));
    }

    @Test
    void shouldKeepTheBackendWhileTheTimeoutClassChanges() {
        FlowTable t = new FlowTable(64, TIMEOUTS);
        FlowKey k = tcp(1, 1);
        int slot = t.insert(k, 5, 9, 1, FlowTable.CLASS_TCP_SYN, 0);
        t.touch(slot, S, FlowTable.CLASS_TCP_ESTABLISHED);
        assertEquals(FlowTable.CLASS_TCP_ESTABLISHED, t.timeoutClass(slot));
        assertTrue(t.find(k, 5, 50 * S) == slot, "established timeout (100 s) applies now, not SYN (5 s)");
        t.rebind(slot, 4, 2);
        assertEquals(4, t.backendId(slot));
        assertEquals(2, t.generation(slot));
    }

    @Test
    void shouldCountLiveFlowsPerBackendThroughInsertRebindEvictionExpiryAndClear() {
        FlowTable t = new FlowTable(16, TIMEOUTS); // two buckets of 8; hash 5 uses both: room for 16 flows
        long hash = 5;
        int[] slots = new int[16];
        for (int i = 0; i < 16; i++) {
            slots[i] = t.insert(tcp(i, 1000 + i), hash, i < 10 ? 1 : 2, 0, FlowTable.CLASS_TCP_ESTABLISHED, i);
        }
        assertEquals(10, t.flows(1));
        assertEquals(6, t.flows(2));
        t.rebind(slots[0], 3, 1);
        assertEquals(9, t.flows(1));
        assertEquals(1, t.flows(3));
        t.remove(slots[1]);
        assertEquals(8, t.flows(1));
        // The table is full again after this one; the next insert evicts the least recently seen flow (backend 3's,
        // inserted at t=0) in favour of backend 4.
        t.insert(tcp(100, 1), hash, 2, 0, FlowTable.CLASS_TCP_ESTABLISHED, 20);
        assertEquals(7, t.flows(2));
        t.insert(tcp(101, 1), hash, 4, 0, FlowTable.CLASS_TCP_ESTABLISHED, 21);
        assertEquals(0, t.flows(3));
        assertEquals(1, t.flows(4));
        // Expiry: everything idle beyond the established timeout (100 s) is swept.
        t.sweep(200 * S, 8);
        assertEquals(0, t.flows(1) + t.flows(2) + t.flows(4));
        assertEquals(0, t.get(FlowTable.Counter.ENTRIES));
        t.insert(tcp(1, 1), hash, 1, 0, FlowTable.CLASS_UDP, 300 * S);
        t.clear();
        assertEquals(0, t.flows(1));
        assertEquals(0, t.flows(-1), "an id out of range counts nothing");
        assertEquals(0, t.flows(FlowTable.COUNTED_BACKENDS));
    }
}
