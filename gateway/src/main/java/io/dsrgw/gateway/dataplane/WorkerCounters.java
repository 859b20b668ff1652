package io.dsrgw.gateway.dataplane;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one worker. The owning thread increments {@link #increment} / {@link #add} on plain array
 * elements (no atomics on the per-packet path) and calls {@link #publish()} once per batch; any other thread
 * reads the published copy through {@link #published(CounterSet)}.
 *
 * <p>Both arrays are padded by one cache line on each side so that two workers' counters never share a line.
 */
public final class WorkerCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** 64 bytes of longs before and after the live values: no false sharing with neighbouring objects. */
    private static final int PAD = 8;
    private static final int COUNT = CounterSet.all().length;

    private final long[] local = new long[PAD + COUNT + PAD];
    private final long[] published = new long[PAD + COUNT + PAD];

    /** Adds one (owner thread only). */
    public void increment(CounterSet c) {
        local[PAD + c.ordinal()]++;
    }

    /** Adds {@code n}, which may be negative to move counts between counters (owner thread only). */
    public void add(CounterSet c, long n) {
        local[PAD + c.ordinal()] += n;
    }

    /** The owner's current value (owner thread only; tests). */
    public long get(CounterSet c) {
        return local[PAD + c.ordinal()];
    }

    /** Makes the current values visible to other threads (owner thread, once per batch). */
    public void publish() {
        for (int i = PAD; i < PAD + COUNT; i++) {
            LONGS.setRelease(published, i, local[i]);
        }
    }

    /** The last published value (any thread). */
    public long published(CounterSet c) {
        return (long) LONGS.getAcquire(published, PAD + c.ordinal());
    }
}
