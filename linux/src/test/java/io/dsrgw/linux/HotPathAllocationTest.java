package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The per-packet calls must not allocate once compiled by C2. (Interpreted and C1-compiled, a downcall through a
 * method handle allocates ~50 bytes; that lasts the first ~50,000 calls.) Each call is run in rounds of 20,000
 * while the thread's allocation counter is watched, until one round allocates at most 256 bytes in total (no
 * object per call: the smallest object is 16 bytes); 100 rounds without such a round fail (a machine busy with
 * other work can delay C2 past 20 rounds: seen once in CI at 400,000 calls; a real allocation fails every round).
 * Not a benchmark: no timing is asserted.
 */
class HotPathAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int ROUNDS = 100;
    private static final int CALLS_PER_ROUND = 20_000;

    interface Call {
        int run() throws Exception;
    }

    static void assertNoAllocation(String what, Call call) throws Exception {
        StringBuilder rounds = new StringBuilder();
        for (int round = 0; round < ROUNDS; round++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS_PER_ROUND; i++) {
                call.run();
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (allocated <= 256) {
                System.out.println(what + ": " + allocated + " bytes in " + CALLS_PER_ROUND + " calls (round "
                        + round + ")");
                return;
            }
            rounds.append(' ').append(allocated);
        }
        fail(what + " allocated in every round of " + CALLS_PER_ROUND + " calls, bytes:" + rounds);
    }

    @Test
    void shouldNotAllocateReadingAnEmptyTunQueue() throws Exception {
        TestSupport.assumeTun();
        try (Arena arena = Arena.ofConfined(); TunDevice tun = TunDevice.open(TestSupport.uniqueName(), true, true)) {
            MemorySegment buf = arena.allocate(2048);
            assertEquals(0, tun.tryRead(buf, 64, 1500));
            assertNoAllocation("TunDevice.tryRead", () -> tun.tryRead(buf, 64, 1500));
        }
    }

    @Test
    void shouldNotAllocateReadingAnEmptyTunQueueThroughIoUring() throws Exception {
        TestSupport.assumeTun();
        try (Arena arena = Arena.ofShared(); TunDevice tun = TunDevice.open(TestSupport.uniqueName(), true, true)) {
            MemorySegment[] slots = {arena.allocate(2048), arena.allocate(2048), arena.allocate(2048)};
            try (TunReadBatch batch = TunReadBatch.open(tun, slots, 64, 1500)) {
                assertEquals(0, batch.read(3));
                assertNoAllocation("TunReadBatch.read", () -> batch.read(3));
            }
        }
    }

    @Test
    void shouldNotAllocateSendingOrReceivingOnRawSockets() throws Exception {
        TestSupport.assumeRawSockets();
        int loopback = TestSupport.ipv4(127, 0, 0, 1);
        try (Arena arena = Arena.ofConfined();
             DatagramChannel sink = DatagramChannel.open();
             RawSocket sender = RawSocket.ipv4Raw();
             RawSocket receiver = RawSocket.ipv4Protocol(253);
             ReceiveBatch batch = new ReceiveBatch(16, 2048)) {
            sink.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) sink.getLocalAddress()).getPort();
            MemorySegment buf = arena.allocate(2048);
            int length = TestSupport.udpPacket(buf, 0, loopback, loopback, 40000, port, new byte[16]);
            assertNoAllocation("RawSocket.trySendIpv4", () -> sender.trySendIpv4(buf, 0, length, loopback));

            receiver.nonBlocking(true);
            MemorySegment in = arena.allocate(2048);
            assertNoAllocation("RawSocket.tryReceive", () -> receiver.tryReceive(in, 0, 2048));
            assertNoAllocation("ReceiveBatch.tryReceive", () -> batch.tryReceive(receiver));
            int[] fds = {receiver.fd()};
            assertNoAllocation("Poll.pollIn", () -> Poll.pollIn(fds, 0));
        }
    }
}
