package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;

/**
 * A flow table shared with another data plane that forwards the same VIPs, consulted by {@link FlowSteering} on the
 * slow path (DESIGN.md decision 13): with {@code ingress.kind = xdp} the XDP program pins most flows in its BPF flow
 * table, and a packet of such a flow that it passes up to the TUN (an ICMP error about the flow, an IPv4 packet
 * without DF that is too big and must be fragmented, a packet whose next hop was unresolved) must reach the same
 * backend. {@link FlowSteering} asks this table only when the worker's own table misses, and only for flows the other
 * data plane can hold (never for fragments, whose 3-tuple key it does not use).
 *
 * <p>Called from worker threads, concurrently: implementations must be thread-safe, must not throw and should not
 * allocate (it runs per slow-path packet; one {@code bpf(BPF_MAP_LOOKUP_ELEM)} system call is the expected cost).
 */
@FunctionalInterface
public interface PinnedFlows {
    /** The answer for a flow the table does not hold (or holds expired, or cannot be read). */
    int NONE = -1;

    /**
     * The stable backend id ({@link BackendIds}, {@link ForwardingSnapshot#backendId}) the table pins {@code key}
     * to, or {@link #NONE} when it has no live entry for it at {@code nowNs}.
     *
     * @param nowNs the worker's clock: {@link System#nanoTime()} (CLOCK_MONOTONIC, the clock of BPF's
     *              {@code bpf_ktime_get_ns}) in a running gateway
     */
    int pinnedBackendId(FlowKey key, long nowNs);
}
