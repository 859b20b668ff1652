/**
 * Userspace decapsulation, for hosts whose kernel has no tunnel drivers: raw IPv4 sockets for protocols
 * 4, 41 and 47 receive every such packet addressed to the host, outer header included; raw IPv6 sockets
 * for next headers 4, 41 and 47 receive the payload only (the source comes from recvmmsg); GUE (variant 1) arrives
 * on a UDP socket per family bound to gue-port, which delivers the inner packet itself. Packets from a
 * configured gateway, with an accepted GRE key if any, whose inner destination is a configured VIP are
 * stripped of the outer headers and written (IPv4 or IPv6) to the decap TUN, from where the kernel
 * delivers them to the VIP on lo.
 *
 * <p>Threading: one {@link io.dsrgw.agent.userspace.DecapLoop} thread owns the sockets, the receive
 * buffer, the {@link io.dsrgw.agent.userspace.UserspaceDecapsulator} and its counters. Other threads
 * only read published counter snapshots ({@link io.dsrgw.agent.userspace.DecapCounters#snapshot()}),
 * hand over a replacement TUN ({@link io.dsrgw.agent.userspace.TunPacketSink#replace}) and call
 * {@link io.dsrgw.agent.userspace.DecapLoop#stop()}. The per-packet path allocates nothing, takes no
 * lock, logs nothing and throws nothing.
 */
package io.dsrgw.agent.userspace;
