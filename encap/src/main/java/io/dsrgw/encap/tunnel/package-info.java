/**
 * Tunnel encapsulation and decapsulation, one pair of classes per {@link io.dsrgw.encap.tunnel.TunnelKind}.
 *
 * <p>Issue 2 implements IP-in-IP (RFC 2003): {@link io.dsrgw.encap.tunnel.IpipEncapsulator} (static,
 * thread-safe, writes the outer header into headroom in front of the inner packet, so nothing is copied)
 * and {@link io.dsrgw.encap.tunnel.IpipDecapsulator} (strict validation for the backend agent; reusable,
 * owned by one thread). Later kinds follow the same shape: a {@code GreEncapsulator} writing 20 + 4 (+ 4
 * with an RFC 2890 key) bytes, {@code Ip6tnlEncapsulator} writing a 40-byte IPv6 header, each with the
 * overhead {@link io.dsrgw.encap.tunnel.TunnelKind#overheadBytes()} reports, and a
 * {@link io.dsrgw.encap.tunnel.Decapsulator} implementation filling the same
 * {@link io.dsrgw.encap.tunnel.DecapResult}. Nothing here allocates or throws per packet.
 */
package io.dsrgw.encap.tunnel;
