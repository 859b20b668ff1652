package io.dsrgw.encap.flow;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;

/**
 * The tuple that selects a backend: family, protocol, source and destination address (128 bits each, IPv4
 * in the low 32 bits of {@code lo} with {@code hi = 0}), source and destination port (0 when the protocol
 * has none or the packet is a fragment), and whether the packet is a fragment. Mutable, owned by one
 * worker and reused for every packet. {@link #equals}/{@link #hashCode} compare values (for tests and
 * control-plane maps of copies; do not mutate a key that is stored in a hash-based collection).
 */
public final class FlowKey {
    private int family;
    private int protocol;
    private int sourcePort;
    private int destinationPort;
    private long sourceHi;
    private long sourceLo;
    private long destinationHi;
    private long destinationLo;
    private boolean fragment;

    /** Address family: 4 or 6 (0 before the first set). */
    public int family() {
        return family;
    }

    public int protocol() {
        return protocol;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    public long sourceHi() {
        return sourceHi;
    }

    public long sourceLo() {
        return sourceLo;
    }

    public long destinationHi() {
        return destinationHi;
    }

    public long destinationLo() {
        return destinationLo;
    }

    /** IPv4 source as an int (valid when {@code family() == 4}). */
    public int sourceIpv4() {
        return (int) sourceLo;
    }

    /** IPv4 destination as an int (valid when {@code family() == 4}). */
    public int destinationIpv4() {
        return (int) destinationLo;
    }

    /** True when the packet was a fragment (first or later): the ports are then 0. */
    public boolean fragment() {
        return fragment;
    }

    /** Sets an IPv4 key; ports are masked to 16 bits. */
    public FlowKey setIpv4(int src, int dst, int protocol, int srcPort, int dstPort, boolean fragment) {
        this.family = 4;
        this.protocol = protocol & 0xff;
        this.sourcePort = srcPort & 0xffff;
        this.destinationPort = dstPort & 0xffff;
        this.sourceHi = 0;
        this.sourceLo = src & 0xffffffffL;
        this.destinationHi = 0;
        this.destinationLo = dst & 0xffffffffL;
        this.fragment = fragment;
        return this;
    }

    /** Sets an IPv6 key (addresses as hi/lo longs, see {@link io.dsrgw.encap.ip.Ipv6Addresses}). */
    public FlowKey setIpv6(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int srcPort, int dstPort,
                           boolean fragment) {
        this.family = 6;
        this.protocol = protocol & 0xff;
        this.sourcePort = srcPort & 0xffff;
        this.destinationPort = dstPort & 0xffff;
        this.sourceHi = srcHi;
        this.sourceLo = srcLo;
        this.destinationHi = dstHi;
        this.destinationLo = dstLo;
        this.fragment = fragment;
        return this;
    }

    /** Copies every field of {@code other}. */
    public FlowKey copyFrom(FlowKey other) {
        this.family = other.family;
        this.protocol = other.protocol;
        this.sourcePort = other.sourcePort;
        this.destinationPort = other.destinationPort;
        this.sourceHi = other.sourceHi;
        this.sourceLo = other.sourceLo;
        this.destinationHi = other.destinationHi;
        this.destinationLo = other.destinationLo;
        this.fragment = other.fragment;
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && family == k.family && protocol == k.protocol
                && sourcePort == k.sourcePort && destinationPort == k.destinationPort
                && sourceHi == k.sourceHi && sourceLo == k.sourceLo
                && destinationHi == k.destinationHi && destinationLo == k.destinationLo && fragment == k.fragment;
    }

    @Override
    public int hashCode() {
        long h = sourceHi * 31 + sourceLo;
        h = h * 31 + destinationHi;
        h = h * 31 + destinationLo;
        h = h * 31 + ((long) protocol << 40 | (long) sourcePort << 16 | destinationPort);
        h = h * 31 + family * 2 + (fragment ? 1 : 0);
        return Long.hashCode(h);
    }

    /** "tcp 10.0.0.1:1234 -> 10.100.0.1:80" (plus " fragment"); IPv6 as "tcp [fd00:1::2]:1234 -> ...". */
    @Override
    public String toString() {
        String src;
        String dst;
        if (family == 4) {
            src = Ipv4Addresses.format((int) sourceLo);
            dst = Ipv4Addresses.format((int) destinationLo);
        } else {
            src = "[" + Ipv6Addresses.format(sourceHi, sourceLo) + "]";
            dst = "[" + Ipv6Addresses.format(destinationHi, destinationLo) + "]";
        }
        return IpProtocol.name(protocol) + " " + src + ":" + sourcePort + " -> " + dst + ":" + destinationPort
                + (fragment ? " fragment" : "");
    }
}
