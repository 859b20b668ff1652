package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** IPPROTO_RAW + sendmmsg to a DatagramChannel on 127.0.0.1; loopback only. */
class SendBatchTest {
    private static final int LOOPBACK = TestSupport.ipv4(127, 0, 0, 1);
    private static final int SLOT = 2048;

    private Arena arena;
    private MemorySegment packets;
    private DatagramChannel channel;
    private int port;
    private RawSocket socket;

    @BeforeEach
    void open() throws Exception {
        TestSupport.assumeRawSockets();
        arena = Arena.ofShared();
        packets = arena.allocate(SLOT * 16L);
        channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.socket().setSoTimeout(2000);
        port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        socket = RawSocket.ipv4Raw();
    }

    @AfterEach
    void close() throws Exception {
        if (socket != null) {
            socket.close();
        }
        if (channel != null) {
            channel.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    private int udp(int slot, String text) {
        return TestSupport.udpPacket(packets, (long) slot * SLOT, LOOPBACK, LOOPBACK, 40000 + slot, port,
                text.getBytes(StandardCharsets.US_ASCII));
    }

    private List<String> receive(int expected) throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            DatagramPacket p = new DatagramPacket(new byte[256], 256);
            channel.socket().receive(p);
            texts.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        }
        return texts;
    }

    private void assertNothingMoreArrives() throws Exception {
        channel.socket().setSoTimeout(200);
        DatagramPacket p = new DatagramPacket(new byte[256], 256);
        try {
            channel.socket().receive(p);
            fail("unexpected datagram: " + new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException expected) {
            // nothing else was sent
        }
    }

    @Test
    void shouldSendABatchOfHandBuiltUdpPacketsWithOneFlush() throws Exception {
        try (SendBatch batch = new SendBatch(8)) {
            for (int i = 0; i < 5; i++) {
                assertTrue(batch.addIpv4(packets, (long) i * SLOT, udp(i, "packet " + i), LOOPBACK));
            }
            assertEquals(5, batch.size());
            assertEquals(5, batch.flush(socket));
            assertEquals(0, batch.size());
            assertEquals(0, batch.errors());
            assertEquals(5, batch.sent());
            assertEquals(List.of("packet 0", "packet 1", "packet 2", "packet 3", "packet 4"), receive(5));
            assertNothingMoreArrives();
        }
    }

    @Test
    void shouldRefuseAPacketWhenFull() throws Exception {
        try (SendBatch batch = new SendBatch(2)) {
            int length = udp(0, "x");
            assertTrue(batch.addIpv4(packets, 0, length, LOOPBACK));
            assertTrue(batch.addIpv4(packets, 0, length, LOOPBACK));
            assertFalse(batch.addIpv4(packets, 0, length, LOOPBACK));
            batch.clear();
            assertEquals(0, batch.flush(socket));
            assertEquals(0, batch.errors());
        }
        assertThrows(IllegalArgumentException.class, () -> new SendBatch(0));
        assertThrows(IllegalArgumentException.class, () -> new SendBatch(1025));
    }

    /**
     * A packet above 65535 bytes fails with EMSGSIZE (raw_sendmsg), one whose IHL claims more header than the
     * packet holds fails with EINVAL (raw_send_hdrinc); each is counted and skipped, and the four good ones
     * around them still arrive, in order.
     */
    @Test
    void shouldCountPerPacketErrorsAndStillSendTheRest() throws Exception {
        MemorySegment big = arena.allocate(70_000);
        int bigLength = TestSupport.udpPacket(big, 0, LOOPBACK, LOOPBACK, 40100, port, new byte[69_000]);
        int badIhl = udp(5, "bad ihl");
        packets.set(JAVA_BYTE, 5L * SLOT, (byte) 0x4f); // IHL 15 = 60 bytes > 35-byte packet
        try (SendBatch batch = new SendBatch(8)) {
            batch.addIpv4(packets, 0, udp(0, "ok 0"), LOOPBACK);
            batch.addIpv4(packets, SLOT, udp(1, "ok 1"), LOOPBACK);
            batch.addIpv4(big, 0, bigLength, LOOPBACK);
            batch.addIpv4(packets, 2L * SLOT, udp(2, "ok 2"), LOOPBACK);
            batch.addIpv4(packets, 5L * SLOT, badIhl, LOOPBACK);
            batch.addIpv4(packets, 3L * SLOT, udp(3, "ok 3"), LOOPBACK);
            assertEquals(4, batch.flush(socket));
            assertEquals(2, batch.errors());
            assertEquals(1, batch.errors(Errno.EMSGSIZE));
            assertEquals(1, batch.errors(Errno.EINVAL));
            assertEquals(Errno.EINVAL, batch.lastErrno());
            assertEquals(List.of("ok 0", "ok 1", "ok 2", "ok 3"), receive(4));
            assertNothingMoreArrives();
        }
    }

    @Test
    void shouldCountEveryPacketAsAnErrorOnAClosedSocket() throws Exception {
        try (SendBatch batch = new SendBatch(4)) {
            socket.close();
            batch.addIpv4(packets, 0, udp(0, "a"), LOOPBACK);
            batch.addIpv4(packets, SLOT, udp(1, "b"), LOOPBACK);
            assertEquals(0, batch.flush(socket));
            assertEquals(2, batch.errors(Errno.EBADF));
            assertEquals(Errno.EBADF, batch.lastErrno());
        }
    }

    @Test
    void shouldThrowANamedErrorFromSingleSendIpv4() throws Exception {
        int length = udp(0, "single");
        assertEquals(length, socket.sendIpv4(packets, 0, length, LOOPBACK));
        assertEquals(List.of("single"), receive(1));
        MemorySegment big = arena.allocate(70_000);
        LinuxException e = assertThrows(LinuxException.class, () -> socket.sendIpv4(big, 0, 70_000, LOOPBACK));
        assertEquals("sendto(127.0.0.1, 70000 bytes): EMSGSIZE (Message too long)", e.getMessage());
        assertEquals(-Errno.EMSGSIZE, socket.trySendIpv4(big, 0, 70_000, LOOPBACK));
    }

    /**
     * sendmmsg with preallocated arrays must not allocate per flush once compiled: rounds of 20,000 flushes of 4
     * packets until one allocates at most 256 bytes in total (see {@link HotPathAllocationTest}).
     */
    @Test
    void shouldNotAllocatePerFlush() throws Exception {
        int length = udp(0, "alloc");
        try (SendBatch batch = new SendBatch(4)) {
            HotPathAllocationTest.assertNoAllocation("SendBatch.addIpv4 x4 + flush", () -> {
                fill(batch, length);
                return batch.flush(socket);
            });
            assertEquals(0, batch.errors(), () -> "errors: " + Errno.format(batch.lastErrno()));
        }
    }

    private void fill(SendBatch batch, int length) {
        for (int p = 0; p < 4; p++) {
            batch.addIpv4(packets, 0, length, LOOPBACK);
        }
    }
}
