package io.dsrgw.encap.tunnel;

/**
 * What a {@link Decapsulator} found: the outer endpoints and where the inner packet lies in the same
 * segment. Mutable, reused per packet by one thread; valid after an OK result only.
 */
public final class DecapResult {
    private int outerSource;
    private int outerDestination;
    private long innerOffset;
    private int innerLength;
    private int innerVersion;

    /** Outer IPv4 source (the gateway) as an int. */
    public int outerSource() {
        return outerSource;
    }

    /** Outer IPv4 destination (this backend) as an int. */
    public int outerDestination() {
        return outerDestination;
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

    /** Fills every field (for decapsulators, also for tests that fake a result). */
    public DecapResult set(int outerSource, int outerDestination, long innerOffset, int innerLength,
                           int innerVersion) {
        this.outerSource = outerSource;
        this.outerDestination = outerDestination;
        this.innerOffset = innerOffset;
        this.innerLength = innerLength;
        this.innerVersion = innerVersion;
        return this;
    }

    /** Resets to zeros (what a failed decapsulation leaves). */
    public DecapResult clear() {
        return set(0, 0, 0, 0, 0);
    }
}
