package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;

/**
 * The one backend-selection rule of the data plane: the worker's {@link FlowTable} in front of Maglev (DESIGN.md
 * decision 3). The pipeline forwards with {@link #backendFor}; {@code dsrctl explain} asks {@link #explain}, which
 * reads the table the same way, so the two cannot disagree.
 * <ul>
 *   <li>a TCP SYN without ACK opens a connection: it always takes the VIP's current Maglev choice and (re)binds the
 *       entry to it (as Katran does), so a port reused after the backend set changed follows the current table
 *       instead of a stale entry; the XDP program implements the same rule;</li>
 *   <li>any other packet of a flow in the table stays on its backend as long as that backend is in the snapshot and
 *       not down, even when backends were added, re-weighted or set draining since (its Maglev slot may point
 *       elsewhere now);</li>
 *   <li>a flow whose backend is down or gone is re-hashed through the VIP's current Maglev table, and the entry
 *       is re-bound to the new backend;</li>
 *   <li>a new flow takes its Maglev backend and is inserted (a full bucket evicts its least recently seen
 *       entry); a stateless VIP ({@link ForwardingSnapshot#vipStateless}) skips the table.</li>
 * </ul>
 * The table stores stable backend ids ({@link BackendIds}), which each snapshot maps to its own indices.
 *
 * <p>With a second data plane in front (the XDP fast path, DESIGN.md decision 13), the worker's table sees only the
 * packets that plane passes up, while the flow was usually pinned there. The order of lookups for a packet other
 * than an opening SYN is then: (1) the worker's own table; (2) on a miss, the shared table ({@link #pinnedFlows},
 * e.g. the BPF flow table), whose pin is used when that backend may keep its flows (same VIP, active or draining)
 * and copied into the worker's table, so that the next slow-path packets of the flow cost no lookup; (3) the VIP's
 * Maglev table. The worker's table comes first because it is the cheaper lookup and, having been filled from (2)
 * or from the same Maglev table, it agrees with the shared table except in one case it cannot see: a SYN that
 * re-bound the 5-tuple in the fast path while the worker's copy is still live; the XDP table's class timeouts
 * bound that window. An opening SYN always takes Maglev, as in the XDP program. The slow path never writes the
 * shared table: a flow it pins only here gets the same Maglev choice in the fast path unless the backend set
 * changed in between.
 *
 * <p>One per worker, worker thread only; no allocation, locks or exceptions on the per-packet methods.
 */
public final class FlowSteering {
    /** TCP flag bits (RFC 9293 3.1), as in byte 13 of the TCP header. */
    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_ACK = 0x10;
    /** Pass as tcpFlags when the packet carries no TCP header (fragments, other protocols). */
    public static final int NO_FLAGS = -1;

    private final FlowTable table;
    private PinnedFlows shared;
    private long rehashed;
    private long adopted;

    public FlowSteering(FlowTable table) {
        this.table = table;
    }

    public FlowTable table() {
        return table;
    }

    /**
     * Consults {@code shared} (a flow table another data plane keeps, e.g. the XDP program's) when the worker's
     * own table misses; null (the default) for none. Set before the worker starts.
     */
    public void pinnedFlows(PinnedFlows shared) {
        this.shared = shared;
    }

    /** Flows the worker's table took over from the shared {@link PinnedFlows} table (worker thread). */
    public long adopted() {
        return adopted;
    }

    /** Flows moved because their backend was down or removed (worker thread). */
    public long rehashed() {
        return rehashed;
    }

    /**
     * The global index (in {@code s}) of the backend for the flow {@code key} of VIP {@code vip}, or
     * {@link ForwardingSnapshot#NONE} when the VIP has no backend for it.
     *
     * @param hash     the keyed flow hash of {@code key} ({@code s.flowHash().hash(key)})
     * @param tcpFlags byte 13 of the TCP header, or {@link #NO_FLAGS}
     * @param nowNs    the worker's clock, read once per batch
     */
    public int backendFor(ForwardingSnapshot s, int vip, FlowKey key, long hash, int tcpFlags, long nowNs) {
        if (s.vipStateless(vip)) {
            return s.backendFor(vip, hash);
        }
        int slot = table.find(key, hash, nowNs);
        if (slot != FlowTable.MISS) {
            boolean syn = isOpeningSyn(key, tcpFlags);
            int b = syn ? ForwardingSnapshot.NONE : pinned(s, vip, slot);
            if (b != ForwardingSnapshot.NONE) {
                table.touch(slot, nowNs, nextClass(table.timeoutClass(slot), key, tcpFlags));
                return b;
            }
            b = s.backendFor(vip, hash);
            if (b == ForwardingSnapshot.NONE) {
                table.remove(slot);
                return b;
            }
            if (!syn) {
                rehashed++; // moved off a down or removed backend (a SYN re-hash is a new connection, not a move)
            }
            table.rebind(slot, s.backendId(b), (int) s.generation());
            // A new connection on a known 5-tuple starts over in the SYN timeout class.
            table.touch(slot, nowNs, syn ? initialClass(key, tcpFlags) : nextClass(table.timeoutClass(slot), key,
                    tcpFlags));
            return b;
        }
        int b = isOpeningSyn(key, tcpFlags) ? ForwardingSnapshot.NONE : sharedPin(s, vip, key, nowNs);
        if (b != ForwardingSnapshot.NONE) {
            adopted++;
        } else {
            b = s.backendFor(vip, hash);
        }
        if (b != ForwardingSnapshot.NONE) {
            table.insert(key, hash, s.backendId(b), (int) s.generation(), initialClass(key, tcpFlags), nowNs);
        }
        return b;
    }

    /**
     * The backend of an existing flow without learning or touching it (ICMP errors about a flow, which must not
     * create entries or keep them alive): its pinned backend when it is in the table (or, on a miss, in the shared
     * {@link PinnedFlows} table) and may keep its flows, else the Maglev choice.
     */
    public int existingBackend(ForwardingSnapshot s, int vip, FlowKey key, long hash, long nowNs) {
        if (!s.vipStateless(vip)) {
            int slot = table.find(key, hash, nowNs);
            if (slot != FlowTable.MISS) {
                int b = pinned(s, vip, slot);
                if (b != ForwardingSnapshot.NONE) {
                    return b;
                }
            } else {
                int b = sharedPin(s, vip, key, nowNs);
                if (b != ForwardingSnapshot.NONE) {
                    return b;
                }
            }
        }
        return s.backendFor(vip, hash);
    }

    /**
     * Which backend the next packet of flow {@code key} other than a SYN gets, and why, without changing the table
     * (no learning, no touch, no counters: {@link FlowTable#peek}). A SYN always gets
     * {@link BackendSelection#maglev}. Worker thread only (the table is the worker's); allocates the answer, so it
     * is for control questions handed to the worker ({@link FlowLookupMailbox}), never for the packet path.
     *
     * @param tableId the id reported as {@link BackendSelection#table()} when this table pins the flow
     */
    public BackendSelection explain(ForwardingSnapshot s, int vip, FlowKey key, long hash, long nowNs, int tableId) {
        if (!s.vipStateless(vip)) {
            int slot = table.peek(key, hash, nowNs);
            if (slot != FlowTable.MISS) {
                int b = pinned(s, vip, slot);
                if (b != ForwardingSnapshot.NONE) {
                    return new BackendSelection(b, BackendSelection.Source.PINNED, tableId,
                            ForwardingSnapshot.slotOf(hash, s.tableSize()), hash);
                }
            }
        }
        return BackendSelection.maglev(s, vip, hash);
    }

    /**
     * The backend index of the entry in {@code slot} when it may keep its flows (in {@code s}, of VIP {@code vip},
     * active or draining), else {@link ForwardingSnapshot#NONE}: the pinning rule shared by every lookup.
     */
    private int pinned(ForwardingSnapshot s, int vip, int slot) {
        int b = s.backendIndexById(table.backendId(slot));
        return b != ForwardingSnapshot.NONE && s.backendVip(b) == vip && s.keepsExistingFlows(b)
                ? b : ForwardingSnapshot.NONE;
    }

    /**
     * The backend index the shared table pins {@code key} to when that backend may keep its flows (the rule of
     * {@link #pinned}), else {@link ForwardingSnapshot#NONE}; fragments are never asked (their 3-tuple key is this
     * data plane's own).
     */
    private int sharedPin(ForwardingSnapshot s, int vip, FlowKey key, long nowNs) {
        if (shared == null || key.fragment()) {
            return ForwardingSnapshot.NONE;
        }
        int id = shared.pinnedBackendId(key, nowNs);
        if (id < 0) {
            return ForwardingSnapshot.NONE;
        }
        int b = s.backendIndexById(id);
        return b != ForwardingSnapshot.NONE && s.backendVip(b) == vip && s.keepsExistingFlows(b)
                ? b : ForwardingSnapshot.NONE;
    }

    /** A TCP SYN without ACK (not a fragment): the opening packet of a connection. */
    static boolean isOpeningSyn(FlowKey key, int tcpFlags) {
        return tcpFlags != NO_FLAGS && key.protocol() == IpProtocol.TCP && !key.fragment()
                && (tcpFlags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    }

    /** Timeout class of a new flow. */
    static int initialClass(FlowKey key, int tcpFlags) {
        if (key.protocol() == IpProtocol.TCP && !key.fragment() && tcpFlags != NO_FLAGS) {
            if ((tcpFlags & (TCP_FIN | TCP_RST)) != 0) {
                return FlowTable.CLASS_TCP_CLOSING;
            }
            if ((tcpFlags & TCP_SYN) != 0) {
                return FlowTable.CLASS_TCP_SYN;
            }
            // Mid-stream packet of a flow we have not seen (gateway restart, ECMP change): established.
            return FlowTable.CLASS_TCP_ESTABLISHED;
        }
        return key.protocol() == IpProtocol.UDP && !key.fragment() ? FlowTable.CLASS_UDP : FlowTable.CLASS_OTHER;
    }

    /** Timeout class after one more packet: SYN -> established on a non-SYN ACK; FIN/RST -> closing. */
    static int nextClass(int current, FlowKey key, int tcpFlags) {
        if (key.protocol() != IpProtocol.TCP || key.fragment() || tcpFlags == NO_FLAGS) {
            return current;
        }
        if ((tcpFlags & (TCP_FIN | TCP_RST)) != 0) {
            return FlowTable.CLASS_TCP_CLOSING;
        }
        if ((tcpFlags & TCP_SYN) == 0 && (tcpFlags & TCP_ACK) != 0) {
            // Also re-opens a closing flow that keeps sending data (e.g. a half-close).
            return FlowTable.CLASS_TCP_ESTABLISHED;
        }
        return current;
    }
}
