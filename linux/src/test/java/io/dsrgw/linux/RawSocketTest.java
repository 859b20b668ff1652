package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Protocol receive sockets, with protocol 253 (RFC 3692 experimentation) sent to loopback through IPPROTO_RAW,
 * so the test sees only its own packets (each carries a random marker as well).
 */
class RawSocketTest {
    private static final int LOOPBACK = TestSupport.ipv4(127, 0, 0, 1);
    private static final int EXPERIMENTAL = 253;

    @BeforeEach
    void requireRawSockets() {
        TestSupport.assumeRawSockets();
    }

    @Test
    void shouldReceiveAProtocolPacketIncludingItsIpv4Header() throws Exception {
        try (Arena arena = Arena.ofConfined();
             RawSocket sender = RawSocket.ipv4Raw();
             RawSocket receiver = RawSocket.ipv4Protocol(EXPERIMENTAL)) {
            receiver.bindToDevice("lo");
            receiver.receiveBufferBytes(1 << 20);
            assertTrue(receiver.receiveBufferBytes() >= 1 << 20, "SO_RCVBUF " + receiver.receiveBufferBytes());
            receiver.nonBlocking(true);
            MemorySegment in = arena.allocate(2048);
            drain(receiver, in);
            assertEquals(0, receiver.receive(in, 0, 2048), "empty non-blocking socket");

            MemorySegment out = arena.allocate(2048);
            byte[] payload = marker("header");
            int length = TestSupport.ipv4Packet(out, 0, EXPERIMENTAL, LOOPBACK, LOOPBACK, payload);
            assertEquals(length, sender.sendIpv4(out, 0, length, LOOPBACK));

            int n = receiveMatching(receiver, in, payload);
            assertEquals(length, n);
            assertEquals(0x45, in.get(JAVA_BYTE, 0) & 0xff);
            assertEquals(EXPERIMENTAL, in.get(JAVA_BYTE, 9) & 0xff);
            assertEquals(LOOPBACK, TestSupport.getInt(in, 12));
        }
    }

    @Test
    void shouldReceiveSeveralPacketsWithOneRecvmmsg() throws Exception {
        try (Arena arena = Arena.ofConfined();
             RawSocket sender = RawSocket.ipv4Raw();
             RawSocket receiver = RawSocket.ipv4Protocol(EXPERIMENTAL);
             ReceiveBatch batch = new ReceiveBatch(8, 64);
             SendBatch send = new SendBatch(8)) {
            receiver.nonBlocking(true);
            receiver.bindToDevice("lo");
            while (batch.receive(receiver) > 0) {
                // drain leftovers from other tests
            }
            assertEquals(0, batch.receive(receiver));
            MemorySegment out = arena.allocate(8 * 256);
            byte[][] payloads = new byte[4][];
            for (int i = 0; i < 3; i++) {
                payloads[i] = marker("batch " + i);
                int len = TestSupport.ipv4Packet(out, i * 256L, EXPERIMENTAL, LOOPBACK, LOOPBACK, payloads[i]);
                send.addIpv4(out, i * 256L, len, LOOPBACK);
            }
            payloads[3] = new byte[100]; // 120-byte packet into a 64-byte slot: truncated
            ThreadLocalRandom.current().nextBytes(payloads[3]);
            int bigLength = TestSupport.ipv4Packet(out, 3 * 256L, EXPERIMENTAL, LOOPBACK, LOOPBACK, payloads[3]);
            send.addIpv4(out, 3 * 256L, bigLength, LOOPBACK);
            assertEquals(4, send.flush(sender));

            int got = 0;
            long deadline = System.nanoTime() + 2_000_000_000L;
            byte[][] received = new byte[4][];
            boolean[] truncated = new boolean[4];
            while (got < 4 && System.nanoTime() < deadline) {
                if (Poll.pollIn(new int[] {receiver.fd()}, 200) == 0) {
                    continue;
                }
                int n = batch.receive(receiver);
                for (int i = 0; i < n && got < 4; i++, got++) {
                    received[got] = new byte[batch.length(i)];
                    MemorySegment.copy(batch.buffer(), JAVA_BYTE, batch.offset(i), received[got], 0,
                            received[got].length);
                    truncated[got] = batch.truncated(i);
                    assertEquals(Native.AF_INET, batch.sourceFamily(i));
                    assertEquals(LOOPBACK, batch.sourceIpv4(i));
                    assertEquals(batch.packet(i).address(), batch.buffer().address() + batch.offset(i));
                }
            }
            assertEquals(4, got, "packets received");
            for (int i = 0; i < 3; i++) {
                byte[] payload = new byte[received[i].length - 20];
                System.arraycopy(received[i], 20, payload, 0, payload.length);
                assertArrayEquals(payloads[i], payload, "packet " + i);
                assertFalse(truncated[i]);
            }
            assertEquals(64, received[3].length);
            assertTrue(truncated[3], "120-byte packet in a 64-byte slot is flagged truncated");
        }
    }

    @Test
    void shouldTimeOutAPollOnAQuietSocketAndReportItReadyOnceAPacketArrives() throws Exception {
        try (Arena arena = Arena.ofConfined();
             RawSocket sender = RawSocket.ipv4Raw();
             RawSocket receiver = RawSocket.ipv4Protocol(EXPERIMENTAL)) {
            receiver.nonBlocking(true);
            MemorySegment buf = arena.allocate(2048);
            drain(receiver, buf);
            int[] fds = {-1, receiver.fd()};
            long start = System.nanoTime();
            assertEquals(0, Poll.pollIn(fds, 100));
            assertTrue(System.nanoTime() - start >= 90_000_000L, "returned before the timeout");
            int length = TestSupport.ipv4Packet(buf, 0, EXPERIMENTAL, LOOPBACK, LOOPBACK, marker("poll"));
            sender.sendIpv4(buf, 0, length, LOOPBACK);
            assertEquals(0b10, Poll.pollIn(fds, 2000));
        }
        assertThrows(IllegalArgumentException.class, () -> Poll.pollIn(new int[0], 0));
        assertThrows(IllegalArgumentException.class, () -> Poll.pollIn(new int[33], 0));
    }

    @Test
    void shouldNameTheDeviceWhenBindingToAMissingOne() throws Exception {
        try (RawSocket receiver = RawSocket.ipv4Protocol(EXPERIMENTAL)) {
            LinuxException e = assertThrows(LinuxException.class, () -> receiver.bindToDevice("nosuchdev0"));
            assertEquals("setsockopt(SO_BINDTODEVICE, nosuchdev0): ENODEV (No such device)", e.getMessage());
            receiver.bindToDevice(""); // removing a binding always works
        }
        assertThrows(IllegalArgumentException.class, () -> RawSocket.ipv4Protocol(256));
    }

    /** IPv6: own header through AF_INET6/IPPROTO_RAW to ::1; an AF_INET6 protocol socket gets the payload only. */
    @Test
    void shouldSendOwnIpv6HeaderAndReceiveThePayload() throws Exception {
        java.nio.file.Path disabled = java.nio.file.Path.of("/proc/sys/net/ipv6/conf/lo/disable_ipv6");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(disabled)
                && Sysctl.read("net.ipv6.conf.lo.disable_ipv6").equals("0"), "IPv6 is disabled on lo");
        try (Arena arena = Arena.ofConfined();
             RawSocket sender = RawSocket.ipv6Raw();
             RawSocket receiver = RawSocket.ipv6Protocol(EXPERIMENTAL)) {
            receiver.nonBlocking(true);
            MemorySegment in = arena.allocate(2048);
            drain(receiver, in);
            MemorySegment out = arena.allocate(2048);
            byte[] payload = marker("ipv6");
            // IPv6 header (RFC 8200 §3): version 6, payload length, next header, hop limit 64, src = dst = ::1
            out.set(JAVA_BYTE, 0, (byte) 0x60);
            TestSupport.putShort(out, 4, payload.length);
            out.set(JAVA_BYTE, 6, (byte) EXPERIMENTAL);
            out.set(JAVA_BYTE, 7, (byte) 64);
            out.set(JAVA_BYTE, 23, (byte) 1);
            out.set(JAVA_BYTE, 39, (byte) 1);
            MemorySegment.copy(payload, 0, out, JAVA_BYTE, 40, payload.length);
            assertEquals(40 + payload.length, sender.sendIpv6(out, 0, 40 + payload.length, 0L, 1L));
            int n = receiveMatching(receiver, in, payload);
            assertEquals(payload.length, n);
        }
    }

    private static byte[] marker(String text) {
        return (text + " " + Long.toHexString(ThreadLocalRandom.current().nextLong()))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void drain(RawSocket socket, MemorySegment buf) throws LinuxException {
        while (socket.receive(buf, 0, (int) buf.byteSize()) > 0) {
            // discard packets other tests left behind
        }
    }

    /** Receives until a packet ending with {@code payload} arrives (2 s); returns its length. */
    private static int receiveMatching(RawSocket socket, MemorySegment buf, byte[] payload) throws LinuxException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Poll.pollIn(new int[] {socket.fd()}, 200) == 0) {
                continue;
            }
            int n = socket.receive(buf, 0, (int) buf.byteSize());
            if (n >= payload.length) {
                byte[] tail = new byte[payload.length];
                MemorySegment.copy(buf, JAVA_BYTE, n - payload.length, tail, 0, tail.length);
                if (java.util.Arrays.equals(tail, payload)) {
                    return n;
                }
            }
        }
        fail("packet with the expected payload not received within 2 s");
        return -1;
    }
}
