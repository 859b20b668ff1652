package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.health.BackendKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Removal grace on its own, with the clock stepped by hand. */
class RemovalGraceTest {
    private static final long S = 1_000_000_000L;

    private static GatewayConfig config(String backends) throws Exception {
        return ConfigLoader.parseGateway("""
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = s
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [%s] }]
                }
                """.formatted(backends), "g.conf");
    }

    @Test
    void shouldKeepARemovedBackendUntilItsDeadlineAndForgetItWhenConfiguredAgain() throws Exception {
        AtomicLong clock = new AtomicLong(100 * S);
        RemovalGrace grace = new RemovalGrace(Duration.ofSeconds(30), clock::get);
        GatewayConfig two = config("{ address = 10.0.3.10 }, { address = 10.0.3.11 }");
        GatewayConfig one = config("{ address = 10.0.3.10 }");
        BackendKey gone = new BackendKey("web", "10.0.3.11");
        Map<BackendKey, EffectiveConfig.Removed> next = grace.after(two, one);
        assertEquals(Set.of(gone), next.keySet());
        assertEquals(130 * S, next.get(gone).deadlineNs());
        assertTrue(grace.current().isEmpty(), "after() proposes; commit() applies");
        grace.commit(next);
        clock.set(129 * S);
        assertEquals(List.of(), grace.expire());
        assertEquals(Set.of(gone), grace.after(one, one).keySet(), "still draining across a no-op reload");
        assertTrue(grace.after(one, two).isEmpty(), "configured again: no longer draining");
        clock.set(130 * S);
        assertEquals(List.of(gone), grace.expire());
        assertTrue(grace.current().isEmpty());
    }

    @Test
    void shouldRemoveAtOnceWithZeroGraceAndRejectANegativeOne() throws Exception {
        RemovalGrace zero = new RemovalGrace(Duration.ZERO, () -> 0);
        assertTrue(zero.after(config("{ address = 10.0.3.10 }, { address = 10.0.3.11 }"),
                config("{ address = 10.0.3.10 }")).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RemovalGrace(Duration.ofSeconds(-1), () -> 0));
        assertEquals("removed-backend-grace: PT-1S (expected: >= 0)", e.getMessage());
    }
}
