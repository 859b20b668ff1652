package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.lb.MaglevTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelSpec;

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
    void shouldBuildEveryKindFromAConfigAndRequireTheTunnelSourceOfEachBackendFamily() throws Exception {
        String ok = """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = s
                  maglev-table-size = 251
                  ttl = 32
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11, state = draining }] }]
                }
                """;
        ForwardingSnapshot s = SnapshotFactory.fromConfig(ConfigLoader.parseGateway(ok, "ok.conf"), 7);
        assertEquals(7, s.generation());
        assertEquals(32, s.ttl());
        assertEquals(251, s.tableSize());
        for (int h = 0; h < 251; h++) {
            assertEquals(addr("10.0.3.10"), s.backendIpv4(s.backendFor(0, h)), "draining backend got a slot");
        }
        String mixed = """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2, ipv6 = "fd00:2::2" }
                  hash-seed = s
                  vips = [{ name = v6, address = "fd00:100::1", protocol = tcp, ports = [80]
                            backends = [{ address = "fd00:3::10" }, { address = 10.0.3.10 }] }
                          { name = g, address = 10.100.0.2, protocol = tcp, ports = [80], tunnel = gre, gre-key = 42
                            gre-checksum = true
                            backends = [{ address = 10.0.3.10 }, { address = "fd00:3::11" }
                                        { address = 10.0.3.12, tunnel = ipip }] }]
                }
                """;
        ForwardingSnapshot m = SnapshotFactory.fromConfig(ConfigLoader.parseGateway(mixed, "m.conf"), 1);
        java.util.Map<String, String> kinds = new java.util.TreeMap<>();
        for (int b = 0; b < m.backendCount(); b++) {
            TunnelSpec t = m.tunnel(b);
            kinds.put(m.vipName(m.backendVip(b)) + " " + m.backendIdentity(b),
                    t.kind().name() + " " + t.overheadBytes() + (t.greKey() ? " key " + t.keyUnsigned() : ""));
        }
        assertEquals(java.util.Map.of(
                "v6 fd00:3::10", "IP6TNL 40", "v6 10.0.3.10", "SIT 20",
                "g 10.0.3.10", "GRE 32 key 42", "g fd00:3::11", "IP6GRE 52 key 42", "g 10.0.3.12", "IPIP 20"), kinds);
        assertEquals(0, m.vipIndex6(Ipv6Addresses.parse("fd00:100::1")[0], Ipv6Addresses.parse("fd00:100::1")[1],
                TCP, 80));
        assertEquals("fd00:100::1", m.vipAddressText(0));
        String noSource6 = """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = s
                  vips = [{ name = v6, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [{ address = "fd00:3::10" }] }]
                }
                """;
        io.dsrgw.conf.GatewayConfig parsed;
        try {
            parsed = ConfigLoader.parseGateway(noSource6, "u.conf");
        } catch (io.dsrgw.conf.ConfigException e) {
            // conf already rejects it (first line of defence): fine, as long as it names the missing source
            assertTrue(e.getMessage().contains("ipv6"), e.getMessage());
            return;
        }
        SnapshotFactory.SnapshotException e = assertThrows(SnapshotFactory.SnapshotException.class,
                () -> SnapshotFactory.fromConfig(parsed, 1));
        assertEquals(List.of("dsrgw.gateway.tunnel-source.ipv6: missing (expected: an IPv6 address; vip v6 has "
                + "the IPv6 backend fd00:3::10)"), e.problems());
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
