package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * Strict IPv4-in-IPv4 (RFC 2003) decapsulation for the backend agent, which writes the inner packet to a
 * TUN device and must never hand the kernel something a real ipip device would have refused.
 *
 * <p>Checks, in this order, each with its drop reason:
 * <ol>
 *   <li>outer shorter than 20 bytes: {@link PacketError#TRUNCATED};</li>
 *   <li>outer header malformed (version, IHL, total length, options, fragment fields):
 *       {@link PacketError#BAD_OUTER_HEADER};</li>
 *   <li>outer header checksum: {@link PacketError#BAD_CHECKSUM};</li>
 *   <li>outer protocol not 4: {@link PacketError#UNSUPPORTED_PROTOCOL};</li>
 *   <li>outer is a fragment (the kernel reassembles before raw delivery, so this means someone else
 *       crafted it): {@link PacketError#BAD_OUTER_HEADER};</li>
 *   <li>inner: the {@link Ipv4Flyweight#wrap} result over the outer payload (TRUNCATED, BAD_VERSION,
 *       BAD_IHL, BAD_TOTAL_LENGTH, BAD_OPTIONS, BAD_FRAGMENT);</li>
 *   <li>inner total length different from the outer payload length: {@link PacketError#BAD_TOTAL_LENGTH};</li>
 *   <li>inner header checksum: {@link PacketError#BAD_CHECKSUM}.</li>
 * </ol>
 * The outer source is not checked here: the agent compares {@link DecapResult#outerSource()} with its
 * configured gateways and counts {@link PacketError#BAD_TUNNEL_SOURCE}. Reusable, one per thread, no
 * allocation, never throws.
 */
public final class IpipDecapsulator implements Decapsulator {
    private final TunnelDecapsulator tunnel = new TunnelDecapsulator();

    @Override
    public TunnelKind kind() {
        return TunnelKind.IPIP;
    }

    /**
     * Validates outer and inner IPv4 headers (see the class comment); fills {@code out} on OK. The checks are
     * {@link TunnelDecapsulator}'s, restricted to protocol 4.
     */
    @Override
    public PacketError decapsulate(MemorySegment seg, long offset, int length, DecapResult out) {
        return tunnel.decapsulateIpv4(seg, offset, length, IpProtocol.IPIP, out);
    }

    /** The outer header view of the last call (for diagnostics: TTL, TOS, ...). */
    public Ipv4Flyweight outer() {
        return tunnel.outer();
    }

    /** The inner header view of the last call (valid after OK). */
    public Ipv4Flyweight inner() {
        return tunnel.inner4();
    }
}
