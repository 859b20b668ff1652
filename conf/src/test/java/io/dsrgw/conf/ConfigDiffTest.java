package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDiffTest {

    private static final String BASE = """
        dsrgw.gateway {
          tunnel-source { ipv4 = 10.0.2.2, ipv6 = "fd00:2::2" }
          hash-seed = seed
          vips = [
            { name = web, address = 10.100.0.1, protocol = tcp, ports = [80, 443],
              backends = [{ address = 10.0.3.11 }, { address = 10.0.3.12 }] }
            { name = dns, address = 10.100.0.2, protocol = udp, ports = [53],
              backends = [{ address = "fd00:3::11" }] }
          ]
        }
        """;

    private static GatewayConfig parse(String hocon) {
        try {
            return ConfigLoader.parseGateway(hocon, "t.conf");
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static ConfigDiff diff(String after) {
        return ConfigDiff.between(parse(BASE), parse(after));
    }

    @Test
    void shouldFindNoChangeBetweenEqualConfigs() {
        ConfigDiff d = diff(BASE);
        assertTrue(d.isEmpty());
        assertEquals("no change", d.toString());
    }

    @Test
    void shouldIgnoreTheOrderOfVipsPortsAndBackends() {
        String reordered = """
            dsrgw.gateway {
              tunnel-source { ipv4 = 10.0.2.2, ipv6 = "fd00:2::2" }
              hash-seed = seed
              vips = [
                { name = dns, address = 10.100.0.2, protocol = udp, ports = [53],
                  backends = [{ address = "fd00:3::11" }] }
                { name = web, address = 10.100.0.1, protocol = tcp, ports = [443, 80],
                  backends = [{ address = 10.0.3.12 }, { address = 10.0.3.11, weight = 100 }] }
              ]
            }
            """;
        assertTrue(diff(reordered).isEmpty(), diff(reordered).toString());
    }

    @Test
    void shouldReportAnAddedVip() {
        ConfigDiff d = diff(BASE.replace("  ]\n}", "    { name = api, address = 10.100.0.3, protocol = tcp, "
            + "ports = [8080], backends = [] }\n  ]\n}"));
        assertEquals(List.of("api"), d.added());
        assertEquals(List.of(), d.removed());
        assertEquals(List.of(), d.changed());
        assertFalse(d.settingsChanged());
        assertTrue(d.vipsChanged());
    }

    @Test
    void shouldReportARemovedVip() {
        ConfigDiff d = diff(BASE.replace("""
                { name = dns, address = 10.100.0.2, protocol = udp, ports = [53],
                  backends = [{ address = "fd00:3::11" }] }
            """, ""));
        assertEquals(new ConfigDiff(List.of(), List.of("dns"), List.of(), List.of()), d);
    }

    @Test
    void shouldReportARenamedVipAsRemovedAndAdded() {
        ConfigDiff d = diff(BASE.replace("name = web", "name = www"));
        assertEquals(List.of("www"), d.added());
        assertEquals(List.of("web"), d.removed());
        assertEquals(List.of(), d.changed());
    }

    @Test
    void shouldReportAVipChangedByABackendWeight() {
        assertEquals(List.of("web"), diff(BASE.replace("{ address = 10.0.3.12 }",
            "{ address = 10.0.3.12, weight = 50 }")).changed());
    }

    @Test
    void shouldReportAVipChangedByABackendState() {
        assertEquals(List.of("dns"), diff(BASE.replace("{ address = \"fd00:3::11\" }",
            "{ address = \"fd00:3::11\", state = draining }")).changed());
    }

    @Test
    void shouldReportAVipChangedByAnAddedBackend() {
        assertEquals(List.of("web"), diff(BASE.replace("{ address = 10.0.3.12 }",
            "{ address = 10.0.3.12 }, { address = 10.0.3.13 }")).changed());
    }

    @Test
    void shouldReportAVipChangedByItsPorts() {
        assertEquals(List.of("web"), diff(BASE.replace("ports = [80, 443]", "ports = [80]")).changed());
    }

    @Test
    void shouldReportAVipChangedByTunnelKeyChecksumOrHealthCheck() {
        String gre = BASE.replace("ports = [80, 443],", "ports = [80, 443], tunnel = gre,");
        assertEquals(List.of("web"), diff(gre).changed());
        assertEquals(List.of("web"), ConfigDiff.between(parse(gre),
            parse(gre.replace("tunnel = gre,", "tunnel = gre, gre-key = 1,"))).changed());
        assertEquals(List.of("web"), ConfigDiff.between(parse(gre),
            parse(gre.replace("tunnel = gre,", "tunnel = gre, gre-checksum = true,"))).changed());
        assertEquals(List.of("web"), diff(BASE.replace("ports = [80, 443],", "ports = [80, 443], health-check {},"))
            .changed());
    }

    @Test
    void shouldReportAVipChangedByItsAddressOrProtocol() {
        assertEquals(List.of("dns"), diff(BASE.replace("10.100.0.2", "10.100.0.9")).changed());
        assertEquals(List.of("dns"), diff(BASE.replace("protocol = udp", "protocol = tcp")).changed());
    }

    @Test
    void shouldReportEachChangedSettingByItsKey() {
        ConfigDiff d = diff(BASE.replace("hash-seed = seed", "hash-seed = other\n  ttl = 32\n  tunnel-mtu = 1400\n"
            + "  icmp.echo = drop\n  batch-size = 8\n  ingress.queues = 2\n  admin.http = \"127.0.0.1:1\"\n"
            + "  maglev-table-size = 251\n  removed-backend-grace = 5s\n  flow-table.udp-timeout = 5s"));
        assertEquals(List.of("ingress", "tunnel-mtu", "ttl", "hash-seed", "maglev-table-size", "batch-size", "admin",
            "icmp", "removed-backend-grace", "flow-table"), d.changedSettings());
        assertFalse(d.vipsChanged());
        assertTrue(d.settingsChanged());
    }

    @Test
    void shouldReportATunnelSourceChange() {
        assertEquals(List.of("tunnel-source"), diff(BASE.replace("10.0.2.2", "10.0.2.3")).changedSettings());
    }

    @Test
    void shouldDescribeBothKindsOfChangeWithoutTheSeed() {
        ConfigDiff d = diff(BASE.replace("hash-seed = seed", "hash-seed = s3cret\n  icmp.too-big-rate = 5")
            .replace("name = dns", "name = dns2").replace("ports = [80, 443]", "ports = [80]"));
        assertEquals("vips added [dns2], removed [dns], changed [web]; settings changed [hash-seed, icmp]",
            d.toString());
    }

    @Test
    void shouldListEverySettingComparedAndNoOther() {
        // Every GatewayConfig component is either a setting here or the vips: a new component must be added.
        List<String> components = java.util.Arrays.stream(GatewayConfig.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName).filter(n -> !n.equals("vips")).toList();
        assertEquals(components.size(), ConfigDiff.SETTING_KEYS.size(), components.toString());
    }

    @Test
    void shouldReportAVipChangedByItsFlowTableSwitch() {
        ConfigDiff d = diff(BASE.replace("ports = [80, 443],", "ports = [80, 443], flow-table = false,"));
        assertEquals(List.of("web"), d.changed());
        assertFalse(ConfigDiff.onlyHealthChecks(parse(BASE).vip("web"), parse(BASE.replace("ports = [80, 443],",
            "ports = [80, 443], flow-table = false,")).vip("web")));
        assertTrue(diff(BASE.replace("ports = [80, 443],", "ports = [80, 443], flow-table = true,")).isEmpty());
    }

    @Test
    void shouldReportAVipChangedByAnyHealthCheckKeyAsOnlyAHealthCheckChange() {
        String hc = BASE.replace("ports = [80, 443],", "ports = [80, 443], health-check { type = http },");
        GatewayConfig before = parse(hc);
        for (String change : List.of("type = https", "type = http, port = 8080", "type = http, path = /x",
            "type = http, expected-status = 200", "type = http, interval = 300ms", "type = http, timeout = 100ms",
            "type = http, rise = 1", "type = http, fall = 2", "type = agent", "type = tunnel")) {
            GatewayConfig after = parse(hc.replace("type = http", change));
            ConfigDiff d = ConfigDiff.between(before, after);
            assertEquals(List.of("web"), d.changed(), change);
            assertTrue(ConfigDiff.onlyHealthChecks(before.vip("web"), after.vip("web")), change);
        }
        // Writing a default explicitly is no change.
        assertTrue(ConfigDiff.between(before, parse(hc.replace("type = http", "type = http, rise = 2"))).isEmpty());
    }

    @Test
    void shouldReportAVipChangedByABackendsOwnHealthCheck() {
        GatewayConfig before = parse(BASE);
        GatewayConfig after = parse(BASE.replace("{ address = 10.0.3.12 }",
            "{ address = 10.0.3.12, health-check { type = agent } }"));
        assertEquals(List.of("web"), ConfigDiff.between(before, after).changed());
        assertTrue(ConfigDiff.onlyHealthChecks(before.vip("web"), after.vip("web")));
        GatewayConfig weight = parse(BASE.replace("{ address = 10.0.3.12 }",
            "{ address = 10.0.3.12, weight = 5, health-check { type = agent } }"));
        assertFalse(ConfigDiff.onlyHealthChecks(before.vip("web"), weight.vip("web")));
        assertFalse(ConfigDiff.onlyHealthChecks(before.vip("web"), before.vip("web")), "no change at all");
    }
}
