package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A batch of outgoing packets sent with one {@code sendmmsg(2)} per flush, from preallocated native arrays:
 * <pre>
 *   mmsghdr[capacity] (64 bytes each)   msg_name -> names[i], msg_iov -> iovecs[i], msg_iovlen = 1
 *   iovec[capacity]   (16 bytes each)   iov_base -> the caller's packet, iov_len = its length
 *   names[capacity]   (32 bytes each)   sockaddr_in (16) or sockaddr_in6 (28), port 0
 * </pre>
 * The packets themselves are not copied: they must stay valid (native, arena open) until {@link #flush}.
 *
 * <p>Errors. sendmmsg stops at the first packet that fails; when earlier packets were sent it returns their
 * count and the next call, starting at the failing packet, reports its errno. So {@link #flush}:
 * <ul>
 *   <li>per-packet errors (EMSGSIZE above the route MTU, ENETUNREACH, EHOSTUNREACH, EINVAL, EPERM from a firewall
 *       rule, ...): counts one error for that packet, skips it and continues with the rest;</li>
 *   <li>EAGAIN / ENOBUFS (socket buffer or device queue full) and EINTR: retries up to {@link #MAX_RETRIES} times
 *       in a row, then counts all packets still unsent as errors (the queue is full, the rest would fail too);</li>
 *   <li>EBADF / ENOTSOCK (closed socket): counts all remaining packets as errors.</li>
 * </ul>
 * Counters: {@link #errors()}, {@link #errors(int)} by errno, {@link #lastErrno()}, {@link #sent()}.
 *
 * <p>Threading: one owner thread (a worker); no allocation, no locks, no exceptions on add/flush.
 */
public final class SendBatch implements AutoCloseable {
    /** Consecutive EAGAIN/ENOBUFS/EINTR results tolerated before the rest of a batch is dropped. */
    public static final int MAX_RETRIES = 8;

    private static final long MMSGHDR_BYTES = Structs.MMSGHDR.byteSize();
    private static final long IOVEC_BYTES = Structs.IOVEC.byteSize();
    /** sockaddr_in6 (28 bytes) rounded up to 32, so that every slot's 8-byte fields stay 8-byte aligned. */
    private static final long NAME_STRIDE = 32;
    private static final int SOCKADDR_IN_BYTES = (int) Structs.SOCKADDR_IN.byteSize();
    private static final int SOCKADDR_IN6_BYTES = (int) Structs.SOCKADDR_IN6.byteSize();
    /** sizeof(struct sockaddr_ll). */
    private static final int SOCKADDR_LL_BYTES = 20;
    /** Counted per errno up to this value (covers every Linux errno); others only in errors(). */
    private static final int ERRNO_SLOTS = 134;

    private final int capacity;
    private final Arena arena;
    private final MemorySegment messages;
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final long messagesAddress;
    private final MemorySegment state;
    private final long[] errorsByErrno = new long[ERRNO_SLOTS];
    private int size;
    private long errors;
    private long sent;
    private int lastErrno;
    private boolean closed;

    /**
     * @param capacity packets per batch, 1..1024 (UIO_MAXIOV, the kernel's limit for one sendmmsg)
     */
    public SendBatch(int capacity) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity " + capacity + " (expected: 1..1024)");
        }
        this.capacity = capacity;
        this.arena = Arena.ofShared();
        this.messages = arena.allocate(Structs.MMSGHDR, capacity);
        this.iovecs = arena.allocate(Structs.IOVEC, capacity);
        this.names = arena.allocate(NAME_STRIDE * capacity, 8);
        this.messagesAddress = messages.address();
        this.state = arena.allocate(Native.CAPTURE_STATE);
        for (int i = 0; i < capacity; i++) {
            long m = i * MMSGHDR_BYTES;
            messages.set(JAVA_LONG, m + Structs.MSG_NAME, names.address() + i * NAME_STRIDE);
            messages.set(JAVA_LONG, m + Structs.MSG_IOV, iovecs.address() + i * IOVEC_BYTES);
            messages.set(JAVA_LONG, m + Structs.MSG_IOVLEN, 1L);
            // msg_control = NULL, msg_controllen = 0, msg_flags = 0: zeroed by allocate
        }
    }

    /** Maximum packets per flush. */
    public int capacity() {
        return capacity;
    }

    /** Packets queued since the last flush. */
    public int size() {
        return size;
    }

    /**
     * Queues an IPv4 packet (header included) living in {@code seg[offset, offset + length)}.
     *
     * @param destination IPv4 address as an int, most significant byte first; the kernel routes on it
     * @return false when the batch is full (flush first)
     */
    public boolean addIpv4(MemorySegment seg, long offset, int length, int destination) {
        if (size == capacity) {
            return false;
        }
        int i = size;
        setIovec(i, seg, offset, length);
        long n = i * NAME_STRIDE;
        names.set(JAVA_SHORT, n + Structs.SIN_FAMILY, (short) Native.AF_INET);
        names.set(JAVA_SHORT, n + Structs.SIN_PORT, (short) 0);
        names.set(Structs.BE_INT, n + Structs.SIN_ADDR, destination);
        names.set(JAVA_LONG, n + Structs.SIN_ZERO, 0L);
        messages.set(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_NAMELEN, SOCKADDR_IN_BYTES);
        size = i + 1;
        return true;
    }

    /**
     * Queues an IPv6 packet (header included); the destination address is the 16 bytes
     * {@code destinationHi:destinationLo} as two big-endian longs. Send it through an AF_INET6 socket.
     *
     * @return false when the batch is full
     */
    public boolean addIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
        if (size == capacity) {
            return false;
        }
        int i = size;
        setIovec(i, seg, offset, length);
        long n = i * NAME_STRIDE;
        names.set(JAVA_SHORT, n + Structs.SIN6_FAMILY, (short) Native.AF_INET6);
        names.set(JAVA_SHORT, n + Structs.SIN_PORT, (short) 0);
        names.set(JAVA_INT, n + Structs.SIN6_FLOWINFO, 0);
        names.set(Structs.BE_LONG, n + Structs.SIN6_ADDR, destinationHi);
        names.set(Structs.BE_LONG, n + Structs.SIN6_ADDR + 8, destinationLo);
        names.set(JAVA_INT, n + Structs.SIN6_SCOPE_ID, 0);
        messages.set(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_NAMELEN, SOCKADDR_IN6_BYTES);
        size = i + 1;
        return true;
    }

    /**
     * Queues a network-layer packet for a {@link PacketSocket}: a {@code sockaddr_ll} with the egress interface
     * {@code ifindex}, the {@code etherType} (0x0800 IPv4, 0x86dd IPv6) and the 6-byte destination MAC held in the
     * low 48 bits of {@code mac} (most significant byte first: 02:00:00:00:00:01 = 0x020000000001L). Do not mix
     * with {@link #addIpv4}/{@link #addIpv6} in one batch: a batch goes to one socket.
     *
     * @return false when the batch is full
     */
    public boolean addLinkLayer(MemorySegment seg, long offset, int length, int ifindex, int etherType, long mac) {
        if (size == capacity) {
            return false;
        }
        int i = size;
        setIovec(i, seg, offset, length);
        long n = i * NAME_STRIDE;
        // struct sockaddr_ll: family u16, protocol be16, ifindex s32, hatype u16, pkttype u8, halen u8, addr[8]
        names.set(JAVA_SHORT, n, (short) Native.AF_PACKET);
        names.set(Structs.BE_SHORT, n + 2, (short) etherType);
        names.set(JAVA_INT, n + 4, ifindex);
        names.set(JAVA_SHORT, n + 8, (short) 0);
        names.set(JAVA_BYTE, n + 10, (byte) 0);
        names.set(JAVA_BYTE, n + 11, (byte) 6);
        names.set(Structs.BE_INT, n + 12, (int) (mac >>> 16));
        names.set(Structs.BE_SHORT, n + 16, (short) mac);
        names.set(JAVA_SHORT, n + 18, (short) 0);
        messages.set(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_NAMELEN, SOCKADDR_LL_BYTES);
        size = i + 1;
        return true;
    }

    /** Sends every queued link-layer packet through {@code socket} and clears the batch (see {@link #flush}). */
    public int flush(PacketSocket socket) {
        return flush(socket.fd());
    }

    /**
     * Sends every queued packet through {@code socket} and clears the batch. Never throws for send errors: they
     * are counted (see the class comment). No allocation.
     *
     * @return packets sent by this flush
     */
    public int flush(RawSocket socket) {
        return flush(socket.fd());
    }

    private int flush(int fd) {
        int total = size;
        int start = 0;
        int retries = 0;
        int sentNow = 0;
        while (start < total) {
            int n = Native.sendmmsg(state, fd, messagesAddress + start * MMSGHDR_BYTES, total - start, 0);
            if (n > 0) {
                start += n;
                sentNow += n;
                retries = 0;
                continue;
            }
            int errno = n == 0 ? Errno.EAGAIN : Native.errno(state);
            if (errno == Errno.EAGAIN || errno == Errno.ENOBUFS || errno == Errno.EINTR) {
                if (++retries <= MAX_RETRIES) {
                    Thread.onSpinWait();
                    continue;
                }
                countErrors(errno, total - start);
                break;
            }
            if (errno == Errno.EBADF || errno == Errno.ENOTSOCK) {
                countErrors(errno, total - start);
                break;
            }
            countErrors(errno, 1); // this packet only: skip it, send the rest
            start++;
            retries = 0;
        }
        sent += sentNow;
        size = 0;
        return sentNow;
    }

    private void countErrors(int errno, int packets) {
        errors += packets;
        if (errno > 0 && errno < ERRNO_SLOTS) {
            errorsByErrno[errno] += packets;
        }
        lastErrno = errno;
    }

    /** Discards queued packets without sending them. */
    public void clear() {
        size = 0;
    }

    /** Packets that could not be sent, over the lifetime of this batch. */
    public long errors() {
        return errors;
    }

    /** Packets that failed with this errno (e.g. {@link Errno#EMSGSIZE}), over the lifetime of this batch. */
    public long errors(int errno) {
        return errno > 0 && errno < ERRNO_SLOTS ? errorsByErrno[errno] : 0;
    }

    /** The errno of the most recent error, 0 when none yet. */
    public int lastErrno() {
        return lastErrno;
    }

    /** Packets sent, over the lifetime of this batch. */
    public long sent() {
        return sent;
    }

    /** Frees the native arrays. Idempotent; the batch must not be used afterwards. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            size = 0;
            arena.close();
        }
    }

    /** Points iovec {@code i} at {@code seg[offset, offset + length)} (the packet stays where it is: no copy). */
    private void setIovec(int i, MemorySegment seg, long offset, int length) {
        iovecs.set(JAVA_LONG, i * IOVEC_BYTES + Structs.IOV_BASE, Native.address(seg, offset, length));
        iovecs.set(JAVA_LONG, i * IOVEC_BYTES + Structs.IOV_LEN, length);
    }
}
