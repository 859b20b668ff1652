package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * "Which backend serves this flow, and why?" for the control plane ({@code dsrctl explain}; Katran's
 * {@code simulatePacket}): asks every attached flow table through {@link FlowSteering#explain} — the rule the
 * pipeline forwards with — and falls back to the VIP's Maglev slot, exactly as a packet would. A flow's packets reach
 * one worker (the kernel picks the TUN queue by flow), so at most one table normally pins it; the first that does
 * answers.
 *
 * <p>Thread-safe; {@link #select} blocks while the tables' workers answer (at their next batch boundary).
 */
public final class BackendSelector {
    /** How long to wait for one worker: a few poll timeouts (100 ms) of an idle worker. */
    public static final long LOOKUP_TIMEOUT_NS = 1_000_000_000L;

    private final List<FlowTableLookup> tables = new CopyOnWriteArrayList<>();

    /** Adds a worker's flow table (before or after the worker started). */
    public void attach(FlowTableLookup table) {
        tables.add(Objects.requireNonNull(table, "table"));
    }

    /** The attached tables, in attach order. */
    public List<FlowTableLookup> tables() {
        return List.copyOf(tables);
    }

    /**
     * The backend the next non-SYN packet of flow {@code key} of VIP {@code vip} gets in snapshot {@code s} (a SYN
     * always gets the Maglev choice, {@link BackendSelection#maglev}).
     *
     * @throws FlowTableLookup.FlowLookupException when a flow table does not answer in time
     */
    public BackendSelection select(ForwardingSnapshot s, int vip, FlowKey key)
            throws FlowTableLookup.FlowLookupException, InterruptedException {
        long hash = s.flowHash().hash(key);
        if (!s.vipStateless(vip)) {
            for (FlowTableLookup t : tables) {
                BackendSelection r = t.lookup(s, vip, key, hash, LOOKUP_TIMEOUT_NS);
                if (r.source() == BackendSelection.Source.PINNED) {
                    return r;
                }
            }
        }
        return BackendSelection.maglev(s, vip, hash);
    }
}
