/**
 * The XDP fast path's control plane (issue 11, DESIGN.md decision 13): loads {@code dsrgw_xdp.o} through libbpf
 * ({@code io.dsrgw.linux.bpf}), mirrors forwarding snapshots into its maps, attaches it, reads its counters. The
 * per-packet work happens in the kernel; nothing here runs per packet except slow-path flow-table lookups.
 *
 * <p>{@link io.dsrgw.gateway.dataplane.xdp.XdpContract} mirrors the map contract {@code src/main/bpf/dsrgw_xdp.h}
 * (checked against the header by a test); {@link io.dsrgw.gateway.dataplane.xdp.XdpDataPlane} writes and reads
 * the maps; {@code MappedRings} is the mmap of the Maglev rings.
 *
 * <p>Threading: {@code XdpDataPlane.publish}, {@code attach} and {@code close} are control-thread calls
 * (synchronized); {@code counters}, {@code pinnedBackendId} and {@code flowTable} may run on any thread at any time
 * before {@code close} (map reads by syscall; {@code pinnedBackendId} allocates nothing). Interfaces are resolved
 * in the calling thread's network namespace.
 */
package io.dsrgw.gateway.dataplane.xdp;
