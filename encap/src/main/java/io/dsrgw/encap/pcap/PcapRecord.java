package io.dsrgw.encap.pcap;

import java.lang.foreign.MemorySegment;

/**
 * One record of a pcap file, filled by {@link PcapReader#next} and reused for the next record. The captured
 * bytes are {@code data()[0, capturedLength())} in the reader's buffer, which is overwritten (and may be
 * replaced by a bigger one) by the next call: copy what must outlive it.
 */
public final class PcapRecord {
    private long timestampNanos;
    private MemorySegment data = MemorySegment.NULL;
    private int capturedLength;
    private int originalLength;
    private long ipOffset = -1;
    private int ipLength;

    /** Capture time in nanoseconds since the Unix epoch (microsecond files: a multiple of 1000). */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The reader's buffer: the record is at offset 0; the segment may be longer than the record. */
    public MemorySegment data() {
        return data;
    }

    /** Bytes present in the file for this record. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Bytes the packet had on the wire (more than captured when cut by the snap length). */
    public int originalLength() {
        return originalLength;
    }

    /** Offset of the IP header in {@link #data()}, or -1 when the frame does not carry IPv4/IPv6. */
    public long ipOffset() {
        return ipOffset;
    }

    /** Captured bytes from the IP header on (0 when {@link #ipOffset()} is -1). */
    public int ipLength() {
        return ipLength;
    }

    void set(long timestampNanos, MemorySegment data, int capturedLength, int originalLength, long ipOffset,
             int ipLength) {
        this.timestampNanos = timestampNanos;
        this.data = data;
        this.capturedLength = capturedLength;
        this.originalLength = originalLength;
        this.ipOffset = ipOffset;
        this.ipLength = ipLength;
    }
}
