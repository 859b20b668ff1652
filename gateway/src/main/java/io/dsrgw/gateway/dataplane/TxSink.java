package io.dsrgw.gateway.dataplane;

import java.lang.foreign.MemorySegment;

/**
 * Where the pipeline hands the packets it transmits: encapsulated packets for backends, and the ICMP messages it
 * originates for clients (too-big, echo replies). A {@code sendmmsg} batch per family, a pcap file, a benchmark
 * black hole. Called on the worker thread, per packet: implementations must not allocate, lock or throw.
 * The memory of a packet stays valid and unmodified until the end of the current batch.
 */
public interface TxSink {
    /**
     * Takes the IPv4 packet at {@code seg[offset, offset + length)} for {@code destinationIpv4} (also the
     * packet's own destination; the kernel routes on it).
     *
     * @return true when accepted, false when refused (counted as {@code drop_tx_error})
     */
    boolean send(MemorySegment seg, long offset, int length, int destinationIpv4);

    /**
     * Takes the IPv6 packet at {@code seg[offset, offset + length)} for the destination
     * {@code destinationHi:destinationLo} (the packet's own destination, as two big-endian longs).
     *
     * @return true when accepted, false when refused (counted as {@code drop_tx_error})
     */
    boolean sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo);

    /** {@link #sendToNeighbour}: the frame was queued. */
    int SENT = 0;
    /** {@link #sendToNeighbour}: the egress refused it (counted as {@code drop_tx_error}). */
    int REFUSED = -1;
    /**
     * {@link #sendToNeighbour}: the neighbour's MAC is not known (yet), or the next-hop answers are not fresh;
     * counted as {@code drop_no_neighbour}. Never routed instead: the packet's destination is the VIP, which the
     * gateway routes to itself.
     */
    int NO_NEIGHBOUR = -2;

    /**
     * L2 DSR ({@code tunnel = none}): takes the unchanged IPv4 packet at {@code seg[offset, offset + length)} for
     * the on-link backend {@code neighbourIpv4}, to go out in an Ethernet frame to that backend's MAC. The packet's
     * own destination is the VIP, not {@code neighbourIpv4}.
     *
     * <p>The default hands it to {@link #send} with the backend as destination (pcap files, tests, benchmarks:
     * they record or count, they do not route).
     *
     * @return {@link #SENT}, {@link #REFUSED}, {@link #NO_NEIGHBOUR}, or a positive number: the MTU of the link
     *     that reaches the backend, which the packet exceeds (nothing was sent)
     */
    default int sendToNeighbour(MemorySegment seg, long offset, int length, int neighbourIpv4) {
        return send(seg, offset, length, neighbourIpv4) ? SENT : REFUSED;
    }

    /** As {@link #sendToNeighbour}, for an IPv6 packet to the on-link IPv6 backend {@code hi:lo}. */
    default int sendToNeighbour6(MemorySegment seg, long offset, int length, long neighbourHi, long neighbourLo) {
        return sendIpv6(seg, offset, length, neighbourHi, neighbourLo) ? SENT : REFUSED;
    }

    /**
     * Sends everything taken so far now, so that the memory of those packets may be reused before the batch ends
     * (the pipeline's fragment slots, when one batch's fragments outgrow them). Default: false, the sink cannot
     * (the pipeline then drops what does not fit as {@code drop_too_big}); sinks that copy what they take may
     * return true.
     */
    default boolean flushPending() {
        return false;
    }
}
