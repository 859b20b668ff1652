/**
 * The gateway's use of host tools that its control plane shares between packages: {@link
 * io.dsrgw.gateway.linux.Iproute2} runs iproute2's {@code ip} for the TUN ingress ({@code dataplane.tun}) and the
 * announce routes ({@code announce}), so that both start, read and report the command the same way.
 *
 * <p>Threading: stateless static methods, safe from any thread; each blocks until its process exits (at most
 * {@value io.dsrgw.gateway.linux.Iproute2#TIMEOUT_SECONDS} s), so they run on control threads, never on the data
 * path.
 */
package io.dsrgw.gateway.linux;
