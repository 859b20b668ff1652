package io.dsrgw.agent.userspace;

import java.lang.foreign.MemorySegment;

/** Where decapsulated inner packets go: the decap TUN in production, a recorder in tests. */
public interface PacketSink {
    /**
     * Writes one packet. Called per packet: must not allocate, lock or throw.
     *
     * @return true when written, false on error (counted as {@code tx_errors} by the caller)
     */
    boolean write(MemorySegment seg, long offset, int length);

    /** Called by the owning thread between batches: a safe point to swap resources. */
    default void betweenBatches() {
    }
}
