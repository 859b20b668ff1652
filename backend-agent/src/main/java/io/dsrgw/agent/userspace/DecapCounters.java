package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters owned by the decapsulating thread: plain increments per packet, published to other
 * threads once per batch ({@link #publish()}, release stores), read by them via {@link #snapshot()}.
 * Also counts malformed packets per {@link PacketError} and decapsulated packets per {@link TunnelKind}.
 */
public final class DecapCounters {
    private static final DecapCounter[] COUNTERS = DecapCounter.values();
    private static final PacketError[] ERRORS = PacketError.values();
    private static final TunnelKind[] KINDS = TunnelKind.values();

    private final long[] local = new long[COUNTERS.length];
    private final long[] malformedLocal = new long[ERRORS.length];
    private final AtomicLongArray published = new AtomicLongArray(COUNTERS.length);
    private final AtomicLongArray malformedPublished = new AtomicLongArray(ERRORS.length);
    private final long[] kindLocal = new long[KINDS.length];
    private final AtomicLongArray kindPublished = new AtomicLongArray(KINDS.length);

    /** Owner thread only. */
    public void increment(DecapCounter c) {
        local[c.ordinal()]++;
    }

    /** Owner thread only: counts {@link DecapCounter#DROP_MALFORMED} and the reason. */
    public void malformed(PacketError reason) {
        local[DecapCounter.DROP_MALFORMED.ordinal()]++;
        malformedLocal[reason.ordinal()]++;
    }

    /** Owner thread only: counts {@link DecapCounter#DECAP_PACKETS} and the kind it arrived in. */
    public void decapsulated(TunnelKind kind) {
        local[DecapCounter.DECAP_PACKETS.ordinal()]++;
        kindLocal[kind.ordinal()]++;
    }

    /** Owner thread only: packets decapsulated from one kind. */
    public long decapsulatedCount(TunnelKind kind) {
        return kindLocal[kind.ordinal()];
    }

    /** Owner thread only: the current value without publication (tests, the owner itself). */
    public long get(DecapCounter c) {
        return local[c.ordinal()];
    }

    /** Owner thread only: malformed packets for one reason. */
    public long malformedCount(PacketError reason) {
        return malformedLocal[reason.ordinal()];
    }

    /** Owner thread only: makes the current values visible to {@link #snapshot()}. */
    public void publish() {
        for (int i = 0; i < local.length; i++) {
            published.setRelease(i, local[i]);
        }
        for (int i = 0; i < malformedLocal.length; i++) {
            malformedPublished.setRelease(i, malformedLocal[i]);
        }
        for (int i = 0; i < kindLocal.length; i++) {
            kindPublished.setRelease(i, kindLocal[i]);
        }
    }

    /**
     * Any thread: the last published values, counter id -> value, in {@link DecapCounter} order,
     * followed by non-zero {@code decap_packets.<kind>} and {@code drop_malformed.<reason>} entries.
     */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (DecapCounter c : COUNTERS) {
            out.put(c.id(), published.getAcquire(c.ordinal()));
        }
        for (TunnelKind k : KINDS) {
            long v = kindPublished.getAcquire(k.ordinal());
            if (v != 0) {
                out.put("decap_packets." + k.id(), v);
            }
        }
        for (PacketError e : ERRORS) {
            long v = malformedPublished.getAcquire(e.ordinal());
            if (v != 0) {
                out.put("drop_malformed." + e.name().toLowerCase(java.util.Locale.ROOT), v);
            }
        }
        return out;
    }
}
