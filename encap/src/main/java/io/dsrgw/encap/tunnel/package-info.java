/**
 * Tunnel encapsulation and decapsulation for every {@link io.dsrgw.encap.tunnel.TunnelKind}: ipip (RFC 2003),
 * sit (RFC 4213), gre (RFC 2784 / RFC 2890 key), ip6tnl (RFC 2473), ip6gre (RFC 7676) and gue / gue6 (GUE
 * variant 1, draft-ietf-intarea-gue section 5: the inner packet right behind a UDP header whose source port
 * carries the flow's entropy; see {@link io.dsrgw.encap.tunnel.TunnelEncapsulator} for why variant 1).
 *
 * <p>{@link io.dsrgw.encap.tunnel.TunnelSpec} (immutable, one per backend, built by the control plane) says
 * what to write; {@link io.dsrgw.encap.tunnel.TunnelEncapsulator} (one per worker) writes the outer headers
 * into the headroom in front of the inner packet, so nothing is copied; {@link
 * io.dsrgw.encap.tunnel.TunnelDecapsulator} (one per agent thread) validates a received tunnel packet strictly
 * and fills a {@link io.dsrgw.encap.tunnel.DecapResult}; {@link io.dsrgw.encap.tunnel.GreFlyweight} is the GRE
 * header view. The issue-2 pair {@link io.dsrgw.encap.tunnel.IpipEncapsulator} (static, thread-safe) and
 * {@link io.dsrgw.encap.tunnel.IpipDecapsulator} stay for their callers and write/accept exactly what the
 * general classes do for IPIP. Nothing here allocates or throws per packet.
 */
package io.dsrgw.encap.tunnel;
