package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.dataplane.BackendSelection;
import io.dsrgw.gateway.dataplane.xdp.XdpDataPlane;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code status} lists the XDP fast path's counters after the TUN pipeline's, telling the two paths apart. */
class AdminStatusFastPathTest {
    @TempDir
    Path dir;

    @Test
    void shouldListTheFastPathCountersAfterTheSlowPathCounters() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = "status-seed"
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [{ address = 10.0.3.10 }] }]
                }
                """);
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), ProbeRunner.NONE);
        try {
            MetricRegistry registry = new MetricRegistry();
            new GatewayMetrics(registry);
            AdminCommands admin = new AdminCommands(control, registry, () -> 0);
            assertTrue(!admin.execute("status", List.of()).output().contains("xdp_"), "tun: no fast path lines");
            Map<String, Long> xdp = new LinkedHashMap<>();
            xdp.put("xdp_rx", 42L);
            xdp.put("xdp_tx", 40L);
            xdp.put("xdp_pass_icmp", 2L);
            admin.fastPathCounters(() -> xdp);
            String out = admin.execute("status", List.of()).output();
            int rx = out.indexOf("\nrx_packets 0\n");
            int fast = out.indexOf("\nxdp_rx 42\nxdp_tx 40\nxdp_pass_icmp 2\n");
            assertTrue(rx > 0 && fast > rx, out);
            @SuppressWarnings("unchecked")
            Map<String, Object> counters = (Map<String, Object>) admin.statusTree().get("counters");
            assertEquals(42L, counters.get("xdp_rx"));
        } finally {
            control.close();
        }
    }

    @Test
    void shouldNameTheXdpFlowTableInExplain() {
        assertEquals("xdp", AdminCommands.tableName(XdpDataPlane.FLOW_TABLE_ID));
        assertEquals("0", AdminCommands.tableName(0));
        assertEquals("-", AdminCommands.tableName(BackendSelection.NO_TABLE));
    }
}
