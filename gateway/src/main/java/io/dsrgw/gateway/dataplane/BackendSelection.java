package io.dsrgw.gateway.dataplane;

/**
 * Which backend serves a flow and why: the answer of {@link FlowSteering#explain} and {@link BackendSelector}
 * ({@code dsrctl explain}; Katran's "simulate"). Computed by the same code the pipeline forwards with, so it cannot
 * disagree with forwarding.
 *
 * @param backend the global backend index in the snapshot asked, or {@link ForwardingSnapshot#NONE}
 * @param source  {@link Source#PINNED} when a flow table holds the flow on a backend that keeps its flows, else
 *                {@link Source#MAGLEV}
 * @param table   the id of the flow table that pins the flow (a TUN worker's number), or {@link #NO_TABLE}
 * @param slot    the flow's slot in the VIP's Maglev table ({@link ForwardingSnapshot#slotOf}), also when pinned
 * @param hash    the keyed flow hash
 */
public record BackendSelection(int backend, Source source, int table, int slot, long hash) {
    /** {@link #table()} of a selection no flow table made. */
    public static final int NO_TABLE = -1;

    /** Where the backend came from. */
    public enum Source {
        /** A flow-table entry: the flow stays on the backend it started on. */
        PINNED,
        /** The VIP's Maglev table: a new flow, a SYN, a stateless VIP or a flow whose backend went down or away. */
        MAGLEV
    }

    /** The Maglev choice for {@code hash} of VIP {@code vip} in {@code s}: what a flow no table pins gets. */
    public static BackendSelection maglev(ForwardingSnapshot s, int vip, long hash) {
        return new BackendSelection(s.backendFor(vip, hash), Source.MAGLEV, NO_TABLE,
                ForwardingSnapshot.slotOf(hash, s.tableSize()), hash);
    }
}
