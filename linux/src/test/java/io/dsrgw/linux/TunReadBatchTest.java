package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A single-queue TUN with 169.254.R.1, peer 169.254.R.2: datagrams a local socket sends to the peer are routed into
 * the TUN, where the batch reads them. The device goes away when its queue closes.
 */
class TunReadBatchTest {
    private static final int HEADROOM = 40;

    @BeforeEach
    void requireTun() {
        TestSupport.assumeTun();
    }

    /** The UDP payloads to peer port 9 found in the batch's packets, in the order read. */
    private static List<String> payloads(TunReadBatch batch, MemorySegment[] slots, int count) {
        List<String> found = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            MemorySegment p = slots[batch.slot(k)].asSlice(HEADROOM);
            int length = batch.length(k);
            if ((p.get(JAVA_BYTE, 0) & 0xf0) != 0x40 || p.get(JAVA_BYTE, 9) != 17
                    || TestSupport.getShort(p, 22) != 9) {
                continue; // something else the kernel sent: not ours
            }
            assertEquals(TestSupport.getShort(p, 2), length, "read length = IPv4 total length");
            byte[] data = new byte[length - 28];
            MemorySegment.copy(p, JAVA_BYTE, 28, data, 0, data.length);
            found.add(new String(data, StandardCharsets.US_ASCII));
        }
        return found;
    }

    private static MemorySegment[] slots(Arena arena, int n) {
        MemorySegment[] slots = new MemorySegment[n];
        for (int i = 0; i < n; i++) {
            slots[i] = arena.allocate(HEADROOM + 2048, 64);
        }
        return slots;
    }

    private static String up(String name) throws Exception {
        int r = ThreadLocalRandom.current().nextInt(100, 160);
        TestSupport.ip("link", "set", "dev", name, "addrgenmode", "none");
        TestSupport.ip("addr", "add", "169.254." + r + ".1", "peer", "169.254." + r + ".2/32", "dev", name);
        Interfaces.setUp(name, true);
        return "169.254." + r + ".2";
    }

    @Test
    void shouldReadEveryQueuedPacketInOrderWithOneCallAndThenNothing() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofShared(); TunDevice tun = TunDevice.open(name, true, true);
             DatagramChannel channel = DatagramChannel.open()) {
            String peer = up(name);
            MemorySegment[] slots = slots(arena, 8);
            try (TunReadBatch batch = TunReadBatch.open(tun, slots, HEADROOM, 2048)) {
                assertEquals(8, batch.capacity());
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String payload = "packet " + i + " " + "x".repeat(i * 7);
                    sent.add(payload);
                    channel.send(ByteBuffer.wrap(payload.getBytes(StandardCharsets.US_ASCII)),
                            new InetSocketAddress(peer, 9));
                }
                Poll.pollIn(new int[] {tun.fd()}, 2000);
                // First 3 of them (the wanted count caps the reads), then the rest, then an empty queue.
                List<String> got = new ArrayList<>();
                int n = batch.read(3);
                assertEquals(3, n);
                got.addAll(payloads(batch, slots, n));
                n = batch.read(8);
                assertTrue(n >= 2, n + " packets in the second read");
                got.addAll(payloads(batch, slots, n));
                assertEquals(sent, got);
                assertEquals(0, batch.read(8), "read from an empty queue");
                assertEquals(0, batch.count());
                assertThrows(IndexOutOfBoundsException.class, () -> batch.slot(0));
            }
        }
    }

    @Test
    void shouldCutAPacketLongerThanTheReadLength() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofShared(); TunDevice tun = TunDevice.open(name, false, true);
             DatagramChannel channel = DatagramChannel.open()) {
            String peer = up(name);
            MemorySegment[] slots = slots(arena, 4);
            try (TunReadBatch batch = TunReadBatch.open(tun, slots, HEADROOM, 100)) {
                channel.send(ByteBuffer.allocate(1000), new InetSocketAddress(peer, 9));
                Poll.pollIn(new int[] {tun.fd()}, 2000);
                int n = batch.read(4);
                boolean found = false;
                for (int k = 0; k < n; k++) {
                    MemorySegment p = slots[batch.slot(k)].asSlice(HEADROOM);
                    if (p.get(JAVA_BYTE, 9) == 17 && TestSupport.getShort(p, 22) == 9) {
                        assertEquals(100, batch.length(k));
                        assertEquals(1028, TestSupport.getShort(p, 2), "total length of the cut packet");
                        found = true;
                    }
                }
                assertTrue(found, "the 1028-byte datagram among " + n + " packets");
            }
        }
    }

    @Test
    void shouldReturnMinusErrnoOnceTheQueueIsClosed() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofShared()) {
            TunDevice tun = TunDevice.open(name, false, true);
            MemorySegment[] slots = slots(arena, 4);
            try (TunReadBatch batch = TunReadBatch.open(tun, slots, HEADROOM, 2048)) {
                assertEquals(0, batch.read(4));
                tun.close();
                assertEquals(-Errno.EBADF, batch.read(4));
            }
        }
    }

    @Test
    void shouldRefuseBadArguments() throws Exception {
        String name = TestSupport.uniqueName();
        try (Arena arena = Arena.ofShared(); TunDevice tun = TunDevice.open(name, false, true)) {
            assertEquals("batch capacity 0 (expected: 1..1024)", assertThrows(IllegalArgumentException.class,
                    () -> TunReadBatch.open(tun, new MemorySegment[0], 0, 64)).getMessage());
            MemorySegment[] heap = {MemorySegment.ofArray(new byte[64])};
            assertThrows(IllegalArgumentException.class, () -> TunReadBatch.open(tun, heap, 0, 64));
            MemorySegment[] small = {arena.allocate(64)};
            assertThrows(IndexOutOfBoundsException.class, () -> TunReadBatch.open(tun, small, 32, 64));
        }
    }
}
