package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;

/**
 * Chooses the backend of a flow with the worker's {@link FlowTable} in front of Maglev (DESIGN.md decision 3):
 * <ul>
 *   <li>a flow in the table stays on its backend as long as that backend is in the snapshot and not down, even
 *       when backends were added, re-weighted or set draining since (its Maglev slot may point elsewhere now);</li>
 *   <li>a flow whose backend is down or gone is re-hashed through the VIP's current Maglev table, and the entry
 *       is re-bound to the new backend;</li>
 *   <li>a new flow takes its Maglev backend and is inserted (a full bucket evicts its least recently seen
 *       entry); a stateless VIP ({@link ForwardingSnapshot#vipStateless}) skips the table.</li>
 * </ul>
 * The table stores stable backend ids ({@link BackendIds}), which each snapshot maps to its own indices.
 *
 * <p>One per worker, worker thread only; no allocation, locks or exceptions.
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
    private long rehashed;

    public FlowSteering(FlowTable table) {
        this.table = table;
    }

    public FlowTable table() {
        return table;
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
            int b = s.backendIndexById(table.backendId(slot));
            if (b != ForwardingSnapshot.NONE && s.backendVip(b) == vip && s.keepsExistingFlows(b)) {
                table.touch(slot, nowNs, nextClass(table.timeoutClass(slot), key, tcpFlags));
                return b;
            }
            b = s.backendFor(vip, hash);
            if (b == ForwardingSnapshot.NONE) {
                table.remove(slot);
                return b;
            }
            rehashed++;
            table.rebind(slot, s.backendId(b), (int) s.generation());
            table.touch(slot, nowNs, nextClass(table.timeoutClass(slot), key, tcpFlags));
            return b;
        }
        int b = s.backendFor(vip, hash);
        if (b != ForwardingSnapshot.NONE) {
            table.insert(key, hash, s.backendId(b), (int) s.generation(), initialClass(key, tcpFlags), nowNs);
        }
        return b;
    }

    /**
     * The backend of an existing flow without learning or touching it (ICMP errors about a flow, which must not
     * create entries or keep them alive): its pinned backend when it is in the table and may keep its flows,
     * else the Maglev choice.
     */
    public int existingBackend(ForwardingSnapshot s, int vip, FlowKey key, long hash, long nowNs) {
        if (!s.vipStateless(vip)) {
            int slot = table.find(key, hash, nowNs);
            if (slot != FlowTable.MISS) {
                int b = s.backendIndexById(table.backendId(slot));
                if (b != ForwardingSnapshot.NONE && s.backendVip(b) == vip && s.keepsExistingFlows(b)) {
                    return b;
                }
            }
        }
        return s.backendFor(vip, hash);
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
