package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.HealthState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host half of L2 DSR validation against a faked host (a set of on-link addresses): every off-link
 * {@code tunnel = none} backend is reported with the reason and the fix, tunnel backends are not asked about, and
 * a reload that brings an off-link one is rejected with the running snapshot kept.
 */
class LinkLayerBackendsTest {
    private static final String CONFIG = """
            dsrgw.gateway {
              hash-seed = s
              tunnel-source { ipv4 = 10.0.2.2 }
              vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80], tunnel = none
                        backends = [{ address = 10.0.3.11 }, { address = 10.9.0.5 }, { address = 10.0.4.1, tunnel = ipip }] }]
            }
            """;

    @TempDir
    Path dir;

    /** A host on 10.0.3.0/24 only; others are routed through 10.0.2.1. */
    private static LinkLayerBackends.OnLink host(Set<String> onLink) {
        return a -> onLink.contains(a.getHostAddress()) ? null
                : "the kernel routes it through the gateway 10.0.2.1";
    }

    @Test
    void everyOffLinkL2BackendIsReportedWithTheReasonAndTheFix() throws Exception {
        GatewayConfig c = ConfigLoader.parseGateway(CONFIG, "t.conf");
        assertTrue(LinkLayerBackends.any(c));
        List<String> asked = new java.util.ArrayList<>();
        List<String> problems = LinkLayerBackends.problems(c, a -> {
            asked.add(a.getHostAddress());
            return host(Set.of("10.0.3.11")).notOnLinkReason(a);
        });
        assertEquals(List.of("10.0.3.11", "10.9.0.5"), asked, "the ipip backend is not asked about");
        assertEquals(List.of("vip web: backend 10.9.0.5: tunnel = none (L2 DSR) needs a backend on a network this "
                + "gateway is directly connected to, but the kernel routes it through the gateway 10.0.2.1 (expected: "
                + "an address in the subnet of one of the gateway's interfaces: give the gateway an address on the "
                + "backend's L2 segment, or reach this backend with tunnel = ipip or gre)"), problems);
        assertEquals(List.of(), LinkLayerBackends.problems(c, host(Set.of("10.0.3.11", "10.9.0.5"))));
    }

    @Test
    void theSnapshotSendsL2BackendsWithoutATunnel() throws Exception {
        ForwardingSnapshot s = SnapshotFactory.fromConfig(ConfigLoader.parseGateway(CONFIG, "t.conf"), 1);
        java.util.Map<String, TunnelKind> kinds = new java.util.HashMap<>();
        for (int b = 0; b < s.backendCount(); b++) {
            kinds.put(s.backendIdentity(b), s.tunnel(b).kind());
            assertEquals(s.tunnel(b).kind() == TunnelKind.NONE ? 0 : 20, s.tunnel(b).overheadBytes());
        }
        assertEquals(java.util.Map.of("10.0.3.11", TunnelKind.NONE, "10.9.0.5", TunnelKind.NONE, "10.0.4.1",
                TunnelKind.IPIP), kinds);
    }

    @Test
    void aReloadBringingAnOffLinkL2BackendIsRejectedAndTheRunningSnapshotKept() throws Exception {
        Path file = dir.resolve("gateway.conf");
        String good = CONFIG.replace("{ address = 10.9.0.5 }, ", "");
        Files.writeString(file, good);
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), (wanted, up) -> { });
        try {
            control.hostCheck(c -> LinkLayerBackends.problems(c, host(Set.of("10.0.3.11"))));
            ForwardingSnapshot before = control.holder().get();
            Files.writeString(file, CONFIG);
            ReloadResult r = control.reload();
            assertFalse(r.applied());
            assertEquals(1, r.errors().size(), r.errors().toString());
            assertTrue(r.errors().getFirst().startsWith(file + ": vip web: backend 10.9.0.5: tunnel = none"),
                    r.errors().getFirst());
            assertSame(before, control.holder().get());
        } finally {
            control.close();
        }
    }
}
