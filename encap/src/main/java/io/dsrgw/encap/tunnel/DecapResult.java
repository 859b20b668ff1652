package io.dsrgw.encap.tunnel;

/**
 * What a decapsulator found: the tunnel kind, the outer endpoints, the GRE key, and where the inner packet
 * lies in the same segment. Mutable, reused per packet by one thread; valid after an OK result only.
 *
 * <p>Outer addresses: for an IPv4 outer, {@link #outerSource()} / {@link #outerDestination()} hold the
 * addresses as ints and {@link #outerSourceHi()} = 0, {@link #outerSourceLo()} = the address as an unsigned
 * value (like {@link io.dsrgw.encap.flow.FlowKey}); for an IPv6 outer the hi/lo pair holds the source (the
 * destination is not known to a raw IPv6 socket's reader and reads 0) and the int accessors read 0.
 */
public final class DecapResult {
    private TunnelKind kind;
    private int outerFamily;
    private int outerSource;
    private int outerDestination;
    private long outerSourceHi;
    private long outerSourceLo;
    private boolean greKeyPresent;
    private int greKey;
    private long innerOffset;
    private int innerLength;
    private int innerVersion;
    private int udpSourcePort;
    private int udpDestinationPort;

    /** The tunnel kind of the packet (null after a failed decapsulation). */
    public TunnelKind kind() {
        return kind;
    }

    /** 4 or 6: the family of the outer header. */
    public int outerFamily() {
        return outerFamily;
    }

    /** Outer IPv4 source (the gateway) as an int; 0 for an IPv6 outer. */
    public int outerSource() {
        return outerSource;
    }

    /** Outer IPv4 destination (this backend) as an int; 0 for an IPv6 outer. */
    public int outerDestination() {
        return outerDestination;
    }

    /** First 8 bytes of an IPv6 outer source; 0 for IPv4. */
    public long outerSourceHi() {
        return outerSourceHi;
    }

    /** Last 8 bytes of an IPv6 outer source; for IPv4 the address as an unsigned value. */
    public long outerSourceLo() {
        return outerSourceLo;
    }

    /** True when the packet was GRE with the K flag (RFC 2890). */
    public boolean greKeyPresent() {
        return greKeyPresent;
    }

    /** The GRE key's 32-bit pattern (0 without a key); {@code greKey() & 0xffffffffL} for the number. */
    public int greKey() {
        return greKey;
    }

    /** Offset of the inner IP header in the segment passed to the decapsulator. */
    public long innerOffset() {
        return innerOffset;
    }

    /** Length of the inner packet in bytes (its IP total length). */
    public int innerLength() {
        return innerLength;
    }

    /** 4 or 6. */
    public int innerVersion() {
        return innerVersion;
    }

    /** GUE: the outer UDP source port (0 for other kinds, and when a UDP socket delivered the payload). */
    public int udpSourcePort() {
        return udpSourcePort;
    }

    /** GUE: the outer UDP destination port (0 for other kinds, and when a UDP socket delivered the payload). */
    public int udpDestinationPort() {
        return udpDestinationPort;
    }

    /** Sets the GUE UDP ports (after {@link #setIpv4Outer} / {@link #setIpv6Outer}, which reset them to 0). */
    public DecapResult udpPorts(int sourcePort, int destinationPort) {
        this.udpSourcePort = sourcePort;
        this.udpDestinationPort = destinationPort;
        return this;
    }

    /** Fills the fields of an IPIP result (kept for the issue-2 callers and tests that fake a result). */
    public DecapResult set(int outerSource, int outerDestination, long innerOffset, int innerLength,
                           int innerVersion) {
        return setIpv4Outer(TunnelKind.IPIP, outerSource, outerDestination, false, 0, innerOffset, innerLength,
                innerVersion);
    }

    /** Fills every field for a packet with an IPv4 outer header. */
    public DecapResult setIpv4Outer(TunnelKind kind, int outerSource, int outerDestination, boolean greKeyPresent,
                                    int greKey, long innerOffset, int innerLength, int innerVersion) {
        this.kind = kind;
        this.outerFamily = 4;
        this.outerSource = outerSource;
        this.outerDestination = outerDestination;
        this.outerSourceHi = 0;
        this.outerSourceLo = outerSource & 0xffffffffL;
        this.greKeyPresent = greKeyPresent;
        this.greKey = greKey;
        this.innerOffset = innerOffset;
        this.innerLength = innerLength;
        this.innerVersion = innerVersion;
        this.udpSourcePort = 0;
        this.udpDestinationPort = 0;
        return this;
    }

    /** Fills every field for a packet with an IPv6 outer header (source as hi/lo). */
    public DecapResult setIpv6Outer(TunnelKind kind, long outerSourceHi, long outerSourceLo,
                                    boolean greKeyPresent, int greKey, long innerOffset, int innerLength,
                                    int innerVersion) {
        this.kind = kind;
        this.outerFamily = 6;
        this.outerSource = 0;
        this.outerDestination = 0;
        this.outerSourceHi = outerSourceHi;
        this.outerSourceLo = outerSourceLo;
        this.greKeyPresent = greKeyPresent;
        this.greKey = greKey;
        this.innerOffset = innerOffset;
        this.innerLength = innerLength;
        this.innerVersion = innerVersion;
        this.udpSourcePort = 0;
        this.udpDestinationPort = 0;
        return this;
    }

    /** Resets to zeros and kind null (what a failed decapsulation leaves). */
    public DecapResult clear() {
        setIpv4Outer(null, 0, 0, false, 0, 0, 0, 0);
        this.outerFamily = 0;
        return this;
    }
}
