package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Link-layer sends (root or CAP_NET_RAW): the kernel accepts the sockaddr_ll {@link SendBatch#addLinkLayer} writes,
 * and refuses an unknown interface per packet. That the frames reach their next hop intact is shown end to end by
 * DsrEndToEndIT and TunnelMatrixIT (every encapsulated packet arrives at the backends).
 */
class PacketSocketTest {
    private static final int LOOPBACK = TestSupport.ipv4(127, 0, 0, 1);

    @Test
    void framesQueuedWithInterfaceEtherTypeAndMacAreSentWithoutAllocating() throws Exception {
        TestSupport.assumeRawSockets();
        try (Arena arena = Arena.ofConfined();
             PacketSocket socket = PacketSocket.datagram();
             SendBatch batch = new SendBatch(4)) {
            socket.bypassQdisc();
            MemorySegment buf = arena.allocate(2048);
            int length = TestSupport.udpPacket(buf, 0, LOOPBACK, LOOPBACK, 40000, 9, new byte[16]);
            int lo = Interfaces.index("lo");
            batch.addLinkLayer(buf, 0, length, lo, 0x0800, 0L);
            assertEquals(1, batch.flush(socket), "sent; errno " + Errno.name(batch.lastErrno()));
            assertEquals(0, batch.errors());
            HotPathAllocationTest.assertNoAllocation("SendBatch.addLinkLayer x4 + flush(PacketSocket)", () -> {
                for (int i = 0; i < 4; i++) {
                    batch.addLinkLayer(buf, 0, length, lo, 0x0800, 0L);
                }
                return batch.flush(socket);
            });
            assertEquals(0, batch.errors(), "errno " + Errno.name(batch.lastErrno()));
        }
    }

    @Test
    void aFrameForAnInterfaceThatDoesNotExistIsCountedAsAnError() throws Exception {
        TestSupport.assumeRawSockets();
        try (Arena arena = Arena.ofConfined();
             PacketSocket socket = PacketSocket.datagram();
             SendBatch batch = new SendBatch(4)) {
            MemorySegment buf = arena.allocate(128);
            int length = TestSupport.udpPacket(buf, 0, LOOPBACK, LOOPBACK, 40000, 9, new byte[4]);
            batch.addLinkLayer(buf, 0, length, 999_999, 0x0800, 0x020000000001L);
            assertEquals(0, batch.flush(socket));
            assertEquals(1, batch.errors());
            assertEquals(Errno.ENXIO, batch.lastErrno(), Errno.name(batch.lastErrno()));
        }
    }
}
