package io.dsrgw.encap.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a libpcap file (version 2.4, thiszone 0, sigfigs 0). Packets longer than the snap length are
 * truncated to it (original length kept). Reuses one scratch buffer; not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {
    /** Default snap length: libpcap's maximum, so nothing is cut. */
    public static final int DEFAULT_SNAP_LENGTH = PcapReader.MAX_RECORD_LENGTH;

    private final OutputStream out;
    private final boolean nanos;
    private final int snapLength;
    private final ByteBuffer header = ByteBuffer.allocate(PcapReader.RECORD_HEADER_LENGTH);
    private byte[] scratch = new byte[2048];
    private long records;

    private PcapWriter(OutputStream out, boolean nanos, int snapLength, ByteOrder order) {
        this.out = out;
        this.nanos = nanos;
        this.snapLength = snapLength;
        header.order(order);
    }

    /** Little-endian file (the byte order of x86 tcpdump), snap length {@link #DEFAULT_SNAP_LENGTH}. */
    public static PcapWriter create(Path p, int linkType, boolean nanos) throws IOException {
        return create(p, linkType, nanos, DEFAULT_SNAP_LENGTH, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Creates (or truncates) the file and writes the global header.
     *
     * @param snapLengthBytes records are cut to this many bytes (1..{@link PcapReader#MAX_RECORD_LENGTH})
     * @param order           byte order of every header field (the magic reveals it to readers)
     */
    public static PcapWriter create(Path p, int linkType, boolean nanos, int snapLengthBytes, ByteOrder order)
            throws IOException {
        if (snapLengthBytes < 1 || snapLengthBytes > PcapReader.MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("snapLengthBytes " + snapLengthBytes + " (expected: 1.."
                    + PcapReader.MAX_RECORD_LENGTH + ")");
        }
        OutputStream out;
        try {
            out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 16);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(p + ": cannot create (no such directory: " + p.toAbsolutePath().getParent() + ")", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(p + ": cannot create (permission denied)", e);
        }
        try {
            ByteBuffer g = ByteBuffer.allocate(PcapReader.GLOBAL_HEADER_LENGTH).order(order);
            g.putInt(nanos ? PcapReader.MAGIC_NANOS : PcapReader.MAGIC_MICROS);
            g.putShort((short) 2).putShort((short) 4);
            g.putInt(0).putInt(0);
            g.putInt(snapLengthBytes);
            g.putInt(linkType);
            out.write(g.array());
            return new PcapWriter(out, nanos, snapLengthBytes, order);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Appends one record: {@code length} bytes at {@code offset} in {@code seg} (cut to the snap length),
     * stamped {@code timestampNanos} since the epoch (rounded down to microseconds in a microsecond file).
     */
    public void write(long timestampNanos, MemorySegment seg, long offset, int length) throws IOException {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " (expected: >= 0)");
        }
        int captured = Math.min(length, snapLength);
        long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        long fraction = Math.floorMod(timestampNanos, 1_000_000_000L);
        header.putInt(0, (int) seconds);
        header.putInt(4, (int) (nanos ? fraction : fraction / 1000));
        header.putInt(8, captured);
        header.putInt(12, length);
        if (captured > scratch.length) {
            scratch = new byte[Math.max(captured, scratch.length * 2)];
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset, scratch, 0, captured);
        out.write(header.array(), 0, PcapReader.RECORD_HEADER_LENGTH);
        out.write(scratch, 0, captured);
        records++;
    }

    /** Records written so far. */
    public long recordCount() {
        return records;
    }

    /** Pushes buffered records to the file. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
