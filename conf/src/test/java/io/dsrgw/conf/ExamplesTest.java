package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped examples/ files validate and describe the demo topology (recipes/netns-dsr.md). */
class ExamplesTest {

    /** Maven runs tests in the module directory; examples/ is a sibling of conf/. */
    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", ".")).resolve("../examples")
        .normalize();

    @Test
    void gatewayExampleIsValidAndMatchesTheDemo() throws ConfigException {
        GatewayConfig c = ConfigLoader.loadGateway(EXAMPLES.resolve("gateway.conf"));
        assertEquals(InetAddress.ofLiteral("10.0.2.2"), c.tunnelSource().ipv4());
        assertEquals(1, c.vips().size());
        VipConfig web = c.vips().get(0);
        assertEquals(InetAddress.ofLiteral("10.100.0.1"), web.address());
        assertEquals(Protocol.TCP, web.protocol());
        assertEquals(List.of(80), web.ports());
        assertEquals(List.of("10.0.3.11", "10.0.3.12", "10.0.3.13"),
            web.backends().stream().map(b -> b.address().getHostAddress()).toList());
        assertEquals(HealthCheckConfig.TYPE_AGENT, web.healthCheck().type());
        assertEquals(9181, web.healthCheck().port());
        assertEquals(List.of("agent", "agent", "tcp"),
            web.backends().stream().map(b -> b.effectiveHealthCheck(web).type()).toList());
        assertEquals(80, web.backends().get(2).healthCheck().port());
    }

    @Test
    void agentExampleIsValidAndMatchesTheDemo() throws ConfigException {
        AgentConfig c = ConfigLoader.loadAgent(EXAMPLES.resolve("agent.conf"));
        assertEquals(AgentMode.USERSPACE, c.mode());
        assertEquals(List.of(InetAddress.ofLiteral("10.0.2.2")), c.gateways());
        assertEquals(List.of(InetAddress.ofLiteral("10.100.0.1")), c.vips());
        assertEquals(List.of(TunnelKind.IPIP), c.tunnels());
    }

    /** @return the example with every "#~ " optional line enabled, as a string with the same line numbers */
    private static String withOptionalLines(String file) throws java.io.IOException {
        String text = java.nio.file.Files.readString(EXAMPLES.resolve(file));
        assertTrue(text.contains("#~ "), file + " shows no optional keys");
        return text.replaceAll("(?m)^(\\s*)#~ ", "$1");
    }

    @Test
    void gatewayExampleIsValidWithEveryOptionalKeyEnabled() throws Exception {
        GatewayConfig c = ConfigLoader.parseGateway(withOptionalLines("gateway.conf"), "gateway.conf");
        assertEquals(InetAddress.ofLiteral("fd00:2::2"), c.tunnelSource().ipv6());
        assertEquals(IcmpConfig.DEFAULT, c.icmp());
        assertEquals(FlowTableConfig.DEFAULT, c.flowTable());
        assertEquals(GatewayConfig.DEFAULT_REMOVED_BACKEND_GRACE, c.removedBackendGrace());
        VipConfig dns = c.vip("dns");
        assertTrue(!dns.flowTable());
        assertEquals(HealthCheckConfig.TYPE_TUNNEL, dns.healthCheck().type());
        assertEquals(0, dns.healthCheck().port());
        VipConfig web6 = c.vip("web6");
        assertEquals(42L, web6.greKey());
        assertTrue(web6.greChecksum());
        assertEquals(List.of(TunnelKind.IP6GRE, TunnelKind.SIT),
            web6.backends().stream().map(b -> b.tunnelKind(web6)).toList());
        assertEquals(GueConfig.DEFAULT, c.gue());
        VipConfig api = c.vip("api");
        assertEquals(6080, api.guePort(c.gue()));
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE6),
            api.backends().stream().map(b -> b.tunnelKind(api)).toList());
        VipConfig l2 = c.vip("web-l2");
        assertEquals(List.of(TunnelKind.NONE, TunnelKind.NONE), l2.backends().stream().map(b -> b.tunnelKind(l2))
            .toList());
    }

    @Test
    void agentExampleIsValidWithEveryOptionalKeyEnabled() throws Exception {
        AgentConfig c = ConfigLoader.parseAgent(withOptionalLines("agent.conf"), "agent.conf");
        // Every kind that is decapsulated (gue read as gue and gue6: dual-stack gateways); none (L2 DSR) is listed
        // too but needs no decapsulation, so it is not kept.
        assertEquals(java.util.Arrays.stream(TunnelKind.values()).filter(k -> k != TunnelKind.NONE).toList(),
            c.tunnels());
        assertEquals(6080, c.guePort());
        assertEquals(List.of(42L), c.greKeys());
        assertEquals(MssClampConfig.DEFAULT, c.mssClamp());
        assertEquals(List.of(InetAddress.ofLiteral("10.100.0.1"), InetAddress.ofLiteral("fd00:100::1")), c.vips());
    }

    @Test
    void checkConfigAcceptsBothExamples() {
        var sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        assertEquals(0, CheckConfig.checkGateway(EXAMPLES.resolve("gateway.conf"), sink, sink));
        assertEquals(0, CheckConfig.checkAgent(EXAMPLES.resolve("agent.conf"), sink, sink));
    }
}
