package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;

/**
 * One flow table as seen from the control plane: asks it which backend it would give a flow
 * ({@link FlowSteering#explain}). A TUN worker's table is answered on its worker thread through a
 * {@link FlowLookupMailbox}; a data plane whose table is safe to read from any thread (a BPF map read by syscall)
 * may answer directly.
 */
public interface FlowTableLookup {
    /**
     * The table's answer for flow {@code key} of VIP {@code vip} in snapshot {@code s}: {@link
     * BackendSelection.Source#PINNED} with this table's id when it holds the flow on a backend that keeps its
     * flows, else the Maglev choice. Called from a control thread; may wait up to {@code timeoutNs}.
     *
     * @throws FlowLookupException when the table did not answer in time (its worker stopped or is stuck)
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    BackendSelection lookup(ForwardingSnapshot s, int vip, FlowKey key, long hash, long timeoutNs)
            throws FlowLookupException, InterruptedException;

    /** A flow table could not be asked; the message names the table and what went wrong. */
    final class FlowLookupException extends Exception {
        public FlowLookupException(String message) {
            super(message);
        }
    }
}
