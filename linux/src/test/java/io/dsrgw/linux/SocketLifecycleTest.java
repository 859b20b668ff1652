package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramSocket;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every socket class shares (set-up, O_NONBLOCK, receive buffer, idempotent close, the "op(arg): ERRNO"
 * messages), checked on each of them: {@link UdpSocket} needs no privilege, {@link RawSocket} and
 * {@link PacketSocket} need CAP_NET_RAW and are skipped without it.
 */
class SocketLifecycleTest {
    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean nonBlockingFlag(int fd) {
        int flags = Native.fcntl(Native.state(), fd, Native.F_GETFL, 0);
        assertTrue(flags >= 0, "fcntl(F_GETFL): " + Errno.name(Native.errno(Native.state())));
        return (flags & Native.O_NONBLOCK) != 0;
    }

    private static int socketOption(int fd, int option) {
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment length = a.allocateFrom(JAVA_INT, 4);
            assertEquals(0, Native.getsockopt(st, fd, Native.SOL_SOCKET, option, value, length),
                    () -> "getsockopt: " + Errno.name(Native.errno(st)));
            return value.get(JAVA_INT, 0);
        }
    }

    /**
     * For a socket closed once: fd -1, a second close is a no-op (no second close(2) of a number another thread may
     * own by now), toString shows fd -1, and a call on it fails with EBADF naming the socket.
     */
    private static void assertClosed(AbstractSocket socket, String description) {
        assertEquals(-1, socket.fd());
        socket.close();
        assertEquals(-1, socket.fd());
        assertEquals(socket.getClass().getSimpleName() + "[" + description + ", fd -1]", socket.toString());
        LinuxException e = assertThrows(LinuxException.class, () -> socket.nonBlocking(true));
        assertEquals("fcntl(F_GETFL, " + description + "): " + Errno.format(Errno.EBADF), e.getMessage());
    }

    @Test
    void aUdpSocketSwitchesNonBlockingBothWaysAndNamesItsAddressInToString() throws Exception {
        int port = freePort();
        try (UdpSocket socket = UdpSocket.bindAny(4, port)) {
            int fd = socket.fd();
            assertTrue(fd >= 0, "fd " + fd);
            assertEquals("UdpSocket[UDP 0.0.0.0:" + port + ", fd " + fd + "]", socket.toString());
            assertEquals(false, nonBlockingFlag(fd), "blocking after bindAny");
            socket.nonBlocking(true);
            assertEquals(true, nonBlockingFlag(fd));
            socket.nonBlocking(false);
            assertEquals(false, nonBlockingFlag(fd));
        }
    }

    @Test
    void aUdpSocketsReceiveBufferIsSetAndRefusesANonPositiveSize() throws Exception {
        try (UdpSocket socket = UdpSocket.bindAny(4, freePort())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> socket.receiveBufferBytes(0));
            assertEquals("SO_RCVBUF 0 (expected: > 0)", e.getMessage());
            int before = socketOption(socket.fd(), Native.SO_RCVBUF);
            int wanted = 3 * 4096 + before; // differs from the default; the kernel stores it doubled (socket(7))
            socket.receiveBufferBytes(wanted);
            int after = socketOption(socket.fd(), Native.SO_RCVBUF);
            assertNotEquals(before, after, "SO_RCVBUF unchanged");
            // With CAP_NET_ADMIN SO_RCVBUFFORCE takes the value as given; without, SO_RCVBUF caps it at rmem_max.
            assertTrue(after == 2 * wanted || !Capabilities.root().available(), "SO_RCVBUF " + after);
        }
    }

    @Test
    void aClosedUdpSocketReportsFdMinusOneClosesOnceAndNamesItselfInErrors() throws Exception {
        int port = freePort();
        UdpSocket socket = UdpSocket.bindAny(4, port);
        socket.close();
        assertClosed(socket, "UDP 0.0.0.0:" + port);
        LinuxException e = assertThrows(LinuxException.class, () -> socket.receiveBufferBytes(65536));
        assertEquals("setsockopt(SO_RCVBUFFORCE, 65536): " + Errno.format(Errno.EBADF), e.getMessage());
        // The port is free again: a new socket binds it.
        try (UdpSocket again = UdpSocket.bindAny(4, port)) {
            assertTrue(again.fd() >= 0);
        }
    }

    @Test
    void aRawSocketReadsBackItsBuffersAndClosesIdempotently() throws Exception {
        TestSupport.assumeRawSockets();
        RawSocket socket = RawSocket.ipv4Protocol(47);
        try {
            int fd = socket.fd();
            assertEquals("RawSocket[AF_INET, SOCK_RAW, 47, fd " + fd + "]", socket.toString());
            socket.nonBlocking(true);
            assertEquals(true, nonBlockingFlag(fd));
            socket.receiveBufferBytes(1 << 20);
            assertEquals(socketOption(fd, Native.SO_RCVBUF), socket.receiveBufferBytes());
            socket.sendBufferBytes(1 << 20);
            assertEquals(socketOption(fd, Native.SO_SNDBUF), socket.sendBufferBytes());
            assertEquals("SO_SNDBUF -1 (expected: > 0)",
                    assertThrows(IllegalArgumentException.class, () -> socket.sendBufferBytes(-1)).getMessage());
        } finally {
            socket.close();
        }
        assertClosed(socket, "AF_INET, SOCK_RAW, 47");
        LinuxException e = assertThrows(LinuxException.class, socket::receiveBufferBytes);
        assertEquals("getsockopt(SO_RCVBUF): " + Errno.format(Errno.EBADF), e.getMessage());
        e = assertThrows(LinuxException.class, () -> socket.sendBufferBytes(4096));
        assertEquals("setsockopt(SO_SNDBUFFORCE, 4096): " + Errno.format(Errno.EBADF), e.getMessage());
    }

    @Test
    void aRawIpv6SocketDescribesItselfByFamilyAndIpprotoRaw() throws Exception {
        TestSupport.assumeRawSockets();
        try (RawSocket socket = RawSocket.ipv6Raw()) {
            assertEquals("RawSocket[AF_INET6, SOCK_RAW, IPPROTO_RAW, fd " + socket.fd() + "]", socket.toString());
            assertEquals(Native.AF_INET6, socket.family());
            assertEquals(Native.IPPROTO_RAW, socket.protocol());
        }
    }

    @Test
    void aPacketSocketSwitchesNonBlockingAndClosesIdempotently() throws Exception {
        TestSupport.assumeRawSockets();
        PacketSocket socket = PacketSocket.datagram();
        int fd = socket.fd();
        try {
            assertEquals("PacketSocket[AF_PACKET, SOCK_DGRAM, 0, fd " + fd + "]", socket.toString());
            socket.nonBlocking(true);
            assertEquals(true, nonBlockingFlag(fd));
            socket.nonBlocking(false);
            assertEquals(false, nonBlockingFlag(fd));
        } finally {
            socket.close();
        }
        assertClosed(socket, "AF_PACKET, SOCK_DGRAM, 0");
        LinuxException e = assertThrows(LinuxException.class, socket::bypassQdisc);
        assertEquals("setsockopt(PACKET_QDISC_BYPASS, 1): " + Errno.format(Errno.EBADF), e.getMessage());
    }
}
