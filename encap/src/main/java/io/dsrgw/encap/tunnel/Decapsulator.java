package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;

/**
 * Validates one received tunnel packet of a particular {@link TunnelKind} and locates its inner packet.
 * Implementations are reusable, owned by one thread, allocation-free, and never throw.
 */
public interface Decapsulator {
    /** The kind this decapsulator accepts. */
    TunnelKind kind();

    /**
     * Validates the tunnel packet of {@code length} bytes at {@code offset} (starting with the outer IP
     * header) and fills {@code out} when the result is {@link PacketError#OK}; otherwise {@code out} is
     * cleared.
     */
    PacketError decapsulate(MemorySegment seg, long offset, int length, DecapResult out);
}
