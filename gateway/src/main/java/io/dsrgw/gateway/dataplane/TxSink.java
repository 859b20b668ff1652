package io.dsrgw.gateway.dataplane;

import java.lang.foreign.MemorySegment;

/**
 * Where the pipeline hands an encapsulated packet: a {@code sendmmsg} batch, a pcap file, a benchmark black
 * hole. Called on the worker thread, per packet: implementations must not allocate, lock or throw.
 */
@FunctionalInterface
public interface TxSink {
    /**
     * Takes the outer IPv4 packet at {@code seg[offset, offset + length)} for {@code destinationIpv4} (the
     * backend, also the packet's outer destination). The memory stays valid and unmodified until the end of the
     * current batch.
     *
     * @return true when accepted (counted as {@code tx_packets}), false when refused ({@code drop_tx_error})
     */
    boolean send(MemorySegment seg, long offset, int length, int destinationIpv4);
}
