package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.health.BackendKey;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Operator overrides on their own: validation against the running config, pruning after a reload. */
class OperatorOverridesTest {
    private static GatewayConfig config(String backends) throws Exception {
        return ConfigLoader.parseGateway("""
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2, ipv6 = "fd00:2::2" }
                  hash-seed = s
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [%s] }]
                }
                """.formatted(backends), "g.conf");
    }

    @Test
    void shouldNameTheBackendByItsIdentityInAnyTextualFormAndRejectWhatIsNotConfigured() throws Exception {
        GatewayConfig c = config("{ address = 10.0.3.10 }, { address = \"fd00:3::11\" }");
        assertEquals(new BackendKey("web", "fd00:3::11"),
                OperatorOverrides.configuredKey(c, "web", "fd00:3:0:0:0:0:0:11"));
        assertEquals("vip dns: not configured (expected one of: web)", assertThrows(IllegalArgumentException.class,
                () -> OperatorOverrides.configuredKey(c, "dns", "10.0.3.10")).getMessage());
        assertEquals("backend 10.0.3.12: not configured in vip web (expected one of: 10.0.3.10, fd00:3::11)",
                assertThrows(IllegalArgumentException.class,
                        () -> OperatorOverrides.configuredKey(c, "web", "10.0.3.12")).getMessage());
        assertEquals("backend web1: not an IP address (expected: the backend's address as configured, e.g. "
                + "10.0.3.10)", assertThrows(IllegalArgumentException.class,
                () -> OperatorOverrides.configuredKey(c, "web", "web1")).getMessage());
    }

    @Test
    void shouldApplyOverridesAndDropThoseOfBackendsNoLongerConfigured() throws Exception {
        GatewayConfig two = config("{ address = 10.0.3.10 }, { address = 10.0.3.11, weight = 7 }");
        OperatorOverrides o = new OperatorOverrides();
        BackendKey b10 = new BackendKey("web", "10.0.3.10");
        BackendKey b11 = new BackendKey("web", "10.0.3.11");
        o.set(b10, new OperatorOverride(true, -1), "drain");
        o.set(b11, new OperatorOverride(false, 3), "weight 3");
        assertEquals(3, o.applyTo(two).vip("web").backends().get(1).weight());
        o.set(b10, OperatorOverride.NONE, "undrain");
        assertEquals(Map.of(b11, new OperatorOverride(false, 3)), o.asMap());
        o.prune(config("{ address = 10.0.3.10 }"));
        assertEquals(Map.of(), o.asMap(), "10.0.3.11 left the config: its override goes with it");
        assertEquals(OperatorOverride.NONE, o.get(b11));
    }
}
