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
