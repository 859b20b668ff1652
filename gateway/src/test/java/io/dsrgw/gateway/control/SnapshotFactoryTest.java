package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control plane's config -> snapshot step (moved here from ForwardingSnapshotTest with the factory). */
class SnapshotFactoryTest {
    private static final int TCP = IpProtocol.TCP;

    private static int addr(String a) {
        return Ipv4Addresses.parse(a);
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
}
