/**
 * Userspace decapsulation, for hosts whose kernel has no tunnel drivers: a raw IPv4 socket for
 * protocol 4 (IP-in-IP) receives every such packet addressed to the host, outer header included;
 * packets from a configured gateway whose inner destination is a configured VIP are stripped of the
 * outer header and written to the decap TUN, from where the kernel delivers them to the VIP on lo.
 *
 * <p>Threading: one {@link io.dsrgw.agent.userspace.DecapLoop} thread owns the socket, the receive
 * buffer, the {@link io.dsrgw.agent.userspace.UserspaceDecapsulator} and its counters. Other threads
 * only read published counter snapshots ({@link io.dsrgw.agent.userspace.DecapCounters#snapshot()}),
 * hand over a replacement TUN ({@link io.dsrgw.agent.userspace.TunPacketSink#replace}) and call
 * {@link io.dsrgw.agent.userspace.DecapLoop#stop()}. The per-packet path allocates nothing, takes no
 * lock, logs nothing and throws nothing.
 */
package io.dsrgw.agent.userspace;
