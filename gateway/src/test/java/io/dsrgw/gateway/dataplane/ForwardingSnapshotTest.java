package io.dsrgw.gateway.dataplane;

import io.dsrgw.gateway.lb.MaglevTable;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardingSnapshotTest {
    private static ForwardingSnapshot.Builder builder() {
        return ForwardingSnapshot.builder("seed", 251, addr("10.0.2.2"), 64, 1500);
    }

    private static List<ForwardingSnapshot.Ipv4Backend> backends(String... addresses) {
        return java.util.Arrays.stream(addresses)
                .map(a -> new ForwardingSnapshot.Ipv4Backend(addr(a), 100, true)).toList();
    }

    @Test
    void shouldClassifyByAddressProtocolAndPort() {
        ForwardingSnapshot s = builder()
                .addVip("web", addr("10.100.0.1"), TCP, new int[] {443, 80}, backends("10.0.3.1"))
                .addVip("dns", addr("10.100.0.1"), UDP, new int[] {53}, backends("10.0.3.2"))
                .build();
        assertEquals(0, s.vipIndex(addr("10.100.0.1"), TCP, 80));
        assertEquals(0, s.vipIndex(addr("10.100.0.1"), TCP, 443));
        assertEquals(1, s.vipIndex(addr("10.100.0.1"), UDP, 53));
        assertEquals(ForwardingSnapshot.NONE, s.vipIndex(addr("10.100.0.1"), UDP, 80));
        assertEquals(ForwardingSnapshot.NONE, s.vipIndex(addr("10.100.0.1"), TCP, 53));
        assertEquals(ForwardingSnapshot.NONE, s.vipIndex(addr("10.100.0.2"), TCP, 80));
        assertTrue(s.isVipAddress(addr("10.100.0.1")));
        assertFalse(s.isVipAddress(addr("10.100.0.2")));
        assertEquals(List.of(80, 443), java.util.Arrays.stream(s.vipPorts(0)).boxed().toList());
    }

    @Test
    void shouldNotTakeAPacketToPortZeroForTheFragmentEntryOfItsVip() {
        // (address, protocol, 0) is the key of the fragment entry: a TCP segment to port 0 was forwarded (fuzzing)
        ForwardingSnapshot s = builder()
                .addVip("web", addr("10.100.0.1"), TCP, new int[] {80}, backends("10.0.3.1"))
                .addVip("web6", java.net.InetAddress.ofLiteral("fd00:100::1"), TCP, new int[] {80}, null, false,
                        List.of(new ForwardingSnapshot.Backend(java.net.InetAddress.ofLiteral("10.0.3.2"), 100, true,
                                io.dsrgw.encap.tunnel.TunnelKind.SIT)))
                .build();
        assertEquals(0, s.fragmentVipIndex(addr("10.100.0.1"), TCP));
        assertEquals(ForwardingSnapshot.NONE, s.vipIndex(addr("10.100.0.1"), TCP, 0));
        long[] vip6 = io.dsrgw.encap.ip.Ipv6Addresses.parse("fd00:100::1");
        assertEquals(1, s.fragmentVipIndex6(vip6[0], vip6[1], TCP));
        assertEquals(ForwardingSnapshot.NONE, s.vipIndex6(vip6[0], vip6[1], TCP, 0));
        assertEquals(1, s.vipIndex6(vip6[0], vip6[1], TCP, 80));
    }

    @Test
    void shouldGiveFragmentsToTheLowestPortVipWhateverTheConfigOrder() {
        ForwardingSnapshot a = builder()
                .addVip("high", addr("10.100.0.1"), TCP, new int[] {8080}, backends("10.0.3.1"))
                .addVip("low", addr("10.100.0.1"), TCP, new int[] {22, 9000}, backends("10.0.3.2"))
                .build();
        ForwardingSnapshot b = builder()
                .addVip("low", addr("10.100.0.1"), TCP, new int[] {9000, 22}, backends("10.0.3.2"))
                .addVip("high", addr("10.100.0.1"), TCP, new int[] {8080}, backends("10.0.3.1"))
                .build();
        assertEquals("low", a.vipName(a.fragmentVipIndex(addr("10.100.0.1"), TCP)));
        assertEquals("low", b.vipName(b.fragmentVipIndex(addr("10.100.0.1"), TCP)));
        assertEquals(ForwardingSnapshot.NONE, a.fragmentVipIndex(addr("10.100.0.1"), UDP));
    }

    @Test
    void shouldMapMaglevSlotsToGlobalBackendIndices() {
        ForwardingSnapshot s = builder()
                .addVip("a", addr("10.100.0.1"), TCP, new int[] {80}, backends("10.0.3.1", "10.0.3.2"))
                .addVip("b", addr("10.100.0.2"), TCP, new int[] {80}, backends("10.0.4.1"))
                .build();
        assertEquals(3, s.backendCount());
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            long h = random.nextLong();
            int b = s.backendFor(1, h);
            assertEquals(addr("10.0.4.1"), s.backendIpv4(b));
            int a = s.backendFor(0, h);
            assertEquals(0, s.backendVip(a));
            MaglevTable t = s.maglev(0);
            assertEquals(t.backends().get(t.slot(ForwardingSnapshot.slotOf(h, 251))).identity(),
                    s.backendIdentity(a));
        }
        assertEquals(addr("10.0.4.1"), s.backendIpv4(s.backendFor(1, -1L)));
    }

    @Test
    void shouldReduceHashesUniformlyOntoTheWholeTable() {
        assertEquals(0, ForwardingSnapshot.slotOf(0, 65537));
        assertEquals(65536, ForwardingSnapshot.slotOf(-1L, 65537));
        assertEquals(32768, ForwardingSnapshot.slotOf(0x8000_0000_0000_0000L, 65537));
        int[] counts = new int[251];
        java.util.SplittableRandom random = new java.util.SplittableRandom(2);
        for (int i = 0; i < 251 * 400; i++) {
            counts[ForwardingSnapshot.slotOf(random.nextLong(), 251)]++;
        }
        for (int c : counts) {
            assertTrue(c > 300 && c < 500, "slot count " + c + " (expected: about 400)");
        }
    }

    @Test
    void shouldRejectTheSameServiceInTwoVips() {
        ForwardingSnapshot.Builder b = builder()
                .addVip("a", addr("10.100.0.1"), TCP, new int[] {80}, backends("10.0.3.1"))
                .addVip("b", addr("10.100.0.1"), TCP, new int[] {443, 80}, backends("10.0.3.2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals("vip b: 10.100.0.1 tcp port 80 is already vip a (expected: each address/protocol/port in one "
                + "vip)", e.getMessage());
    }

    @Test
    void shouldMapKeysWithoutCollisionsLosingEntries() {
        LongIntHashMap map = new LongIntHashMap(1000);
        for (int i = 0; i < 1000; i++) {
            assertEquals(LongIntHashMap.MISSING, map.put(ForwardingSnapshot.key(addr("10.100.0.1") + i, TCP, i), i));
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, map.get(ForwardingSnapshot.key(addr("10.100.0.1") + i, TCP, i)));
            assertEquals(LongIntHashMap.MISSING, map.get(ForwardingSnapshot.key(addr("10.100.0.1") + i, UDP, i)));
        }
        assertEquals(1000, map.size());
        assertEquals(5, map.put(ForwardingSnapshot.key(addr("10.100.0.1") + 5, TCP, 5), 42));
        assertEquals(42, map.get(ForwardingSnapshot.key(addr("10.100.0.1") + 5, TCP, 5)));
    }
}
