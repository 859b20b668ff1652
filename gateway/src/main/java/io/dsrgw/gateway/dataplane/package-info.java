/**
 * What every data plane shares: immutable {@link io.dsrgw.gateway.dataplane.ForwardingSnapshot}s published through
 * a {@link io.dsrgw.gateway.dataplane.SnapshotHolder}, the one backend-selection rule
 * ({@link io.dsrgw.gateway.dataplane.FlowSteering}: a worker's {@link io.dsrgw.gateway.dataplane.FlowTable} in front
 * of the VIP's Maglev table), the per-packet {@link io.dsrgw.gateway.dataplane.PacketPipeline} (parse IPv4/IPv6,
 * classify, hash, pick backend, encapsulate with the backend's tunnel kind, fragment or answer too-big, forward ICMP
 * errors, answer echo requests, hand to a {@link io.dsrgw.gateway.dataplane.TxSink}), and the counters the data
 * plane writes ({@link io.dsrgw.gateway.dataplane.CounterSet}, {@link io.dsrgw.gateway.dataplane.WorkerCounters}).
 * The forwarding paths live in sub-packages: {@code tun} (TUN queues, the default and slow path); the XDP path
 * goes beside it as {@code xdp}. The control plane ({@code io.dsrgw.gateway.control}) builds snapshots; the data
 * plane only reads them.
 * {@code io.dsrgw.gateway.metrics} reads this package, never the reverse.
 *
 * <p>Threading: a pipeline, a flow table and a {@code FlowSteering} belong to exactly one worker thread (they own
 * mutable flyweights and counters); the worker takes a new snapshot only between batches. Snapshots are immutable
 * and shared by all workers. Nothing here does I/O; the same pipeline runs behind a TUN queue, a pcap file or a
 * benchmark.
 */
package io.dsrgw.gateway.dataplane;
