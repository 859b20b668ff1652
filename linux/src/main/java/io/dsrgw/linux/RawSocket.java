package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A raw IP socket ({@code SOCK_RAW}), IPv4 or IPv6.
 * <ul>
 *   <li>{@link #ipv4Raw()} / {@link #ipv6Raw()}: protocol {@code IPPROTO_RAW}, send only; the caller supplies the
 *       complete IP header (IP_HDRINCL is implied, raw(7)). The kernel routes on the destination address given
 *       to sendto; in an IPv4 header it always rewrites total length and header checksum, fills in a zero
 *       source address, and a zero ID only when DF is clear. It never fragments: a packet above the route MTU
 *       (or above 65535 bytes) fails with EMSGSIZE, an IHL longer than the packet with EINVAL.</li>
 *   <li>{@link #ipv4Protocol(int)} / {@link #ipv6Protocol(int)}: receives a copy of every incoming packet of that
 *       protocol (e.g. 4 = IP-in-IP, 47 = GRE). IPv4 sockets deliver the IPv4 header too; IPv6 sockets deliver
 *       only the payload after the IPv6 header (raw(7), ipv6(7)).</li>
 * </ul>
 *
 * <p>Threading: receive and send may run on different threads; {@link #sendIpv4} and {@link #sendIpv6} share one
 * preallocated socket-address buffer, so at most one thread sends through them at a time ({@link SendBatch}
 * has its own buffers). {@link #close} must not race with I/O.
 */
public final class RawSocket extends AbstractSocket {
    private final int family;
    private final int protocol;
    private final Arena arena = Arena.ofShared();
    /** sockaddr_in6-sized scratch for sendto (a sockaddr_in uses its first 16 bytes). */
    private final MemorySegment address = arena.allocate(Structs.SOCKADDR_IN6);

    private RawSocket(int family, int protocol, int fd, String description) {
        super(fd, description);
        this.family = family;
        this.protocol = protocol;
    }

    /** {@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)}: sends packets carrying our own IPv4 header. */
    public static RawSocket ipv4Raw() throws LinuxException {
        return open(Native.AF_INET, Native.IPPROTO_RAW);
    }

    /** {@code socket(AF_INET, SOCK_RAW, protocol)}: receives IPv4 packets of that protocol, IPv4 header included. */
    public static RawSocket ipv4Protocol(int protocol) throws LinuxException {
        return open(Native.AF_INET, checkProtocol(protocol));
    }

    /** {@code socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)}: sends packets carrying our own IPv6 header. */
    public static RawSocket ipv6Raw() throws LinuxException {
        return open(Native.AF_INET6, Native.IPPROTO_RAW);
    }

    /**
     * {@code socket(AF_INET6, SOCK_RAW, protocol)}: receives the payload (after the IPv6 header) of IPv6 packets
     * with that next header, e.g. 4 (IPv4 in IPv6), 41 (IPv6 in IPv6), 47 (GRE).
     */
    public static RawSocket ipv6Protocol(int protocol) throws LinuxException {
        return open(Native.AF_INET6, checkProtocol(protocol));
    }

    private static int checkProtocol(int protocol) {
        if (protocol < 1 || protocol > 255) {
            throw new IllegalArgumentException("IP protocol " + protocol + " (expected: 1..255)");
        }
        return protocol;
    }

    private static RawSocket open(int family, int protocol) throws LinuxException {
        String description = (family == Native.AF_INET ? "AF_INET" : "AF_INET6") + ", SOCK_RAW, "
                + (protocol == Native.IPPROTO_RAW ? "IPPROTO_RAW" : Integer.toString(protocol));
        return new RawSocket(family, protocol, socket(family, Native.SOCK_RAW, protocol, description), description);
    }

    /** AF_INET (2) or AF_INET6 (10). */
    public int family() {
        return family;
    }

    /** The socket's protocol; 255 for IPPROTO_RAW. */
    public int protocol() {
        return protocol;
    }

    /**
     * Sets the receive buffer: SO_RCVBUFFORCE (may exceed net.core.rmem_max, needs CAP_NET_ADMIN), falling back
     * to SO_RCVBUF (capped at rmem_max) when that is refused with EPERM. The kernel doubles the value for its
     * bookkeeping, see socket(7); {@link #receiveBufferBytes()} reports the doubled size.
     */
    public void receiveBufferBytes(int bytes) throws LinuxException {
        setBuffer(Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, "SO_RCVBUF", bytes);
    }

    /** The effective receive buffer size (SO_RCVBUF as read back from the kernel). */
    public int receiveBufferBytes() throws LinuxException {
        return getIntOption(Native.SO_RCVBUF, "SO_RCVBUF");
    }

    /** Sets the send buffer: SO_SNDBUFFORCE, falling back to SO_SNDBUF on EPERM (see receiveBufferBytes). */
    public void sendBufferBytes(int bytes) throws LinuxException {
        setBuffer(Native.SO_SNDBUFFORCE, Native.SO_SNDBUF, "SO_SNDBUF", bytes);
    }

    /** The effective send buffer size (SO_SNDBUF as read back from the kernel). */
    public int sendBufferBytes() throws LinuxException {
        return getIntOption(Native.SO_SNDBUF, "SO_SNDBUF");
    }

    /**
     * SO_BINDTODEVICE: receive only packets that arrived on {@code dev}, send only out of it (the route lookup is
     * limited to that device). An empty string removes the binding.
     */
    public void bindToDevice(String dev) throws LinuxException {
        byte[] name = dev.isEmpty() ? new byte[0] : Structs.interfaceName(dev);
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(Structs.IFNAMSIZ);
            MemorySegment.copy(name, 0, value, JAVA_BYTE, 0, name.length);
            if (Native.setsockopt(st, fd, Native.SOL_SOCKET, Native.SO_BINDTODEVICE, value, name.length + 1) != 0) {
                throw new LinuxException("setsockopt", "SO_BINDTODEVICE, " + dev, Native.errno(st));
            }
        }
    }

    /**
     * Receives one packet into {@code seg[offset, offset + maxLength)} (native memory); a longer packet is
     * truncated to maxLength.
     *
     * @return bytes read, or 0 when nothing is waiting (EAGAIN, non-blocking) or on EINTR
     * @throws LinuxException on any other error
     */
    public int receive(MemorySegment seg, long offset, int maxLength) throws LinuxException {
        int n = tryReceive(seg, offset, maxLength);
        if (n < 0) {
            throw new LinuxException("recvfrom", description, -n);
        }
        return n;
    }

    /** Like {@link #receive} but returns {@code -errno} instead of throwing. */
    public int tryReceive(MemorySegment seg, long offset, int maxLength) {
        long buf = Native.address(seg, offset, maxLength);
        MemorySegment st = Native.state();
        long n = Native.recvfrom(st, fd, buf, maxLength, 0, 0L, 0L);
        return Native.countOrNegativeErrno(st, n);
    }

    /**
     * Sends one IPv4 packet, header included, from {@code seg[offset, offset + length)} to {@code destination}
     * (the kernel routes on it; it should equal the header's destination).
     *
     * @param destination IPv4 address as an int, most significant byte first (10.0.0.1 = 0x0a000001)
     * @return bytes sent, or 0 when the socket buffer or device queue is full (EAGAIN, ENOBUFS) or on EINTR
     * @throws LinuxException e.g. {@code "sendto(10.0.3.10, 1520 bytes): EMSGSIZE (Message too long)"}
     */
    public int sendIpv4(MemorySegment seg, long offset, int length, int destination) throws LinuxException {
        int n = trySendIpv4(seg, offset, length, destination);
        if (n < 0) {
            throw new LinuxException("sendto", Structs.ipv4(destination) + ", " + length + " bytes", -n);
        }
        return n;
    }

    /** Like {@link #sendIpv4} but returns {@code -errno} instead of throwing. */
    public int trySendIpv4(MemorySegment seg, long offset, int length, int destination) {
        long buf = Native.address(seg, offset, length);
        MemorySegment a = address;
        a.set(JAVA_SHORT, Structs.SIN_FAMILY, (short) Native.AF_INET);
        a.set(JAVA_SHORT, Structs.SIN_PORT, (short) 0);
        a.set(Structs.BE_INT, Structs.SIN_ADDR, destination);
        a.set(JAVA_LONG, Structs.SIN_ZERO, 0L);
        return sendto(buf, length, (int) Structs.SOCKADDR_IN.byteSize());
    }

    /**
     * Sends one IPv6 packet, header included, to the address {@code destinationHi:destinationLo} (the 16 address
     * bytes as two big-endian longs).
     *
     * @return bytes sent, or 0 on EAGAIN/ENOBUFS/EINTR
     * @throws LinuxException on any other error
     */
    public int sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo)
            throws LinuxException {
        int n = trySendIpv6(seg, offset, length, destinationHi, destinationLo);
        if (n < 0) {
            throw new LinuxException("sendto", ipv6(destinationHi, destinationLo) + ", " + length + " bytes", -n);
        }
        return n;
    }

    /** Like {@link #sendIpv6} but returns {@code -errno} instead of throwing. */
    public int trySendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
        long buf = Native.address(seg, offset, length);
        MemorySegment a = address;
        a.set(JAVA_SHORT, Structs.SIN6_FAMILY, (short) Native.AF_INET6);
        a.set(JAVA_SHORT, Structs.SIN_PORT, (short) 0);
        a.set(JAVA_INT, Structs.SIN6_FLOWINFO, 0);
        a.set(Structs.BE_LONG, Structs.SIN6_ADDR, destinationHi);
        a.set(Structs.BE_LONG, Structs.SIN6_ADDR + 8, destinationLo);
        a.set(JAVA_INT, Structs.SIN6_SCOPE_ID, 0);
        return sendto(buf, length, (int) Structs.SOCKADDR_IN6.byteSize());
    }

    private int sendto(long buf, int length, int addressLength) {
        MemorySegment st = Native.state();
        long n = Native.sendto(st, fd, buf, length, 0, address.address(), addressLength);
        if (n >= 0) {
            return (int) n;
        }
        int errno = Native.errno(st);
        return errno == Errno.EAGAIN || errno == Errno.ENOBUFS || errno == Errno.EINTR ? 0 : -errno;
    }

    static String ipv6(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes is always a valid length
        }
    }

    /** Frees the sendto address buffer once the descriptor is closed. */
    @Override
    void closed() {
        arena.close();
    }
}
