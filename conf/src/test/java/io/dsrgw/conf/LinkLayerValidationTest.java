package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import static io.dsrgw.conf.Errors.gatewayFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tunnel = none} (L2 DSR): the file's half of the rules (the VIP's family, no tunnel source needed, no GRE
 * options); whether the backend is on a connected network is the gateway's check of its host.
 */
class LinkLayerValidationTest {

    /** A VIP {@code vip} with backends {@code backends}, and {@code source} as the tunnel-source block. */
    private static String config(String source, String vip, String backends) {
        return "dsrgw.gateway {\n"                                                   // 1
            + "  " + source + "\n"                                                  // 2
            + "  hash-seed = \"seed\"\n"                                            // 3
            + "  vips = [{\n"                                                       // 4
            + "    name = web, protocol = tcp, ports = [80], " + vip + "\n"         // 5
            + "    backends = [" + backends + "]\n"                                 // 6
            + "  }]\n"                                                              // 7
            + "}\n";
    }

    @Test
    void aVipWithTunnelNoneReachesItsBackendsWithoutATunnelAndNeedsNoTunnelSource() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(config("", "address = 10.100.0.1, tunnel = none",
            "{ address = 10.0.3.11 }, { address = 10.0.3.12 }"), "t.conf");
        VipConfig vip = c.vips().get(0);
        assertEquals(TunnelFamily.NONE, vip.tunnel());
        for (BackendConfig b : vip.backends()) {
            assertTrue(b.linkLayer(vip));
            assertEquals(TunnelKind.NONE, b.tunnelKind(vip));
        }
    }

    @Test
    void oneBackendMayUseL2DsrWhileTheOthersKeepTheVipsTunnel() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(config("tunnel-source { ipv4 = 10.0.2.2 }",
            "address = 10.100.0.1", "{ address = 10.0.3.11, tunnel = none }, { address = 10.0.4.12 }"), "t.conf");
        VipConfig vip = c.vips().get(0);
        assertEquals(TunnelKind.NONE, vip.backends().get(0).tunnelKind(vip));
        assertEquals(TunnelKind.IPIP, vip.backends().get(1).tunnelKind(vip));
        assertFalse(vip.backends().get(1).linkLayer(vip));
    }

    @Test
    void anIpv6VipReachesIpv6BackendsByL2DsrWithoutAnIpv6TunnelSource() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(config("", "address = \"fd00:100::1\", tunnel = none",
            "{ address = \"fd00:3::11\" }"), "t.conf");
        VipConfig vip = c.vips().get(0);
        assertEquals(TunnelKind.NONE, vip.backends().get(0).tunnelKind(vip));
    }

    @Test
    void tunnelMtuDoesNotLimitAnIpv6VipReachedByL2Dsr() throws ConfigException {
        // An IPv6 VIP through a tunnel needs tunnel-mtu >= 1280 + overhead (RFC 8200 section 5); without a tunnel,
        // tunnel-mtu does not apply to the VIP's packets at all.
        GatewayConfig c = ConfigLoader.parseGateway(config("tunnel-mtu = 1200", "address = \"fd00:100::1\", "
            + "tunnel = none", "{ address = \"fd00:3::11\" }"), "t.conf");
        assertEquals(1200, c.tunnelMtu());
    }

    @Test
    void anL2DsrBackendOfTheOtherFamilyIsRejectedBecauseNothingCanChangeFamiliesWithoutATunnel() {
        gatewayFails(config("", "address = 10.100.0.1, tunnel = none", "{ address = \"fd00:3::11\" }"),
            "t.conf:6 dsrgw.gateway.vips[0].backends[0].address: \"fd00:3::11\" (expected: an IPv4 address like "
                + "the VIP's: tunnel = none sends the VIP's packet unchanged to the backend's MAC, so it cannot "
                + "change address families (use an IPv4 address of the backend, or tunnel = ipip or gre for this "
                + "backend))");
    }

    @Test
    void aGreKeyOnAnL2DsrVipIsRejected() {
        gatewayFails(config("", "address = 10.100.0.1, tunnel = none, gre-key = 7", "{ address = 10.0.3.11 }"),
            "t.conf:5 dsrgw.gateway.vips[0].gre-key: 7 (expected: no gre-key on a VIP with tunnel = none (set "
                + "tunnel = gre, or tunnel = gre on a backend, to use a key))");
    }

    @Test
    void aTunnelBackendStillNeedsItsTunnelSourceNextToL2DsrOnes() {
        gatewayFails(config("", "address = 10.100.0.1, tunnel = none",
                "{ address = 10.0.3.11 }, { address = 10.0.4.12, tunnel = ipip }"),
            "t.conf:6 dsrgw.gateway.vips[0].backends[1].address: \"10.0.4.12\" (expected: tunnel-source.ipv4 to be "
                + "set: an IPv4 backend needs an IPv4 outer source)");
    }

    @Test
    void aTunnelHealthCheckOfAnL2DsrBackendIsRejected() {
        gatewayFails(config("", "address = 10.100.0.1, tunnel = none, health-check { type = tunnel }",
                "{ address = 10.0.3.11 }"),
            "t.conf:6 dsrgw.gateway.vips[0].backends[0].address: \"10.0.3.11\" (expected: a health check other "
                + "than type = tunnel for a tunnel = none (L2 DSR) backend: there is no tunnel to probe through (use "
                + "tcp, http, https or agent))");
    }

    @Test
    void tunnelNoneIsAcceptedAsTheDefaultTunnelOfAllVips() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway("dsrgw.gateway {\n  hash-seed = s\n"
            + "  defaults { vip { tunnel = none } }\n"
            + "  vips = [{ name = a, address = 10.100.0.1, protocol = tcp, ports = [80], backends = [{ address = "
            + "10.0.3.11 }] }]\n}\n", "t.conf");
        assertEquals(TunnelFamily.NONE, c.vips().get(0).tunnel());
    }

    // ---- the agent: tunnels = [none]

    @Test
    void anAgentWithTunnelsNoneDecapsulatesNothing() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent(Errors.ag("tunnels = [none]"), "t.conf");
        assertEquals(java.util.List.of(), c.tunnels());
    }

    @Test
    void anAgentWithAnEmptyTunnelListIsL2DsrOnlyEvenWithAnIpv6Gateway() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent(Errors.ag("tunnels = []").replace("gateways = [10.0.2.2]",
            "gateways = [\"fd00:2::2\"]"), "t.conf");
        assertEquals(java.util.List.of(), c.tunnels());
    }

    @Test
    void noneNextToTunnelKindsKeepsOnlyTheKindsToDecapsulate() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent(Errors.ag("tunnels = [none, ipip]"), "t.conf");
        assertEquals(java.util.List.of(TunnelKind.IPIP), c.tunnels());
    }
}
