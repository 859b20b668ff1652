package io.dsrgw.gateway.dataplane.tun;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What can be checked without creating devices; `run` itself is verified in namespaces (test-harness). */
class TunIngressTest {
    @Test
    void shouldNeverAdoptAnExistingDevice() {
        IOException e = assertThrows(IOException.class, () -> TunIngress.open("lo", 1, 1480, List.of("10.100.0.1")));
        assertEquals("device lo already exists (expected: a name not in use; is another dsr-gateway running? the "
                + "gateway never adopts an existing device)", e.getMessage());
    }

    @Test
    void shouldAddAndRemoveVipRoutesWhenReloadsChangeTheVips() {
        List<String> calls = new ArrayList<>();
        TunIngress ingress = TunIngress.routesOnly("dsr0", args -> {
            calls.add(String.join(" ", args));
            return "";
        });
        assertTrue(ingress.syncRoutes(List.of("10.100.0.1", "fd00:100::1")));
        assertEquals(List.of("route replace 10.100.0.1/32 dev dsr0", "-6 route replace fd00:100::1/128 dev dsr0"),
                calls);
        calls.clear();
        // Reload: 10.100.0.2 added, the IPv6 VIP removed, 10.100.0.1 unchanged (no command for it).
        assertTrue(ingress.syncRoutes(List.of("10.100.0.2", "10.100.0.1")));
        assertEquals(List.of("-6 route del fd00:100::1/128 dev dsr0", "route replace 10.100.0.2/32 dev dsr0"),
                calls);
        assertEquals(List.of("10.100.0.1/32", "10.100.0.2/32"), ingress.routes());
        calls.clear();
        ingress.close();
        assertEquals(List.of("route del 10.100.0.1/32 dev dsr0", "route del 10.100.0.2/32 dev dsr0"), calls);
    }

    @Test
    void shouldRetryARouteThatFailedToBeAddedOnTheNextChange() {
        List<String> calls = new ArrayList<>();
        boolean[] fail = {true};
        TunIngress ingress = TunIngress.routesOnly("dsr0", args -> {
            calls.add(String.join(" ", args));
            if (fail[0]) {
                throw new IOException("ip route replace 10.100.0.9/32 dev dsr0: exit 2: RTNETLINK answers: busy");
            }
            return "";
        });
        assertFalse(ingress.syncRoutes(List.of("10.100.0.9")));
        assertEquals(List.of(), ingress.routes());
        fail[0] = false;
        assertTrue(ingress.syncRoutes(List.of("10.100.0.9")));
        assertEquals(List.of("10.100.0.9/32"), ingress.routes());
        assertEquals(2, calls.size());
    }
}
