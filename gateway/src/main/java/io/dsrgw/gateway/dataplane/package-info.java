/**
 * The data plane: immutable {@link io.dsrgw.gateway.dataplane.ForwardingSnapshot}s published through a
 * {@link io.dsrgw.gateway.dataplane.SnapshotHolder}, and the per-packet
 * {@link io.dsrgw.gateway.dataplane.PacketPipeline} (parse IPv4/IPv6, classify, hash, pick backend, encapsulate with
 * the backend's tunnel kind, fragment or answer too-big, forward ICMP errors, answer echo requests, hand to a
 * {@link io.dsrgw.gateway.dataplane.TxSink}).
 *
 * <p>Threading: a pipeline belongs to exactly one worker thread (it owns mutable flyweights and counters) and
 * takes a new snapshot only between batches. Snapshots are immutable and shared by all workers. Nothing here
 * does I/O; the same pipeline runs behind a TUN queue, a pcap file or a benchmark.
 */
package io.dsrgw.gateway.dataplane;
