package io.dsrgw.conf;

import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gw;
import static io.dsrgw.conf.Errors.gwBackend;
import static io.dsrgw.conf.Errors.gwExtra;
import static io.dsrgw.conf.Errors.gwVip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.dsrgw.encap.tunnel.TunnelKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 15 gateway keys: tunnel = gue, gue-port (gateway and VIP), gue-source-ports. */
class GueValidationTest {

    private static GatewayConfig parse(String hocon) throws ConfigException {
        return ConfigLoader.parseGateway(hocon, "t.conf");
    }

    @Test
    void shouldDefaultToPort6080AndTheDynamicSourceRange() throws ConfigException {
        GatewayConfig c = parse(gwVip(", tunnel = gue"));
        assertEquals(new GueConfig(6080, 49152, 65535), c.gue());
        VipConfig vip = c.vips().get(0);
        assertEquals(TunnelFamily.GUE, vip.tunnel());
        assertNull(vip.guePort());
        assertEquals(6080, vip.guePort(c.gue()));
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE), vip.backends().stream().map(b -> b.tunnelKind(vip))
            .toList());
    }

    @Test
    void shouldPickGue6ForAnIpv6Backend() throws ConfigException {
        GatewayConfig c = parse(gw("", ", tunnel = gue", "").replace("address = 10.0.3.12", "address = \"fd00:3::12\"")
            .replace("tunnel-source { ipv4 = 10.0.2.2 }", "tunnel-source { ipv4 = 10.0.2.2, ipv6 = \"fd00:2::2\" }"));
        VipConfig vip = c.vips().get(0);
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE6), vip.backends().stream().map(b -> b.tunnelKind(vip))
            .toList());
    }

    @Test
    void shouldReadTheGatewayPortTheRangeAndAVipsOwnPort() throws ConfigException {
        GatewayConfig c = parse(gw("gue-port = 5555, gue-source-ports = \"1000-1999\"", ", tunnel = gue, gue-port = 7777",
            ""));
        assertEquals(new GueConfig(5555, 1000, 1999), c.gue());
        assertEquals(7777, c.vips().get(0).guePort(c.gue()));
        assertEquals(new GueConfig(6080, 7000, 7000), parse(gwExtra("gue-source-ports = \"7000\"")).gue());
    }

    @Test
    void shouldAcceptAVipGuePortWhenABackendOverridesToGue() throws ConfigException {
        GatewayConfig c = parse(gw("", ", gue-port = 7777", ", tunnel = gue"));
        VipConfig vip = c.vips().get(0);
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.IPIP), vip.backends().stream().map(b -> b.tunnelKind(vip))
            .toList());
        assertEquals(7777, vip.guePort(c.gue()));
    }

    @Test
    void shouldRejectAGuePortOnAVipWithoutGue() {
        gatewayFails(gwVip(", gue-port = 7777"),
            "t.conf:7 dsrgw.gateway.vips[0].gue-port: 7777 (expected: no gue-port on a VIP with tunnel = ipip "
                + "(set tunnel = gue, or tunnel = gue on a backend, to choose the GUE port))");
    }

    @Test
    void shouldRejectPortsOutsideTheirRange() {
        gatewayFails(gwExtra("gue-port = 0"), "t.conf:5 dsrgw.gateway.gue-port: 0 (expected: an integer 1..65535)");
        gatewayFails(gwVip(", tunnel = gue, gue-port = 65536"),
            "t.conf:7 dsrgw.gateway.vips[0].gue-port: 65536 (expected: an integer 1..65535)");
    }

    @Test
    void shouldRejectMalformedSourceRangesNamingTheSyntax() {
        String rule = "(expected: a port range \"FIRST-LAST\" with 1 <= FIRST <= LAST <= 65535, e.g. \"49152-65535\")";
        for (String bad : List.of("\"65535-49152\"", "\"0-10\"", "\"1-65536\"", "\"a-b\"", "\"1-2-3\"", "\"\"")) {
            gatewayFails(gwExtra("gue-source-ports = " + bad), "t.conf:5 dsrgw.gateway.gue-source-ports: " + bad
                + " " + rule);
        }
    }

    @Test
    void shouldExplainThatGue6IsGueToAnIpv6Backend() {
        gatewayFails(gwBackend(", tunnel = gue6"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].tunnel: \"gue6\" (expected: ipip, gre, gue or none (gue6 is gue to "
                + "an IPv6 backend))");
    }

    @Test
    void shouldParsePortRangesStrictly() {
        assertArrayEquals(new int[] {1, 65535}, GatewayReader.portRange("1-65535"));
        assertArrayEquals(new int[] {80, 80}, GatewayReader.portRange(" 80 "));
        assertNull(GatewayReader.portRange("-5"));
        assertNull(GatewayReader.portRange("5-"));
    }

    @Test
    void shouldCountGueOverheadInTheIpv6MtuFloor() {
        // an IPv6 VIP over gue6 needs tunnel-mtu >= 1280 + 48
        gatewayFails(gw("tunnel-mtu = 1327", ", tunnel = gue", "").replace("address = 10.100.0.1", "address = \"fd00:100::1\"")
                .replace("address = 10.0.3.11", "address = \"fd00:3::11\"").replace("address = 10.0.3.12", "address = \"fd00:3::12\"")
                .replace("tunnel-source { ipv4 = 10.0.2.2 }", "tunnel-source { ipv6 = \"fd00:2::2\" }"),
            "t.conf:5 dsrgw.gateway.tunnel-mtu: 1327 (expected: an integer 1328..65535: VIP web reaches backend "
                + "fd00:3::11 through gue6 (48 bytes of outer headers around IPv6), and IPv6 needs a link MTU of at "
                + "least 1280 (RFC 8200 section 5))");
    }
}
