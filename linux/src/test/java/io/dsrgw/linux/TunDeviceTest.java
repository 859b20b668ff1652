package io.dsrgw.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Creates uniquely named TUN devices ("dsrt" + 5 hex digits) and always removes them by closing every queue. */
class TunDeviceTest {
    @BeforeEach
    void requireTun() {
        TestSupport.assumeTun();
    }

    @Test
    void shouldCreateAMultiQueueTunAndRemoveItWhenTheLastQueueCloses() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            TunDevice q1 = TunDevice.open(name, true, true);
            try (TunDevice q2 = TunDevice.open(name, true, true)) {
                assertEquals(name, q1.name());
                assertEquals(name, q2.name());
                assertNotEquals(q1.fd(), q2.fd());
                assertTrue(Interfaces.index(name) > 0, "index of " + name);
                assertEquals(0, q1.read(buf, 0, 2048), "empty queue 1");
                assertEquals(0, q2.read(buf, 0, 2048), "empty queue 2");
                assertEquals(0, q2.tryRead(buf, 0, 2048));
            } finally {
                q1.close();
            }
            assertEquals(0, Interfaces.index(name), name + " still exists after closing both queues");
        }
    }

    @Test
    @SuppressWarnings("try")
    void shouldRefuseASingleQueueOpenOfAMultiQueueTunWithErrnoAndName() throws Exception {
        String name = TestSupport.uniqueName();
        try (TunDevice q1 = TunDevice.open(name, true, true)) {
            LinuxException e = assertThrows(LinuxException.class, () -> TunDevice.open(name, false, true));
            assertEquals("ioctl(TUNSETIFF, " + name + "): EINVAL (Invalid argument)", e.getMessage());
            assertEquals("ioctl", e.operation());
        }
        assertEquals(0, Interfaces.index(name));
    }

    @Test
    void shouldExpandANameTemplate() throws Exception {
        try (TunDevice tun = TunDevice.open("dsrt%d", false, true)) {
            assertTrue(tun.name().matches("dsrt[0-9]+"), tun.name());
            assertTrue(Interfaces.exists(tun.name()));
        }
    }

    @Test
    void shouldRejectAHeapSegmentAndAnOutOfBoundsRange() throws Exception {
        try (TunDevice tun = TunDevice.open(TestSupport.uniqueName(), false, true);
             Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> tun.read(MemorySegment.ofArray(new byte[64]), 0, 64));
            MemorySegment small = arena.allocate(64);
            assertThrows(IndexOutOfBoundsException.class, () -> tun.read(small, 32, 64));
        }
    }

    @Test
    @SuppressWarnings("try")
    void shouldConfigureMtuAndLinkStateWithoutIp() throws Exception {
        String name = TestSupport.uniqueName();
        try (TunDevice tun = TunDevice.open(name, true, true)) {
            Interfaces.setMtu(name, 1480);
            assertEquals(1480, Interfaces.mtu(name));
            TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
            Interfaces.setUp(name, true);
            assertTrue(Interfaces.isUp(name));
            Interfaces.setUp(name, false);
            assertTrue(!Interfaces.isUp(name));
            LinuxException e = assertThrows(LinuxException.class, () -> Interfaces.setMtu(name, 10));
            assertEquals("ioctl(SIOCSIFMTU, " + name + " 10): EINVAL (Invalid argument)", e.getMessage());
        }
    }

    /**
     * Kernel round trip kept on the TUN: the TUN gets 169.254.R.1 with peer 169.254.R.2 (/32 each). A UDP packet
     * written into a queue from the peer reaches a DatagramChannel bound to the local address; the channel's reply
     * to the peer is routed into the TUN and read back from one of the two queues.
     */
    @Test
    void shouldDeliverAWrittenPacketToALocalSocketAndReadTheReplyFromAQueue() throws Exception {
        String name = TestSupport.uniqueName();
        int r = ThreadLocalRandom.current().nextInt(100, 160);   // stays clear of 169.254.169.254
        int local = TestSupport.ipv4(169, 254, r, 1);
        int peer = TestSupport.ipv4(169, 254, r, 2);
        String localText = "169.254." + r + ".1";
        String peerText = "169.254." + r + ".2";
        try (Arena arena = Arena.ofConfined();
             TunDevice q1 = TunDevice.open(name, true, true);
             TunDevice q2 = TunDevice.open(name, true, true)) {
            TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
            TestSupport.ip("addr", "add", localText, "peer", peerText + "/32", "dev", name);
            Interfaces.setUp(name, true);
            try (DatagramChannel channel = DatagramChannel.open()) {
                channel.bind(new InetSocketAddress(InetAddress.getByName(localText), 0));
                int port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
                long rx0 = TestSupport.sysfsCounter(name, "rx_packets");
                long tx0 = TestSupport.sysfsCounter(name, "tx_packets");

                MemorySegment buf = arena.allocate(2048);
                byte[] ping = ("ping " + name).getBytes(StandardCharsets.US_ASCII);
                int length = TestSupport.udpPacket(buf, 0, peer, local, 40000, port, ping);
                assertEquals(length, q1.write(buf, 0, length));

                DatagramPacket received = new DatagramPacket(new byte[256], 256);
                channel.socket().setSoTimeout(2000);
                channel.socket().receive(received);
                assertEquals(new String(ping, StandardCharsets.US_ASCII),
                        new String(received.getData(), 0, received.getLength(), StandardCharsets.US_ASCII));
                assertEquals(new InetSocketAddress(InetAddress.getByName(peerText), 40000),
                        received.getSocketAddress());
                assertEquals(rx0 + 1, TestSupport.sysfsCounter(name, "rx_packets"));

                byte[] pong = ("pong " + name).getBytes(StandardCharsets.US_ASCII);
                channel.send(ByteBuffer.wrap(pong), new InetSocketAddress(InetAddress.getByName(peerText), 40000));
                int replyLength = readUdpReply(q1, q2, buf, peer, 40000);
                assertTrue(replyLength > 0, "no reply read from either queue of " + name);
                assertEquals(local, TestSupport.getInt(buf, 12), "reply source");
                assertEquals(peer, TestSupport.getInt(buf, 16), "reply destination");
                byte[] data = new byte[replyLength - 28];
                MemorySegment.copy(buf, JAVA_BYTE, 28, data, 0, data.length);
                assertArrayEquals(pong, data);
                assertTrue(TestSupport.sysfsCounter(name, "tx_packets") > tx0);
            }
        }
        assertEquals(0, Interfaces.index(name), name + " still exists");
    }

    /** Polls both queues for up to 2 s and returns the length of the first IPv4/UDP packet to peer:port. */
    private static int readUdpReply(TunDevice q1, TunDevice q2, MemorySegment buf, int peer, int port)
            throws LinuxException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        int[] fds = {q1.fd(), q2.fd()};
        while (System.nanoTime() < deadline) {
            int ready = Poll.pollIn(fds, 200);
            for (int i = 0; i < 2; i++) {
                if ((ready & (1 << i)) == 0) {
                    continue;
                }
                TunDevice q = i == 0 ? q1 : q2;
                int n;
                while ((n = q.read(buf, 0, (int) buf.byteSize())) > 0) {
                    boolean ipv4Udp = (buf.get(JAVA_BYTE, 0) & 0xf0) == 0x40 && buf.get(JAVA_BYTE, 9) == 17;
                    if (ipv4Udp && TestSupport.getInt(buf, 16) == peer && TestSupport.getShort(buf, 22) == port) {
                        return n;
                    }
                }
            }
        }
        fail("no UDP packet to the peer within 2 s");
        return -1;
    }

    @Test
    void shouldRefuseWritesWhileDownAndPacketsWithoutAnIpVersion() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofConfined(); TunDevice tun = TunDevice.open(name, false, true)) {
            MemorySegment buf = arena.allocate(64);
            buf.set(JAVA_BYTE, 0, (byte) 0x45);
            LinuxException e = assertThrows(LinuxException.class, () -> tun.write(buf, 0, 40));
            assertEquals("write(" + name + "): EIO (Input/output error)", e.getMessage());
            TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
            Interfaces.setUp(name, true);
            buf.set(JAVA_BYTE, 0, (byte) 0x05);
            assertEquals(-Errno.EINVAL, tun.tryWrite(buf, 0, 40));
            assertEquals(-Errno.EINVAL, tun.tryWrite(buf, 0, 0));
        }
    }

    @Test
    void shouldCutAPacketLongerThanTheReadLength() throws Exception {
        String name = TestSupport.uniqueName();
        int r = ThreadLocalRandom.current().nextInt(100, 160);
        try (Arena arena = Arena.ofConfined(); TunDevice tun = TunDevice.open(name, false, true);
             DatagramChannel channel = DatagramChannel.open()) {
            TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
            TestSupport.ip("addr", "add", "169.254." + r + ".1", "peer", "169.254." + r + ".2/32", "dev", name);
            Interfaces.setUp(name, true);
            channel.send(ByteBuffer.allocate(1000), new InetSocketAddress("169.254." + r + ".2", 9));
            MemorySegment buf = arena.allocate(2048);
            long deadline = System.nanoTime() + 2_000_000_000L;
            int n = 0;
            while (System.nanoTime() < deadline) {
                Poll.pollIn(new int[] {tun.fd()}, 200);
                n = tun.read(buf, 0, 100);
                if (n > 0 && buf.get(JAVA_BYTE, 9) == 17 && TestSupport.getShort(buf, 22) == 9) {
                    break; // our datagram; anything else the kernel sent is skipped
                }
                n = 0;
            }
            assertEquals(100, n, "1028-byte packet read into 100 bytes");
            assertEquals(0x45, buf.get(JAVA_BYTE, 0) & 0xff);
            assertEquals(1028, TestSupport.getShort(buf, 2), "total length of the cut packet");
            // the remaining 928 bytes are gone: the next read is empty or a whole new IP packet
            n = tun.read(buf, 0, 2048);
            assertTrue(n == 0 || (buf.get(JAVA_BYTE, 0) & 0xf0) == 0x40 || (buf.get(JAVA_BYTE, 0) & 0xf0) == 0x60);
        }
    }

    @Test
    void shouldThrowWithTheDeviceNameWhenReadingAClosedQueue() throws Exception {
        String name = TestSupport.uniqueName();
        TunDevice tun = TunDevice.open(name, false, true);
        tun.close();
        tun.close(); // idempotent
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            LinuxException e = assertThrows(LinuxException.class, () -> tun.read(buf, 0, 64));
            assertEquals("read(" + name + "): EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    @Test
    void shouldReturnMinusErrnoFromTryWriteInsteadOfThrowing() throws IOException {
        String name = TestSupport.uniqueName();
        TunDevice tun = TunDevice.open(name, false, true);
        tun.close();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-Errno.EBADF, tun.tryWrite(arena.allocate(64), 0, 64));
        }
    }
}
