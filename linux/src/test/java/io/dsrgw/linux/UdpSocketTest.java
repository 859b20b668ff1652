package io.dsrgw.linux;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bound UDP receive sockets (the agent's GUE input): payload and sender per slot, per family, port conflicts. */
class UdpSocketTest {
    private static final int LOOPBACK = TestSupport.ipv4(127, 0, 0, 1);

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void shouldReceiveDatagramsWithTheirIpv4SenderInOneBatch() throws Exception {
        int port = freePort();
        try (UdpSocket socket = UdpSocket.bindAny(4, port);
             ReceiveBatch batch = new ReceiveBatch(8, 2048);
             DatagramSocket sender = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            socket.nonBlocking(true);
            socket.receiveBufferBytes(1 << 20);
            assertEquals(0, batch.receive(socket), "nothing sent yet");
            for (String text : new String[] {"first", "second!"}) {
                byte[] b = text.getBytes(StandardCharsets.US_ASCII);
                sender.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", port)));
            }
            int n = receiveAtLeast(batch, socket, 2);
            assertEquals(2, n);
            assertEquals("first", text(batch, 0));
            assertEquals("second!", text(batch, 1));
            assertEquals(LOOPBACK, batch.sourceIpv4(1));
            assertEquals(sender.getLocalPort(), batch.sourcePort(0));
            assertEquals(4, socket.family());
            assertEquals(port, socket.port());
        }
    }

    @Test
    void shouldReceiveOnlyIpv6OnAnIpv6SocketNextToAnIpv4OneOnTheSamePort() throws Exception {
        assumeTrue(ipv6Loopback(), "no IPv6 loopback (::1) in this environment");
        int port = freePort();
        try (UdpSocket v4 = UdpSocket.bindAny(4, port);
             UdpSocket v6 = UdpSocket.bindAny(6, port);
             ReceiveBatch batch = new ReceiveBatch(4, 2048);
             DatagramSocket sender = new DatagramSocket()) {
            v4.nonBlocking(true);
            v6.nonBlocking(true);
            byte[] six = "over ipv6".getBytes(StandardCharsets.US_ASCII);
            byte[] four = "over ipv4".getBytes(StandardCharsets.US_ASCII);
            sender.send(new DatagramPacket(six, six.length, new InetSocketAddress("::1", port)));
            sender.send(new DatagramPacket(four, four.length, new InetSocketAddress("127.0.0.1", port)));
            assertEquals(1, receiveAtLeast(batch, v6, 1));
            assertEquals("over ipv6", text(batch, 0));
            assertEquals(0L, batch.sourceIpv6Hi(0));
            assertEquals(1L, batch.sourceIpv6Lo(0));
            assertEquals(0, batch.receive(v6), "V6ONLY: the IPv4 datagram is not the IPv6 socket's");
            assertEquals(1, receiveAtLeast(batch, v4, 1));
            assertEquals("over ipv4", text(batch, 0));
        }
    }

    @Test
    void shouldNameTheAddressAndErrnoWhenThePortIsTaken() throws Exception {
        int port = freePort();
        try (UdpSocket first = UdpSocket.bindAny(4, port)) {
            LinuxException e = assertThrows(LinuxException.class, () -> UdpSocket.bindAny(4, port));
            assertEquals("bind(0.0.0.0:" + port + "): EADDRINUSE (Address already in use)", e.getMessage());
        }
    }

    @Test
    void shouldRejectAPortOutsideTheUdpRange() {
        assertThrows(IllegalArgumentException.class, () -> UdpSocket.bindAny(4, 0));
        assertThrows(IllegalArgumentException.class, () -> UdpSocket.bindAny(5, 80));
    }

    private static boolean ipv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("::1", 0))) {
            return s.getLocalPort() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static int receiveAtLeast(ReceiveBatch batch, UdpSocket socket, int wanted) throws Exception {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            // loopback delivers within sendto: everything sent is queued, one recvmmsg takes it all
            int n = batch.receive(socket);
            if (n > 0) {
                assertTrue(n >= wanted, "received " + n + " of " + wanted + " in one call");
                return n;
            }
            Thread.sleep(5);
        }
        return 0;
    }

    private static String text(ReceiveBatch batch, int i) {
        MemorySegment slot = batch.packet(i);
        byte[] b = new byte[batch.length(i)];
        MemorySegment.copy(slot, JAVA_BYTE, 0, b, 0, b.length);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
