package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordsTest {

    @Test
    void listsAreCopiedAndImmutable() {
        List<Integer> ports = new ArrayList<>(List.of(80));
        VipConfig vip = new VipConfig("web", InetAddress.ofLiteral("10.100.0.1"), Protocol.TCP, ports,
            TunnelFamily.IPIP, null, null, List.of());
        ports.add(443);
        assertEquals(List.of(80), vip.ports());
        assertThrows(UnsupportedOperationException.class, () -> vip.ports().add(1));
        assertThrows(UnsupportedOperationException.class, () -> vip.backends().clear());
    }

    @Test
    void loadedListsAreImmutable() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(Errors.gw("", "", ""), "t.conf");
        assertThrows(UnsupportedOperationException.class, () -> c.vips().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.vips().get(0).backends().clear());
    }

    @Test
    void vipToStringReadsLikeTheConfig() {
        VipConfig vip = new VipConfig("web", InetAddress.ofLiteral("fd00:100::1"), Protocol.TCP, List.of(80, 443),
            TunnelFamily.GRE, 42L,
            new HealthCheckConfig("http", 80, "/hz", Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3),
            List.of(new BackendConfig(InetAddress.ofLiteral("10.0.3.11"), 100, BackendState.ACTIVE, null),
                new BackendConfig(InetAddress.ofLiteral("10.0.3.12"), 0, BackendState.DRAINING, TunnelFamily.IPIP)));
        assertEquals("VIP web fd00:100::1 tcp [80, 443] tunnel gre gre-key 42 HealthCheckConfig[type=http, port=80, "
            + "path=/hz, interval=1s, timeout=500ms, rise=2, fall=3, expectedStatus=[200-399]] backends [10.0.3.11 weight 100 active, "
            + "10.0.3.12 weight 0 draining tunnel ipip]", vip.toString());
    }

    @Test
    void gatewayToStringNeverShowsTheHashSeed() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(Errors.gw("", "", "").replace("\"seed\"", "\"t0p-s3cret\""),
            "t.conf");
        assertFalse(c.toString().contains("t0p-s3cret"), c.toString());
        assertTrue(c.toString().contains("hashSeed=(10 chars)"), c.toString());
    }

    @Test
    void configErrorOmitsUnknownLineAndEmptyExpectation() {
        assertEquals("f.conf: no such file", new ConfigError("f.conf", 0, "", "no such file", "").toString());
        assertEquals("f.conf:3 a.b: 5 (expected: x)", new ConfigError("f.conf", 3, "a.b", "5", "x").toString());
    }

    @Test
    void protocolNumbersAreIana() {
        assertEquals(6, Protocol.TCP.number());
        assertEquals(17, Protocol.UDP.number());
    }
}
