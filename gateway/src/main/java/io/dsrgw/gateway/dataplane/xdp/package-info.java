/**
 * The XDP fast path's control plane (issue 11, DESIGN.md decision 13): loads {@code dsrgw_xdp.o} through libbpf
 * ({@code io.dsrgw.linux.bpf}), mirrors forwarding snapshots into its maps, attaches it, reads its counters. The
 * per-packet work happens in the kernel; nothing here runs per packet except slow-path flow-table lookups.
 */
package io.dsrgw.gateway.dataplane.xdp;
