/**
 * Network-namespace topologies for end-to-end tests and the demo: namespaces, veth pairs, a bridge,
 * addresses, routes and sysctls (driven through iproute2 and sysctl as external commands), a launcher for
 * processes inside a namespace, interface / nftables counter readers, and
 * {@link io.dsrgw.harness.netns.NetnsThreads} (a platform thread into a namespace, for in-JVM load generators).
 *
 * <p>Threading: a {@link io.dsrgw.harness.netns.Topology} and a {@link io.dsrgw.harness.netns.ManagedProcess}
 * are used by one thread (the test or the demo); only their {@code close()} may also run from the JVM shutdown
 * hook, and is idempotent and synchronized for that reason. Everything here is control-plane code: it forks
 * processes and allocates freely.
 */
package io.dsrgw.harness.netns;
