package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A UDP socket ({@code SOCK_DGRAM}) bound to a port on every address of one family, for receiving only: the
 * backend agent's GUE decapsulation in userspace reads the UDP payload (the inner packet of variant-1 GUE) with
 * {@link ReceiveBatch#receive(UdpSocket)}, the sender's address in each slot's name.
 *
 * <p>Why a bound UDP socket rather than a raw UDP socket: the kernel delivers only datagrams to this port (a raw
 * socket sees a copy of every UDP packet to the host), verifies their UDP checksum first (IPv6 requires one; an
 * IPv4 zero checksum means "none"), and answers nothing with port-unreachable, since the port is in use.
 * An IPv6 socket is {@code IPV6_V6ONLY}, so that an IPv4 socket on the same port can coexist and each family's
 * sources arrive in their own address format.
 *
 * <p>Threading: {@link #close} must not race with I/O.
 */
public final class UdpSocket extends AbstractSocket {
    /** IPPROTO_IPV6 (socket option level). */
    static final int IPPROTO_IPV6 = 41;
    /** IPV6_V6ONLY, from linux/in6.h. */
    static final int IPV6_V6ONLY = 26;

    private final int family;
    private final int port;

    private UdpSocket(int family, int port, int fd, String description) {
        super(fd, description);
        this.family = family;
        this.port = port;
    }

    /**
     * {@code socket(AF_INET or AF_INET6, SOCK_DGRAM)} bound to {@code 0.0.0.0:port} / {@code [::]:port}.
     *
     * @param family 4 or 6
     * @param port   1..65535
     * @throws LinuxException e.g. {@code "bind([::]:6080): EADDRINUSE (Address already in use)"}
     */
    public static UdpSocket bindAny(int family, int port) throws LinuxException {
        if (family != 4 && family != 6) {
            throw new IllegalArgumentException("family " + family + " (expected: 4 or 6)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 1..65535)");
        }
        String address = (family == 4 ? "0.0.0.0:" : "[::]:") + port;
        int domain = family == 4 ? Native.AF_INET : Native.AF_INET6;
        int fd = socket(domain, Native.SOCK_DGRAM, 0, (family == 4 ? "AF_INET" : "AF_INET6") + ", SOCK_DGRAM");
        if (family == 6) {
            setIntOptionOrClose(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY, " + address);
        }
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Structs.SOCKADDR_IN6); // zeroed: the any address
            int length;
            if (family == 4) {
                sa.set(JAVA_SHORT, Structs.SIN_FAMILY, (short) Native.AF_INET);
                sa.set(Structs.BE_SHORT, Structs.SIN_PORT, (short) port);
                length = (int) Structs.SOCKADDR_IN.byteSize();
            } else {
                sa.set(JAVA_SHORT, Structs.SIN6_FAMILY, (short) Native.AF_INET6);
                sa.set(Structs.BE_SHORT, Structs.SIN_PORT, (short) port);
                length = (int) Structs.SOCKADDR_IN6.byteSize();
            }
            if (Native.bind(st, fd, sa, length) != 0) {
                int errno = Native.errno(st);
                Native.closeQuietly(fd);
                throw new LinuxException("bind", address, errno);
            }
        }
        return new UdpSocket(family, port, fd, "UDP " + address);
    }

    /** 4 or 6. */
    public int family() {
        return family;
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /**
     * Sets the receive buffer: SO_RCVBUFFORCE (may exceed net.core.rmem_max, needs CAP_NET_ADMIN), falling back
     * to SO_RCVBUF (capped at rmem_max) when that is refused with EPERM, like {@link RawSocket#receiveBufferBytes}.
     */
    public void receiveBufferBytes(int bytes) throws LinuxException {
        setBuffer(Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, "SO_RCVBUF", bytes);
    }
}
