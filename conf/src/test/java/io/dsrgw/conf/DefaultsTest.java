package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys left out of a file take their values from reference.conf. */
class DefaultsTest {

    private static final String MINIMAL_GATEWAY = """
        dsrgw.gateway {
          tunnel-source.ipv4 = 10.0.2.2
          hash-seed = s
          vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80],
                    health-check {}, backends = [{ address = 10.0.3.11 }] }]
        }
        """;

    @Test
    void shouldApplyEveryGatewayDefault() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(MINIMAL_GATEWAY, "t.conf");
        assertEquals(new IngressConfig("tun", "dsr0", 1), c.ingress());
        assertNull(c.tunnelSource().ipv6());
        assertEquals(1500, c.tunnelMtu());
        assertEquals(64, c.ttl());
        assertEquals(65537, c.maglevTableSize());
        assertEquals(64, c.batchSize());
        assertEquals(new AdminConfig("/run/dsrgw/gateway.sock", "127.0.0.1:9180"), c.admin());
        assertEquals(new IcmpConfig(EchoMode.ANSWER, 100), c.icmp());
        assertEquals(IcmpConfig.DEFAULT, c.icmp());
        VipConfig vip = c.vips().get(0);
        assertEquals(false, vip.greChecksum());
        assertEquals(TunnelFamily.IPIP, vip.tunnel());
        assertNull(vip.greKey());
        assertEquals(new HealthCheckConfig("tcp", 80, "/", Duration.ofMillis(250), Duration.ofMillis(200), 2, 3,
            IntRanges.of(200, 399)), vip.healthCheck());
        // Default detection stays within one second: fall x interval + timeout.
        assertEquals(Duration.ofMillis(950), vip.healthCheck().detectionTime());
        assertTrue(vip.flowTable());
        BackendConfig b = vip.backends().get(0);
        assertEquals(100, b.weight());
        assertEquals(BackendState.ACTIVE, b.state());
        assertNull(b.tunnelOverride());
        assertNull(b.healthCheck());
        assertEquals(vip.healthCheck(), b.effectiveHealthCheck(vip));
        assertEquals(Duration.ofSeconds(30), c.removedBackendGrace());
        assertEquals(new FlowTableConfig(1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(300),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30)), c.flowTable());
        assertEquals(FlowTableConfig.DEFAULT, c.flowTable());
        assertEquals(64L << 20, c.flowTable().memoryBytes(1));
    }

    @Test
    void shouldLeaveTheHealthCheckOutWhenNotConfigured() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(MINIMAL_GATEWAY.replace("health-check {}, ", ""), "t.conf");
        assertNull(c.vips().get(0).healthCheck());
    }

    @Test
    void shouldLetTheDefaultsBlockChangeEveryElement() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(MINIMAL_GATEWAY.replace("hash-seed = s",
            "hash-seed = s\n  defaults { vip.tunnel = gre, backend { weight = 7, state = draining },"
                + " health-check { type = http, path = /hz, interval = 2s, timeout = 1s, rise = 5, fall = 6,"
                + " expected-status = 204 } }"),
            "t.conf");
        VipConfig vip = c.vips().get(0);
        assertEquals(TunnelFamily.GRE, vip.tunnel());
        assertEquals(new BackendConfig(InetAddress.ofLiteral("10.0.3.11"), 7, BackendState.DRAINING, null),
            vip.backends().get(0));
        assertEquals(new HealthCheckConfig("http", 80, "/hz", Duration.ofSeconds(2), Duration.ofSeconds(1), 5, 6,
            IntRanges.of(204, 204)), vip.healthCheck());
    }

    @Test
    void shouldApplyEveryAgentDefault() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent("dsrgw.agent { gateways = [10.0.2.2], vips = [10.100.0.1] }",
            "t.conf");
        assertEquals(AgentMode.USERSPACE, c.mode());
        assertEquals(List.of(TunnelKind.IPIP), c.tunnels());
        assertEquals("dsrdecap0", c.decapDevice());
        assertEquals(Duration.ofSeconds(10), c.reconcileInterval());
        assertEquals(Path.of("/var/lib/dsrgw/agent-state.conf"), c.stateFile());
        assertEquals("0.0.0.0:9181", c.healthListen());
        assertEquals(List.of(), c.greKeys());
        assertEquals(new MssClampConfig(true, 1500), c.mssClamp());
        assertEquals(MssClampConfig.DEFAULT, c.mssClamp());
    }

    @Test
    void shouldGiveTheIssue2ConstructorsTheReferenceDefaults() throws ConfigException {
        GatewayConfig loaded = ConfigLoader.parseGateway(MINIMAL_GATEWAY, "t.conf");
        VipConfig v = loaded.vips().get(0);
        VipConfig old = new VipConfig(v.name(), v.address(), v.protocol(), v.ports(), v.tunnel(), v.greKey(),
            v.healthCheck(), v.backends());
        assertEquals(v, old);
        assertEquals(v, new VipConfig(v.name(), v.address(), v.protocol(), v.ports(), v.tunnel(), v.greKey(),
            v.healthCheck(), v.backends(), v.greChecksum()));
        BackendConfig b = v.backends().get(0);
        assertEquals(b, new BackendConfig(b.address(), b.weight(), b.state(), b.tunnelOverride()));
        HealthCheckConfig h = v.healthCheck();
        assertEquals(h, new HealthCheckConfig(h.type(), h.port(), h.path(), h.interval(), h.timeout(), h.rise(),
            h.fall()));
        assertEquals(loaded, new GatewayConfig(loaded.ingress(), loaded.tunnelSource(), loaded.tunnelMtu(),
            loaded.ttl(), loaded.hashSeed(), loaded.maglevTableSize(), loaded.batchSize(), loaded.vips(),
            loaded.admin(), loaded.icmp()));
        assertEquals(loaded, new GatewayConfig(loaded.ingress(), loaded.tunnelSource(), loaded.tunnelMtu(),
            loaded.ttl(), loaded.hashSeed(), loaded.maglevTableSize(), loaded.batchSize(), loaded.vips(),
            loaded.admin()));
        AgentConfig a = ConfigLoader.parseAgent("dsrgw.agent { gateways = [10.0.2.2], vips = [10.100.0.1] }",
            "t.conf");
        assertEquals(a, new AgentConfig(a.mode(), a.gateways(), a.vips(), a.tunnels(), a.decapDevice(),
            a.reconcileInterval(), a.stateFile(), a.healthListen()));
    }

    @Test
    void shouldAcceptHoconDurationUnitsAndBareMilliseconds() throws ConfigException {
        assertEquals(Duration.ofMillis(1500), ConfigLoader.parseAgent(
            "dsrgw.agent { gateways = [10.0.2.2], vips = [10.100.0.1], reconcile-interval = 1500 }", "t")
            .reconcileInterval());
        assertEquals(Duration.ofMinutes(2), ConfigLoader.parseAgent(
            "dsrgw.agent { gateways = [10.0.2.2], vips = [10.100.0.1], reconcile-interval = 2 minutes }", "t")
            .reconcileInterval());
    }

    @Test
    void shouldResolveSubstitutionsIncludingDefaults() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(MINIMAL_GATEWAY.replace("hash-seed = s",
            "hash-seed = s\n  ttl = ${dsrgw.gateway.batch-size}"), "t.conf");
        assertEquals(64, c.ttl());
    }

    @Test
    void shouldReportAnUnresolvedSubstitutionWithItsLine() {
        List<String> errors = Errors.gateway(MINIMAL_GATEWAY.replace("hash-seed = s", "hash-seed = ${nope}"));
        assertEquals(1, errors.size());
        assertEquals(true, errors.get(0).startsWith("t.conf:3: "), errors.get(0));
        assertEquals(true, errors.get(0).contains("nope"), errors.get(0));
    }
}
