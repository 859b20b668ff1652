package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Egress into a TUN the test creates (nothing leaves the machine, no namespace needed): a token-bucket qdisc at
 * 8 kbit/s holds the packets, and while a packet waits in a qdisc it still counts against the sending socket's
 * SO_SNDBUF, so a non-blocking raw socket with a small send buffer runs into EAGAIN within a few packets.
 */
class SendBatchBackpressureTest {
    private static final int PACKETS = 32;
    private static final int SLOT = 1024;

    /**
     * A TUN of a fresh name (non-blocking; deleted with its addresses when closed) with the point-to-point
     * addresses 169.254.R.1 (local) and 169.254.R.2 (peer), R random so that concurrent runs do not collide; not up.
     */
    private record PointToPoint(TunDevice tun, String name, int local, int peer) implements AutoCloseable {
        static PointToPoint open() throws Exception {
            String name = TestSupport.uniqueName();
            int r = ThreadLocalRandom.current().nextInt(100, 160);
            TunDevice tun = TunDevice.open(name, false, true);
            try {
                TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
                TestSupport.ip("addr", "add", "169.254." + r + ".1", "peer", "169.254." + r + ".2/32", "dev", name);
            } catch (Exception | AssertionError e) {
                tun.close();
                throw e;
            }
            return new PointToPoint(tun, name, TestSupport.ipv4(169, 254, r, 1), TestSupport.ipv4(169, 254, r, 2));
        }

        @Override
        public void close() {
            tun.close();
        }
    }

    @Test
    void shouldRetryEagainABoundedNumberOfTimesThenCountTheRestAsErrors() throws Exception {
        TestSupport.assumeTun();
        String name;
        try (Arena arena = Arena.ofConfined();
             PointToPoint link = PointToPoint.open();
             RawSocket socket = RawSocket.ipv4Raw();
             SendBatch batch = new SendBatch(PACKETS)) {
            name = link.name();
            int local = link.local();
            int peer = link.peer();
            Interfaces.setUp(name, true);
            TestSupport.tc("qdisc", "replace", "dev", name, "root", "tbf", "rate", "8kbit", "burst", "1600",
                    "limit", "1000000");
            socket.nonBlocking(true);
            socket.sendBufferBytes(4096);

            MemorySegment packets = arena.allocate((long) SLOT * PACKETS);
            for (int i = 0; i < PACKETS; i++) {
                int length = TestSupport.udpPacket(packets, (long) i * SLOT, local, peer, 40000, 9, new byte[900]);
                assertTrue(batch.addIpv4(packets, (long) i * SLOT, length, peer));
            }
            int sent = batch.flush(socket);
            assertTrue(sent >= 1 && sent < PACKETS, "sent " + sent + " of " + PACKETS + " into an 8 kbit/s queue");
            assertEquals(PACKETS - sent, batch.errors());
            assertEquals(PACKETS - sent, batch.errors(Errno.EAGAIN));
            assertEquals(Errno.EAGAIN, batch.lastErrno());
            assertEquals(0, batch.size());
        }
        assertEquals(0, Interfaces.index(name));
    }

    /** The brief's alternative to a 64 KiB packet: a route MTU below the packet size gives EMSGSIZE. */
    @Test
    void shouldCountEmsgsizeAboveTheRouteMtuAndSendTheRest() throws Exception {
        TestSupport.assumeTun();
        try (Arena arena = Arena.ofConfined();
             PointToPoint link = PointToPoint.open();
             RawSocket socket = RawSocket.ipv4Raw();
             SendBatch batch = new SendBatch(4)) {
            String name = link.name();
            int local = link.local();
            int peer = link.peer();
            TunDevice tun = link.tun();
            Interfaces.setMtu(name, 1280);
            Interfaces.setUp(name, true);
            socket.bindToDevice(name);

            MemorySegment packets = arena.allocate(3 * 2048L);
            int small = TestSupport.udpPacket(packets, 0, local, peer, 40000, 9, new byte[100]);
            int big = TestSupport.udpPacket(packets, 2048, local, peer, 40000, 9, new byte[1300]);
            int exact = TestSupport.udpPacket(packets, 4096, local, peer, 40000, 9, new byte[1280 - 28]);
            batch.addIpv4(packets, 0, small, peer);
            batch.addIpv4(packets, 2048, big, peer);
            batch.addIpv4(packets, 4096, exact, peer);
            assertEquals(2, batch.flush(socket),
                    () -> batch.errors() + " errors, last " + Errno.format(batch.lastErrno()));
            assertEquals(1, batch.errors(Errno.EMSGSIZE));
            assertEquals(1, batch.errors());
            // the two that fit arrive in the TUN queue, in order (skipping anything else the kernel sends)
            MemorySegment in = arena.allocate(2048);
            assertEquals(small, readUdpToPort9(tun, in));
            assertEquals(exact, readUdpToPort9(tun, in));
            assertEquals(1280, exact);
        }
    }

    private static int readUdpToPort9(TunDevice tun, MemorySegment buf) throws LinuxException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            Poll.pollIn(new int[] {tun.fd()}, 200);
            int n = tun.read(buf, 0, (int) buf.byteSize());
            if (n > 0 && buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 9) == 17
                    && TestSupport.getShort(buf, 22) == 9) {
                return n;
            }
        }
        return -1;
    }
}
