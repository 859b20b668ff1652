package io.dsrgw.encap.pcap;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a libpcap file record by record into one reused buffer (grown when a record needs more), so reading
 * allocates only when the largest record so far grows. Accepts both byte orders, micro- and nanosecond
 * magics, and the link types of {@link LinkType#supported}. For Ethernet it locates the IP header after the
 * 14-byte header or one 802.1Q (or 802.1ad) tag; frames of other EtherTypes are returned with
 * {@code ipOffset = -1}. Every malformation is an {@link IOException} naming the file, the record number
 * and the byte offset. Not thread-safe.
 */
public final class PcapReader implements AutoCloseable {
    /** Magic numbers as read big-endian. */
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    static final int MAGIC_MICROS_SWAPPED = 0xd4c3b2a1;
    static final int MAGIC_NANOS_SWAPPED = 0x4d3cb2a1;
    /** pcapng section header block type: a different format, named in the error. */
    static final int PCAPNG_MAGIC = 0x0a0d0d0a;

    public static final int GLOBAL_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    /**
     * Records larger than this are refused even if the snap length claims more (libpcap's own maximum); a snap
     * length of 0 also means this.
     */
    public static final int MAX_RECORD_LENGTH = 262144;

    static final int ETHERNET_HEADER_LENGTH = 14;
    static final int VLAN_TAG_LENGTH = 4;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int ETHERTYPE_VLAN = 0x8100;
    static final int ETHERTYPE_QINQ = 0x88a8;

    private final Path path;
    private final InputStream in;
    private final ByteOrder order;
    private final boolean nanos;
    private final int snapLength;
    private final int linkType;
    /** Bytes in the file (Long.MAX_VALUE when it is not a regular file): a record never claims more than is left. */
    private final long fileSize;
    private final ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_LENGTH);
    private byte[] buffer = new byte[2048];
    private MemorySegment segment = MemorySegment.ofArray(buffer);
    private long fileOffset = GLOBAL_HEADER_LENGTH;
    private long recordNumber;

    private PcapReader(Path path, InputStream in, ByteOrder order, boolean nanos, int snapLength, int linkType,
                       long fileSize) {
        this.path = path;
        this.fileSize = fileSize;
        this.in = in;
        this.order = order;
        this.nanos = nanos;
        this.snapLength = snapLength;
        this.linkType = linkType;
        header.order(order);
    }

    /**
     * Opens the file and reads its global header.
     *
     * @throws IOException when the file cannot be read, is shorter than 24 bytes, has no pcap magic
     *     (pcapng is named as such), an unknown major version, or an unsupported link type
     */
    public static PcapReader open(Path p) throws IOException {
        InputStream in = new BufferedInputStream(openFile(p), 1 << 16);
        try {
            byte[] global = new byte[GLOBAL_HEADER_LENGTH];
            int n = readFully(in, global, 0, GLOBAL_HEADER_LENGTH);
            if (n < GLOBAL_HEADER_LENGTH) {
                throw new IOException(p + ": truncated pcap global header (" + n + " of " + GLOBAL_HEADER_LENGTH
                        + " bytes)");
            }
            ByteBuffer g = ByteBuffer.wrap(global).order(ByteOrder.BIG_ENDIAN);
            int magic = g.getInt(0);
            ByteOrder order;
            boolean nanos;
            switch (magic) {
                case MAGIC_MICROS -> { order = ByteOrder.BIG_ENDIAN; nanos = false; }
                case MAGIC_NANOS -> { order = ByteOrder.BIG_ENDIAN; nanos = true; }
                case MAGIC_MICROS_SWAPPED -> { order = ByteOrder.LITTLE_ENDIAN; nanos = false; }
                case MAGIC_NANOS_SWAPPED -> { order = ByteOrder.LITTLE_ENDIAN; nanos = true; }
                case PCAPNG_MAGIC -> throw new IOException(p + ": is a pcapng file (expected: libpcap format;"
                        + " convert with editcap -F pcap)");
                default -> throw new IOException(p + ": bad magic 0x" + String.format("%08x", magic)
                        + " (expected: pcap magic a1b2c3d4 or a1b23c4d, either byte order)");
            }
            g.order(order);
            int major = g.getShort(4) & 0xffff;
            int minor = g.getShort(6) & 0xffff;
            if (major != 2) {
                throw new IOException(p + ": unsupported pcap version " + major + "." + minor + " (expected: 2.x)");
            }
            int snapLength = g.getInt(16);
            int linkType = g.getInt(20) & 0xffff; // upper bits: FCS length flags (pcap spec), not the type
            if (!LinkType.supported(linkType)) {
                throw new IOException(p + ": unsupported link type " + linkType
                        + " (expected: 1 ETHERNET, 101 RAW, 228 IPV4 or 229 IPV6)");
            }
            long size = Files.isRegularFile(p) ? Files.size(p) : Long.MAX_VALUE;
            return new PcapReader(p, in, order, nanos, snapLength, linkType, size);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * The link type: {@link LinkType#RAW}, {@link LinkType#ETHERNET}, {@link LinkType#IPV4} or
     * {@link LinkType#IPV6}.
     */
    public int linkType() {
        return linkType;
    }

    /** The snap length from the global header (as an unsigned value clipped to int). */
    public int snapLength() {
        return snapLength;
    }

    /** True for nanosecond timestamps (magic 0xa1b23c4d). */
    public boolean nanos() {
        return nanos;
    }

    /** The file's byte order. */
    public ByteOrder byteOrder() {
        return order;
    }

    /**
     * Reads the next record into {@code rec}. For Ethernet (incl. one 802.1Q tag) the record's IP offset
     * skips the L2 header; non-IP frames are still returned with {@code ipOffset = -1}.
     *
     * @return false at the end of the file (exactly after a record)
     * @throws IOException on a truncated record header, a captured length above the snap length (capped at
     *     {@link #MAX_RECORD_LENGTH}), above the original length or above the bytes left in the file, or a
     *     truncated record
     */
    public boolean next(PcapRecord rec) throws IOException {
        byte[] h = header.array();
        int n = readFully(in, h, 0, RECORD_HEADER_LENGTH);
        if (n == 0) {
            return false;
        }
        long number = recordNumber + 1;
        if (n < RECORD_HEADER_LENGTH) {
            throw new IOException(path + ": record " + number + " at byte " + fileOffset
                    + ": truncated record header (" + n + " of " + RECORD_HEADER_LENGTH + " bytes)");
        }
        long seconds = header.getInt(0) & 0xffffffffL;
        long fraction = header.getInt(4) & 0xffffffffL;
        long captured = header.getInt(8) & 0xffffffffL;
        long original = header.getInt(12) & 0xffffffffL;
        long snap = snapLength & 0xffffffffL;
        if (snap == 0 || snap > MAX_RECORD_LENGTH) {
            // Bounded by libpcap's maximum whatever the header claims: a length is never trusted for allocation.
            if (captured > MAX_RECORD_LENGTH) {
                throw new IOException(path + ": record " + number + " at byte " + fileOffset + ": captured length "
                        + captured + " (expected: at most " + MAX_RECORD_LENGTH + ", the snap length " + snap
                        + " capped at " + MAX_RECORD_LENGTH + ")");
            }
        } else if (captured > snap) {
            throw new IOException(path + ": record " + number + " at byte " + fileOffset + ": captured length "
                    + captured + " (expected: at most " + snap + ", the snap length)");
        }
        long left = fileSize - fileOffset - RECORD_HEADER_LENGTH;
        if (captured > left) {
            // Checked before the buffer grows: a short file claiming a long record costs no allocation.
            throw new IOException(path + ": record " + number + " at byte " + fileOffset + ": truncated record ("
                    + Math.max(0, left) + " of " + captured + " captured bytes)");
        }
        if (captured > original) {
            throw new IOException(path + ": record " + number + " at byte " + fileOffset + ": captured length "
                    + captured + " (expected: at most the original length " + original + ")");
        }
        int length = (int) captured;
        if (length > buffer.length) {
            buffer = new byte[Math.max(length, buffer.length * 2)];
            segment = MemorySegment.ofArray(buffer);
        }
        int got = readFully(in, buffer, 0, length);
        if (got < length) {
            throw new IOException(path + ": record " + number + " at byte " + fileOffset + ": truncated record ("
                    + got + " of " + length + " captured bytes)");
        }
        long timestampNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000L);
        long ipOffset = ipOffset(length);
        rec.set(timestampNanos, segment, length, (int) Math.min(original, Integer.MAX_VALUE), ipOffset,
                ipOffset < 0 ? 0 : (int) (length - ipOffset));
        fileOffset += RECORD_HEADER_LENGTH + length;
        recordNumber = number;
        return true;
    }

    /** Where the IP header starts in the current record, or -1 (non-IP Ethernet frame, too short). */
    private long ipOffset(int length) {
        if (linkType != LinkType.ETHERNET) {
            return 0;
        }
        if (length < ETHERNET_HEADER_LENGTH) {
            return -1;
        }
        int etherType = ((buffer[12] & 0xff) << 8) | (buffer[13] & 0xff);
        int ipOffset = ETHERNET_HEADER_LENGTH;
        if (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ) {
            if (length < ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH) {
                return -1;
            }
            etherType = ((buffer[16] & 0xff) << 8) | (buffer[17] & 0xff);
            ipOffset += VLAN_TAG_LENGTH;
        }
        return etherType == ETHERTYPE_IPV4 || etherType == ETHERTYPE_IPV6 ? ipOffset : -1;
    }

    /** Number of records returned so far. */
    public long recordCount() {
        return recordNumber;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Opens for reading; NIO's exceptions carry only the path as message, so say what went wrong. */
    private static InputStream openFile(Path p) throws IOException {
        try {
            return Files.newInputStream(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(p + ": no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(p + ": permission denied", e);
        }
    }

    /** Reads until {@code len} bytes or end of stream; returns the count read. */
    private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int r = in.read(b, off + total, len - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }
}
