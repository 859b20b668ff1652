package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The flow table of one worker (DESIGN.md decision 3): flow key -> (backend id, snapshot generation), fixed
 * capacity, approximate LRU eviction, idle timeouts per protocol. Memory is allocated once, in the constructor,
 * and never grows with traffic: a SYN flood only evicts.
 *
 * <h2>Layout: set-associative buckets over flat arrays</h2>
 * {@code capacity} slots (a power of two) in buckets of {@link #WAYS} consecutive slots. A flow may live in either of
 * two buckets, chosen by independent bits of the keyed flow hash (bits 0.. and bits 40..), and is inserted into the
 * emptier one ("power of two choices"). Measured in {@code FlowTableTest}: at 75% load, one 8-way bucket per flow
 * (first fit over two buckets behaves alike) evicts ~1% of live flows; two choices evict 2 in 49,152. Each slot
 * lives in four flat arrays, no object per flow:
 * <pre>
 *   buckets[b*16 + w]     long  hash of way w of bucket b: the full 64-bit flow hash; 0 = empty (0 is stored as 1)
 *   buckets[b*16 + 8 + w] long  deadline of way w: last packet time + the timeout of the entry's class
 *   keys[slot*6 .. +5]    long  source hi, source lo, destination hi, destination lo, meta, value
 *   (slot = b*8 + w;  value = backend id (high 32 bits) | snapshot generation (low 32 bits))
 *
 *   meta:  bit 63..60 59..56  55..49 48    47..40   39..32    31..16       15..0
 *         +--------+--------+------+----+--------+---------+------------+------------+
 *         |   0    | class  |  0   |frag| family | protocol| source port| dest. port |
 *         +--------+--------+------+----+--------+---------+------------+------------+
 * </pre>
 * 64 bytes per flow, whatever the family (IPv4 keys use the "lo" words, hi = 0, as {@link FlowKey} does). The
 * hashes and deadlines of a bucket are 128 contiguous bytes (two adjacent cache lines, which the adjacent-line
 * prefetcher fetches together), and the key and value of a slot 48 contiguous bytes: a hit reads the hash line, the
 * key line and the deadline line; an insert reads only hash and deadline lines of its two buckets. A key is compared
 * only on a hash match: hash collisions never merge two flows.
 *
 * <h2>Why bucketed LRU, not an exact LRU list or CLOCK</h2>
 * An exact LRU needs prev/next links per entry (8 more bytes, two more random writes per hit) and a global list
 * whose head is a write hot spot; CLOCK needs a sweeping hand that may have to visit many slots on a miss during a
 * flood. With buckets, a lookup touches at most 2 x {@link #WAYS} slots and an insert evicts within the flow's two
 * buckets: empty slot first, then an expired entry, then the live entry with the <em>earliest deadline</em>. For
 * entries of one class that is exactly the least recently seen; across classes it evicts short-timeout entries
 * (SYN-only, closing) before established ones, which is what a SYN flood calls for: the flood evicts itself first.
 * The per-flow cost is constant and allocation-free, and an insert reads only the hashes and
 * deadlines of its buckets (why the deadline, not the last-seen time, is stored: no key line is read to
 * find the class's timeout). The price is approximation: an entry can be evicted while an older one survives in
 * another bucket; with two 8-way choices and a uniform keyed hash, that only matters when the table is nearly
 * full, which is exactly when some flow has to go. (Katran's per-CPU LRU map makes a similar trade.)
 *
 * <h2>Timeouts</h2>
 * Each entry has a timeout class ({@link #CLASS_TCP_SYN} ... {@link #CLASS_OTHER}), set from the packet's TCP flags
 * by {@link FlowSteering}. An entry idle longer than its class's timeout is gone: {@link #find} frees it when it
 * meets it, {@link #sweep} frees expired entries incrementally between batches so that {@code entries} reflects
 * live flows.
 *
 * <p>Not thread-safe: one table per worker, used by the worker thread only, except the published counters
 * ({@link #published(Counter)}), readable from any thread after {@link #publishCounters()}.
 * No allocation, lock, logging or exception in {@link #find}, {@link #insert}, {@link #touch}, {@link #sweep}.
 */
public final class FlowTable {
    /** Slots per bucket: 8 hashes = 64 bytes, one cache line (two when the array header misaligns it). */
    public static final int WAYS = 8;
    /** Returned by {@link #find} when the flow is not in the table. */
    public static final int MISS = -1;
    /** Largest capacity: {@code keys} holds 6 longs per slot in one Java array (< 2^31 elements). */
    public static final int MAX_CAPACITY = 1 << 28;
    /** Default slots per worker: 2^20, 64 MiB; two workers hold 2 million flows. */
    public static final int DEFAULT_CAPACITY = 1 << 20;
    /** Bytes of table memory per slot (hash + deadline + key + value; see the layout above). */
    public static final int BYTES_PER_ENTRY = 8 + 8 + 5 * 8 + 8;

    /** TCP flow that has shown only SYNs so far (a handshake, or a SYN flood): short timeout. */
    public static final int CLASS_TCP_SYN = 0;
    /** TCP flow that has sent a non-SYN packet with ACK. */
    public static final int CLASS_TCP_ESTABLISHED = 1;
    /** TCP flow whose client sent FIN or RST: it keeps its backend for the (short) closing timeout. */
    public static final int CLASS_TCP_CLOSING = 2;
    /** UDP flow. */
    public static final int CLASS_UDP = 3;
    /** Anything else (fragment 3-tuples, other protocols). */
    public static final int CLASS_OTHER = 4;
    static final int CLASSES = 5;

    private static final int KEY_STRIDE = 6;
    private static final int META = 4;
    private static final int VALUE = 5;
    private static final long CLASS_SHIFT = 56;
    private static final long CLASS_MASK = 0xfL << CLASS_SHIFT;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Counters of a flow table; {@link #ENTRIES} is a gauge, the others only grow. */
    public enum Counter {
        /** Lookups that found a live entry. */
        HITS("flow_hits"),
        /** Lookups that found none (including expired entries). */
        MISSES("flow_misses"),
        /** Live entries thrown out to make room (the bucket was full of unexpired flows). */
        EVICTIONS("flow_evictions"),
        /** Entries freed because they were idle longer than their timeout. */
        EXPIRATIONS("flow_expirations"),
        /** Occupied slots. */
        ENTRIES("flow_entries");

        private final String id;

        Counter(String id) {
            this.id = id;
        }

        /** The stable metric name. */
        public String id() {
            return id;
        }
    }

    private final int capacity;
    private final int bucketMask;
    private final long[] buckets;
    private final long[] keys;
    private final long[] timeoutNsByClass = new long[CLASSES];
    private final long[] published = new long[Counter.values().length];
    private long hits;
    private long misses;
    private long evictions;
    private long expirations;
    private long entries;
    private int sweepBucket;
    /** Issue 13: live entries per backend id (owner thread), and their published copy (replaced when it grows). */
    private long[] flowsByBackend = new long[0];
    private volatile long[] publishedFlowsByBackend = new long[0];

    /**
     * @param capacity slots, rounded up to a power of two and at least {@link #WAYS}; at most {@link #MAX_CAPACITY}
     * @param timeouts idle timeouts per class
     */
    public FlowTable(int capacity, FlowTimeouts timeouts) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("flow table capacity: " + capacity + " (expected: 1.."
                    + MAX_CAPACITY + ")");
        }
        int slots = Math.max(WAYS, capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1);
        this.capacity = slots;
        this.bucketMask = slots / WAYS - 1;
        this.buckets = new long[slots * 2];
        this.keys = new long[slots * KEY_STRIDE];
        timeouts(timeouts);
    }

    /**
     * Changes the idle timeouts (worker thread, between batches; e.g. after a reload). Entries keep the deadline
     * they have until their next packet.
     */
    public void timeouts(FlowTimeouts t) {
        timeoutNsByClass[CLASS_TCP_SYN] = t.tcpSyn().toNanos();
        timeoutNsByClass[CLASS_TCP_ESTABLISHED] = t.tcpEstablished().toNanos();
        timeoutNsByClass[CLASS_TCP_CLOSING] = t.tcpClosing().toNanos();
        timeoutNsByClass[CLASS_UDP] = t.udp().toNanos();
        timeoutNsByClass[CLASS_OTHER] = t.other().toNanos();
    }

    /** Number of slots (a power of two). */
    public int capacity() {
        return capacity;
    }

    /** Bytes held by the table's arrays (excluding the array headers): {@code capacity * BYTES_PER_ENTRY}. */
    public long memoryBytes() {
        return (long) capacity * BYTES_PER_ENTRY;
    }

    /**
     * The slot of the live entry for {@code key} (whose keyed flow hash is {@code hash}), or {@link #MISS}. An
     * entry found idle beyond its timeout at {@code nowNs} is freed and reported as a miss. Counts a hit or a miss.
     */
    public int find(FlowKey key, long hash, long nowNs) {
        long tag = hash == 0 ? 1 : hash;
        int base1 = firstBucket(hash) * WAYS;
        int base2 = secondBucket(hash) * WAYS;
        for (int w = 0; w < 2 * WAYS; w++) {
            int slot = w < WAYS ? base1 + w : base2 + w - WAYS;
            if (buckets[hashIndex(slot)] == tag && sameKey(slot, key)) {
                if (expired(slot, nowNs)) {
                    free(slot);
                    expirations++;
                    break;
                }
                hits++;
                return slot;
            }
        }
        misses++;
        return MISS;
    }

    /**
     * As {@link #find}, but without side effects: counts nothing and frees nothing (an expired entry is a miss and
     * stays for {@link #find} or {@link #sweep} to free). For questions about a flow ({@code dsrctl explain}) that
     * must not change what they look at; worker thread only, like every other method.
     */
    public int peek(FlowKey key, long hash, long nowNs) {
        long tag = hash == 0 ? 1 : hash;
        int base1 = firstBucket(hash) * WAYS;
        int base2 = secondBucket(hash) * WAYS;
        for (int w = 0; w < 2 * WAYS; w++) {
            int slot = w < WAYS ? base1 + w : base2 + w - WAYS;
            if (buckets[hashIndex(slot)] == tag && sameKey(slot, key)) {
                return expired(slot, nowNs) ? MISS : slot;
            }
        }
        return MISS;
    }

    /**
     * Inserts {@code key} (not in the table: call after {@link #find} missed) with its backend and the snapshot
     * generation, and returns its slot. Takes an empty slot of the bucket, else an expired one, else evicts the
     * live entry with the earliest deadline (see the class comment).
     */
    public int insert(FlowKey key, long hash, int backendId, int generation, int timeoutClass, long nowNs) {
        long tag = hash == 0 ? 1 : hash;
        int base1 = firstBucket(hash) * WAYS;
        int base2 = secondBucket(hash) * WAYS;
        // Two choices: the free slot of the emptier bucket (balances the buckets), else the oldest expired entry
        // of both, else the live entry of both with the earliest deadline.
        int empty1 = -1;
        int empty2 = -1;
        int free1 = 0;
        int free2 = 0;
        int expiredSlot = -1;
        int lru = -1;
        for (int w = 0; w < 2 * WAYS; w++) {
            int slot = w < WAYS ? base1 + w : base2 + w - WAYS;
            if (buckets[hashIndex(slot)] == 0) {
                if (w < WAYS) {
                    free1++;
                    empty1 = empty1 < 0 ? slot : empty1;
                } else {
                    free2++;
                    empty2 = empty2 < 0 ? slot : empty2;
                }
            } else if (expired(slot, nowNs)) {
                expiredSlot = slot;
            } else if (lru < 0 || buckets[hashIndex(slot) + WAYS] - buckets[hashIndex(lru) + WAYS] < 0) {
                lru = slot;
            }
        }
        int empty = free2 > free1 ? empty2 : empty1;
        int victim;
        if (empty >= 0) {
            victim = empty;
            entries++;
        } else if (expiredSlot >= 0) {
            victim = expiredSlot;
            expirations++;
            countFlow(backendId(victim), -1);
        } else {
            victim = lru;
            evictions++;
            countFlow(backendId(victim), -1);
        }
        countFlow(backendId, 1);
        buckets[hashIndex(victim)] = tag;
        buckets[hashIndex(victim) + WAYS] = nowNs + timeoutNsByClass[timeoutClass];
        int k = victim * KEY_STRIDE;
        keys[k] = key.sourceHi();
        keys[k + 1] = key.sourceLo();
        keys[k + 2] = key.destinationHi();
        keys[k + 3] = key.destinationLo();
        keys[k + META] = meta(key) | (long) timeoutClass << CLASS_SHIFT;
        keys[victim * KEY_STRIDE + VALUE] = value(backendId, generation);
        return victim;
    }

    /** Records a packet of the flow in {@code slot} at {@code nowNs}, with its (possibly new) timeout class. */
    public void touch(int slot, long nowNs, int timeoutClass) {
        buckets[hashIndex(slot) + WAYS] = nowNs + timeoutNsByClass[timeoutClass];
        int m = slot * KEY_STRIDE + META;
        keys[m] = keys[m] & ~CLASS_MASK | (long) timeoutClass << CLASS_SHIFT;
    }

    /** Moves the flow in {@code slot} to another backend (its old one went down or away). */
    public void rebind(int slot, int backendId, int generation) {
        countFlow(backendId(slot), -1);
        countFlow(backendId, 1);
        keys[slot * KEY_STRIDE + VALUE] = value(backendId, generation);
    }

    /** Frees {@code slot}. */
    public void remove(int slot) {
        if (buckets[hashIndex(slot)] != 0) {
            free(slot);
        }
    }

    /** Stable id of the backend of the flow in {@code slot}. */
    public int backendId(int slot) {
        return (int) (keys[slot * KEY_STRIDE + VALUE] >>> 32);
    }

    /** Generation of the snapshot that chose (or last re-chose) the flow's backend. */
    public int generation(int slot) {
        return (int) keys[slot * KEY_STRIDE + VALUE];
    }

    /** The timeout class of the flow in {@code slot}. */
    public int timeoutClass(int slot) {
        return (int) ((keys[slot * KEY_STRIDE + META] & CLASS_MASK) >>> CLASS_SHIFT);
    }

    /** Time of the last packet of the flow in {@code slot}. */
    public long lastSeenNs(int slot) {
        return buckets[hashIndex(slot) + WAYS] - timeoutNsByClass[timeoutClass(slot)];
    }

    /**
     * Frees the expired entries of the next {@code count} buckets (round robin), so that idle flows leave the
     * table (and the {@code entries} gauge) even when their bucket sees no traffic. Returns entries freed.
     * Between batches: e.g. 64 buckets per batch sweeps a 2^20-slot table in 2048 batches.
     */
    public int sweep(long nowNs, int count) {
        int freed = 0;
        int bucket = sweepBucket;
        for (int i = 0; i < count && i <= bucketMask; i++) {
            int base = bucket * WAYS;
            for (int slot = base; slot < base + WAYS; slot++) {
                if (buckets[hashIndex(slot)] != 0 && expired(slot, nowNs)) {
                    free(slot);
                    freed++;
                }
            }
            bucket = (bucket + 1) & bucketMask;
        }
        sweepBucket = bucket;
        expirations += freed;
        return freed;
    }

    /** Empties the table (control command, worker thread). Counters other than entries are kept. */
    public void clear() {
        Arrays.fill(buckets, 0);
        entries = 0;
        Arrays.fill(flowsByBackend, 0);
    }

    /** The owner's current value of {@code c} (worker thread; tests). */
    public long get(Counter c) {
        return switch (c) {
            case HITS -> hits;
            case MISSES -> misses;
            case EVICTIONS -> evictions;
            case EXPIRATIONS -> expirations;
            case ENTRIES -> entries;
        };
    }

    /** Makes the counters visible to other threads (worker thread, once per batch). */
    public void publishCounters() {
        LONGS.setRelease(published, Counter.HITS.ordinal(), hits);
        LONGS.setRelease(published, Counter.MISSES.ordinal(), misses);
        LONGS.setRelease(published, Counter.EVICTIONS.ordinal(), evictions);
        LONGS.setRelease(published, Counter.EXPIRATIONS.ordinal(), expirations);
        LONGS.setRelease(published, Counter.ENTRIES.ordinal(), entries);
        long[] f = flowsByBackend;
        long[] p = publishedFlowsByBackend;
        for (int i = 0; i < f.length && i < p.length; i++) {
            LONGS.setRelease(p, i, f[i]);
        }
    }

    /**
     * Makes room for backend ids {@code 0..ids-1} in the per-backend entry counts (owner thread, between batches,
     * e.g. on a snapshot switch; allocates only when they grow). Entries of ids beyond it are not counted per
     * backend (they are in {@code entries}).
     */
    public void ensureBackends(int ids) {
        if (ids <= flowsByBackend.length) {
            return;
        }
        int length = Math.max(ids, 2 * flowsByBackend.length);
        flowsByBackend = Arrays.copyOf(flowsByBackend, length);
        publishedFlowsByBackend = Arrays.copyOf(flowsByBackend, length);
    }

    /** Live entries of backend {@code id} (owner thread; tests). */
    public long flows(int id) {
        return id >= 0 && id < flowsByBackend.length ? flowsByBackend[id] : 0;
    }

    /** Live entries of backend {@code id} at the last {@link #publishCounters()} (any thread). */
    public long publishedFlows(int id) {
        long[] p = publishedFlowsByBackend;
        return id >= 0 && id < p.length ? (long) LONGS.getAcquire(p, id) : 0;
    }

    private void countFlow(int id, int delta) {
        long[] f = flowsByBackend;
        if (id >= 0 && id < f.length) {
            f[id] += delta;
        }
    }

    /** The last published value of {@code c} (any thread). */
    public long published(Counter c) {
        return (long) LONGS.getAcquire(published, c.ordinal());
    }

    /** Index in {@code buckets} of the hash of {@code slot} (its deadline is {@link #WAYS} further). */
    private static int hashIndex(int slot) {
        return (slot >>> 3 << 4) + (slot & (WAYS - 1));
    }

    private int firstBucket(long hash) {
        return (int) hash & bucketMask;
    }

    /** From bits the first bucket does not use: independent of it, like a second hash function. */
    private int secondBucket(long hash) {
        return (int) (hash >>> 40) & bucketMask;
    }

    private boolean expired(int slot, long nowNs) {
        return nowNs - buckets[hashIndex(slot) + WAYS] > 0;
    }

    private void free(int slot) {
        buckets[hashIndex(slot)] = 0;
        entries--;
        countFlow(backendId(slot), -1);
    }

    private boolean sameKey(int slot, FlowKey key) {
        int k = slot * KEY_STRIDE;
        long[] keys = this.keys;
        return keys[k + 1] == key.sourceLo() && keys[k + 3] == key.destinationLo()
                && (keys[k + META] & ~CLASS_MASK) == meta(key)
                && keys[k] == key.sourceHi() && keys[k + 2] == key.destinationHi();
    }

    private static long meta(FlowKey key) {
        return (key.fragment() ? 1L << 48 : 0) | (long) (key.family() & 0xff) << 40
                | (long) (key.protocol() & 0xff) << 32 | (long) (key.sourcePort() & 0xffff) << 16
                | (key.destinationPort() & 0xffff);
    }

    private static long value(int backendId, int generation) {
        return (long) backendId << 32 | (generation & 0xffffffffL);
    }
}
