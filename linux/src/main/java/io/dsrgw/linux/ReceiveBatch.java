package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Receives up to {@code capacity} packets with one {@code recvmmsg(2)} into preallocated native slots:
 * <pre>
 *   buffer    capacity * slotBytes       packet i at offset(i) = i * slotBytes, length(i) bytes
 *   mmsghdr[capacity], iovec[capacity]   iov_base -> slot i, iov_len = slotBytes
 *   names[capacity] (32 bytes each)    the sender's address (for raw sockets: the packet's source)
 * </pre>
 * A packet longer than a slot is cut to the slot and flagged {@link #truncated(int)}.
 *
 * <p>{@link #receive} waits for the first packet only when the socket is blocking (MSG_WAITFORONE), then takes
 * whatever else is already queued; on a non-blocking socket it returns 0 when nothing is waiting.
 *
 * <p>Threading: one owner thread; no allocation per call.
 */
public final class ReceiveBatch implements AutoCloseable {
    private static final long MMSGHDR_BYTES = Structs.MMSGHDR.byteSize();
    private static final long IOVEC_BYTES = Structs.IOVEC.byteSize();
    /** sockaddr_in6 (28 bytes) rounded up to 32, so that every slot's 8-byte fields stay 8-byte aligned. */
    private static final long NAME_STRIDE = 32;

    private final int capacity;
    private final int slotBytes;
    private final Arena arena;
    private final MemorySegment buffer;
    private final MemorySegment messages;
    private final MemorySegment names;
    private final MemorySegment[] packets;
    private final long messagesAddress;
    private final MemorySegment state;
    private int count;
    private boolean closed;

    /**
     * @param capacity  packets per call, 1..1024
     * @param slotBytes bytes per packet slot, 1..65535+; size it for the largest packet you accept
     */
    public ReceiveBatch(int capacity, int slotBytes) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity " + capacity + " (expected: 1..1024)");
        }
        if (slotBytes < 1 || slotBytes > 1 << 20) {
            throw new IllegalArgumentException("slot size " + slotBytes + " bytes (expected: 1..1048576)");
        }
        this.capacity = capacity;
        this.slotBytes = slotBytes;
        this.arena = Arena.ofShared();
        this.buffer = arena.allocate((long) capacity * slotBytes, 64);
        this.messages = arena.allocate(Structs.MMSGHDR, capacity);
        MemorySegment iovecs = arena.allocate(Structs.IOVEC, capacity);
        this.names = arena.allocate(NAME_STRIDE * capacity, 8);
        this.messagesAddress = messages.address();
        this.state = arena.allocate(Native.CAPTURE_STATE);
        this.packets = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            long m = i * MMSGHDR_BYTES;
            packets[i] = buffer.asSlice((long) i * slotBytes, slotBytes);
            iovecs.set(JAVA_LONG, i * IOVEC_BYTES + Structs.IOV_BASE, packets[i].address());
            iovecs.set(JAVA_LONG, i * IOVEC_BYTES + Structs.IOV_LEN, slotBytes);
            messages.set(JAVA_LONG, m + Structs.MSG_NAME, names.address() + i * NAME_STRIDE);
            messages.set(JAVA_INT, m + Structs.MSG_NAMELEN, (int) Structs.SOCKADDR_IN6.byteSize());
            messages.set(JAVA_LONG, m + Structs.MSG_IOV, iovecs.address() + i * IOVEC_BYTES);
            messages.set(JAVA_LONG, m + Structs.MSG_IOVLEN, 1L);
        }
    }

    /**
     * Receives into the slots, replacing the previous contents.
     *
     * @return packets received (0 when none is waiting, or on EINTR)
     * @throws LinuxException on errors other than EAGAIN/EINTR, e.g. EBADF on a closed socket
     */
    public int receive(RawSocket socket) throws LinuxException {
        int n = tryReceive(socket);
        if (n < 0) {
            throw new LinuxException("recvmmsg", socket.toString(), -n);
        }
        return n;
    }

    /**
     * Receives datagrams of a bound UDP socket: each slot holds a UDP payload, its name the sender
     * ({@link #sourceIpv4}, {@link #sourceIpv6Hi}/{@link #sourceIpv6Lo}, {@link #sourcePort}).
     *
     * @return datagrams received (0 when none is waiting, or on EINTR)
     * @throws LinuxException on errors other than EAGAIN/EINTR
     */
    public int receive(UdpSocket socket) throws LinuxException {
        int n = tryReceive(socket.fd());
        if (n < 0) {
            throw new LinuxException("recvmmsg", socket.toString(), -n);
        }
        return n;
    }

    /** Like {@link #receive} but returns {@code -errno} instead of throwing. */
    public int tryReceive(RawSocket socket) {
        return tryReceive(socket.fd());
    }

    private int tryReceive(int fd) {
        // the kernel overwrites msg_namelen with the actual address length: restore it for the used slots
        for (int i = 0; i < count; i++) {
            messages.set(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_NAMELEN, (int) Structs.SOCKADDR_IN6.byteSize());
        }
        count = 0;
        int n = Native.recvmmsg(state, fd, messagesAddress, capacity, Native.MSG_WAITFORONE, 0L);
        int result = Native.countOrNegativeErrno(state, n);
        count = Math.max(result, 0);
        return result;
    }

    /** Packets held from the last receive. */
    public int count() {
        return count;
    }

    /** Slots. */
    public int capacity() {
        return capacity;
    }

    /** Bytes per slot. */
    public int slotBytes() {
        return slotBytes;
    }

    /** The whole receive buffer; packet i starts at {@link #offset(int)}. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** Offset of packet i in {@link #buffer()}. */
    public long offset(int i) {
        return (long) i * slotBytes;
    }

    /** Slot i as its own segment (preallocated; the packet is its first {@link #length(int)} bytes). */
    public MemorySegment packet(int i) {
        return packets[i];
    }

    /** Bytes received into slot i (at most slotBytes). */
    public int length(int i) {
        int n = messages.get(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_LEN);
        return Math.min(n, slotBytes);
    }

    /** Whether packet i was longer than its slot (MSG_TRUNC) and was cut. */
    public boolean truncated(int i) {
        return (messages.get(JAVA_INT, i * MMSGHDR_BYTES + Structs.MSG_FLAGS) & Native.MSG_TRUNC) != 0;
    }

    /** Address family of the sender of packet i (AF_INET 2, AF_INET6 10). */
    public int sourceFamily(int i) {
        return names.get(JAVA_SHORT, i * NAME_STRIDE + Structs.SIN_FAMILY);
    }

    /** The IPv4 sender of packet i (AF_INET sockets), as an int, most significant byte first. */
    public int sourceIpv4(int i) {
        return names.get(Structs.BE_INT, i * NAME_STRIDE + Structs.SIN_ADDR);
    }

    /** The sender's port of packet i (UDP sockets; 0 for raw sockets' protocol-less names). */
    public int sourcePort(int i) {
        return names.get(Structs.BE_SHORT, i * NAME_STRIDE + Structs.SIN_PORT) & 0xffff;
    }

    /** High 8 bytes of the IPv6 sender of packet i (AF_INET6 sockets), big-endian. */
    public long sourceIpv6Hi(int i) {
        return names.get(Structs.BE_LONG, i * NAME_STRIDE + Structs.SIN6_ADDR);
    }

    /** Low 8 bytes of the IPv6 sender of packet i. */
    public long sourceIpv6Lo(int i) {
        return names.get(Structs.BE_LONG, i * NAME_STRIDE + Structs.SIN6_ADDR + 8);
    }

    /** Frees the native memory. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            count = 0;
            arena.close();
        }
    }
}
