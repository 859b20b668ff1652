package io.dsrgw.gateway.dataplane;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The counters of one worker. The owning thread increments {@link #increment} / {@link #add} on plain array
 * elements (no atomics on the per-packet path) and calls {@link #publish()} once per batch; any other thread
 * reads the published copy through {@link #published(CounterSet)}.
 *
 * <p>Both arrays are padded by one cache line on each side so that two workers' counters never share a line.
 *
 * <p>Issue 13: per backend (by stable id, {@link BackendIds}) the packets and inner bytes forwarded to it, kept the
 * same way: plain increments on the owner thread ({@link #addBackend}), published once per batch, summed over the
 * workers at scrape time. The arrays grow only in {@link #ensureBackends}, called when the worker switches
 * snapshots (between batches), never per packet; ids are never reused, so a removed backend keeps its totals.
 */
public final class WorkerCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** 64 bytes of longs before and after the live values: no false sharing with neighbouring objects. */
    private static final int PAD = 8;
    private static final int COUNT = CounterSet.all().length;

    private final long[] local = new long[PAD + COUNT + PAD];
    private final long[] published = new long[PAD + COUNT + PAD];
    /** Owner's per-backend values: [2 * id] packets, [2 * id + 1] bytes. */
    private long[] backendLocal = new long[0];
    /** Published copy, replaced (never shrunk) when it grows; readers take the reference once per read. */
    private volatile long[] backendPublished = new long[0];

    /**
     * Makes room for backend ids {@code 0..ids-1} (owner thread, between batches: e.g. on a snapshot switch).
     * Allocates only when the arrays grow.
     */
    public void ensureBackends(int ids) {
        if (2L * ids <= backendLocal.length) {
            return;
        }
        int length = Math.max(2 * ids, 2 * backendLocal.length);
        backendLocal = Arrays.copyOf(backendLocal, length);
        long[] p = Arrays.copyOf(backendLocal, length);
        backendPublished = p;
    }

    /**
     * One packet of {@code bytes} (the inner packet) forwarded to backend {@code id} (owner thread, per packet:
     * two array stores, no allocation). Ids beyond {@link #ensureBackends} are not counted.
     */
    public void addBackend(int id, int bytes) {
        long[] a = backendLocal;
        int i = 2 * id;
        if (id >= 0 && i + 1 < a.length) {
            a[i]++;
            a[i + 1] += bytes;
        }
    }

    /** Packets forwarded to backend {@code id}, last published (any thread); 0 for an unknown id. */
    public long publishedBackendPackets(int id) {
        long[] p = backendPublished;
        return id >= 0 && 2 * id < p.length ? (long) LONGS.getAcquire(p, 2 * id) : 0;
    }

    /** Inner bytes forwarded to backend {@code id}, last published (any thread); 0 for an unknown id. */
    public long publishedBackendBytes(int id) {
        long[] p = backendPublished;
        return id >= 0 && 2 * id + 1 < p.length ? (long) LONGS.getAcquire(p, 2 * id + 1) : 0;
    }

    /** Number of backend ids with room in the published arrays (any thread). */
    public int publishedBackendIds() {
        return backendPublished.length / 2;
    }

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
        long[] b = backendLocal;
        long[] p = backendPublished;
        for (int i = 0; i < b.length && i < p.length; i++) {
            LONGS.setRelease(p, i, b[i]);
        }
    }

    /** The last published value (any thread). */
    public long published(CounterSet c) {
        return (long) LONGS.getAcquire(published, PAD + c.ordinal());
    }
}
