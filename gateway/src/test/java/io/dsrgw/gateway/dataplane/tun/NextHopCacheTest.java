package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.linux.NextHopLookup;
import io.dsrgw.linux.NextHopLookup.NextHop;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NextHopCacheTest {
    private static final byte[] ROUTER = {10, 0, 2, 1};

    private static byte[] v4(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    private static byte[] v6(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    private static NextHop usable(byte[] destination, int ifindex, long mac) {
        return new NextHop(destination, ifindex, ROUTER, false, NextHopLookup.NUD_REACHABLE, mac, null);
    }

    private static NextHop unusable(byte[] destination) {
        return new NextHop(destination, 2, ROUTER, false, NextHopLookup.NUD_STALE, 0, "neighbour STALE");
    }

    @Test
    void everyUsableDestinationFindsItsInterfaceAndMacAndOthersAreUnknown() {
        List<NextHop> hops = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            hops.add(usable(v4(0x0a000300 + i), 2 + i % 3, 0x020000000000L + i));
        }
        NextHopCache c = new NextHopCache(hops, 0);
        for (int i = 0; i < 300; i++) {
            int e = c.lookup4(0x0a000300 + i);
            assertTrue(e >= 0, "entry for host " + i);
            assertEquals(2 + i % 3, c.ifindex(e));
            assertEquals(0x020000000000L + i, c.mac(e));
        }
        assertEquals(NextHopCache.UNKNOWN, c.lookup4(0x0a000200));
        assertEquals(NextHopCache.UNKNOWN, c.lookup6(1, 2));
    }

    @Test
    void aDestinationWithoutAUsableNextHopIsUnusableNotUnknown() {
        NextHopCache c = new NextHopCache(List.of(unusable(v4(0x0a00030b)), usable(v4(0x0a00030c), 2, 7)), 0);
        assertEquals(NextHopCache.UNUSABLE, c.lookup4(0x0a00030b));
        assertEquals(7, c.mac(c.lookup4(0x0a00030c)));
    }

    @Test
    void ipv6DestinationsAreKeyedByAll16Bytes() {
        long hi = 0xfd00000300000000L;
        NextHopCache c = new NextHopCache(List.of(usable(v6(hi, 0x11), 4, 9), unusable(v6(hi, 0x12))), 0);
        assertEquals(4, c.ifindex(c.lookup6(hi, 0x11)));
        assertEquals(NextHopCache.UNUSABLE, c.lookup6(hi, 0x12));
        assertEquals(NextHopCache.UNKNOWN, c.lookup6(hi + 1, 0x11));
        assertEquals(NextHopCache.UNKNOWN, c.lookup4(0x11));
    }

    @Test
    void aCacheIsFreshForTwoSecondsAndTheEmptyOneNever() {
        NextHopCache c = new NextHopCache(List.of(), 1_000);
        assertTrue(c.fresh(1_000 + NextHopCache.MAX_AGE_NS));
        assertFalse(c.fresh(1_001 + NextHopCache.MAX_AGE_NS));
        assertFalse(NextHopCache.EMPTY.fresh(0));
        assertFalse(NextHopCache.EMPTY.fresh(System.nanoTime()));
    }

    @Test
    void theMtuOfEachUsableEntrysInterfaceIsKeptForL2DsrAndUnknownReadsZero() {
        NextHopCache c = new NextHopCache(List.of(usable(v4(0x0a00030b), 3, 1), usable(v4(0x0a00030c), 4, 2),
                unusable(v4(0x0a00030d))), 0, ifindex -> ifindex == 3 ? 1500 : ifindex == 4 ? 9000 : 0);
        assertEquals(1500, c.mtu(c.lookup4(0x0a00030b)));
        assertEquals(9000, c.mtu(c.lookup4(0x0a00030c)));
        assertEquals(NextHopCache.UNUSABLE, c.lookup4(0x0a00030d));
        assertEquals(0, new NextHopCache(List.of(usable(v4(1), 3, 1)), 0).mtu(0), "no MTU source: 0 (no limit)");
    }

    @Test
    void theResolverAsksAboutL2BackendsAloneUnlessTunnelsUseTheLinkLayerEgressToo() throws Exception {
        java.util.List<io.dsrgw.gateway.dataplane.ForwardingSnapshot.Backend> backends = List.of(
                new io.dsrgw.gateway.dataplane.ForwardingSnapshot.Backend(java.net.InetAddress.getByName("10.0.3.11"),
                        1, io.dsrgw.conf.BackendState.ACTIVE, io.dsrgw.encap.tunnel.TunnelKind.NONE),
                new io.dsrgw.gateway.dataplane.ForwardingSnapshot.Backend(java.net.InetAddress.getByName("10.0.4.12"),
                        1, io.dsrgw.conf.BackendState.ACTIVE, io.dsrgw.encap.tunnel.TunnelKind.IPIP));
        io.dsrgw.gateway.dataplane.ForwardingSnapshot s = io.dsrgw.gateway.dataplane.ForwardingSnapshot
                .builder("seed", 251, 0x0a000202, 64, 1500)
                .addVip("web", java.net.InetAddress.getByName("10.100.0.1"), 6, new int[] {80}, null, false, backends)
                .build();
        assertEquals(java.util.Set.of(java.nio.ByteBuffer.wrap(v4(0x0a00030b))),
                NextHopResolver.linkLayerDestinations(s));
        assertEquals(java.util.Set.of(java.nio.ByteBuffer.wrap(v4(0x0a00030b)), java.nio.ByteBuffer.wrap(
                v4(0x0a00040c))), NextHopResolver.destinations(s));
    }
}
