package io.dsrgw.agent.userspace;

import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.Probe;
import io.dsrgw.linux.RawSocket;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;

import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.inner;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.ip;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.putInt;
import static io.dsrgw.agent.userspace.UserspaceDecapsulatorTest.checksum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real duty cycle on a real {@code IPPROTO_IPIP} raw socket, fed over loopback (root only). Addresses
 * are random 127/8 gateways and a random VIP, so IP-in-IP packets other tests may send to this host at the
 * same time can only ever land in drop_bad_source.
 */
class DecapLoopTest {
    @Test
    void shouldDecapsulatePacketsArrivingOnTheRawSocketAndStopWhenAsked() throws Exception {
        Probe raw = Capabilities.rawSockets();
        assumeTrue(raw.available(), "raw sockets unavailable: " + raw.cause());
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int gateway = ip(127, 77, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int stranger = ip(127, 78, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int vip = ip(10, 255, rnd.nextInt(256), 1 + rnd.nextInt(250));
        int localhost = ip(127, 0, 0, 1);

        UserspaceDecapsulatorTest.RecordingSink sink = new UserspaceDecapsulatorTest.RecordingSink();
        DecapCounters counters = new DecapCounters();
        try (RawSocket rx = RawSocket.ipv4Protocol(4); RawSocket tx = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
            rx.nonBlocking(true);
            DecapLoop loop = new DecapLoop(rx, new UserspaceDecapsulator(Ipv4AddressSet.of(gateway),
                    Ipv4AddressSet.of(vip), sink, counters), 4);
            Thread t = Thread.ofPlatform().name("decap-test").start(loop);

            byte[] good = tunnel(gateway, localhost, inner(vip));
            send(tx, arena, good, localhost, 3);
            send(tx, arena, tunnel(stranger, localhost, inner(vip)), localhost, 2);
            send(tx, arena, tunnel(gateway, localhost, inner(ip(10, 0, 0, 1))), localhost, 1);

            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && (counters.snapshot().get("decap_packets") < 3
                    || counters.snapshot().get("drop_not_vip") < 1)) {
                Thread.sleep(10);
            }
            loop.stop();
            t.join(2000);

            assertTrue(!t.isAlive(), "the loop must return within its poll timeout after stop()");
            assertNull(loop.failure());
            assertEquals(3L, counters.snapshot().get("decap_packets"));
            assertEquals(1L, counters.snapshot().get("drop_not_vip"));
            assertTrue(counters.snapshot().get("drop_bad_source") >= 2, counters.snapshot().toString());
            assertArrayEquals(inner(vip), sink.lastPacket());
        }
    }

    static byte[] tunnel(int src, int dst, byte[] inner) {
        byte[] p = UserspaceDecapsulatorTest.tunnel(src, inner);
        putInt(p, 16, dst);
        checksum(p, 0);
        return p;
    }

    static void send(RawSocket tx, Arena arena, byte[] packet, int dst, int times) throws Exception {
        MemorySegment seg = arena.allocate(packet.length);
        seg.copyFrom(MemorySegment.ofArray(packet));
        for (int i = 0; i < times; i++) {
            assertEquals(packet.length, tx.sendIpv4(seg, 0, packet.length, dst));
        }
    }
}
