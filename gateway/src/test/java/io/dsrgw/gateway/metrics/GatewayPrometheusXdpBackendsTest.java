package io.dsrgw.gateway.metrics;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.gateway.health.HealthState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: with {@code ingress.kind = xdp} the per-backend and per-VIP packets and bytes of {@code /metrics} (and of
 * {@code /api/status}, which reads {@link GatewayPrometheus#backendTotals}) are the TUN workers' plus the XDP
 * program's, joined by stable backend id (the program's reader faked here; XdpBackendStatsTest checks the program).
 */
class GatewayPrometheusXdpBackendsTest {
    @TempDir
    Path dir;

    @Test
    void shouldExportPerBackendAndPerVipTotalsOfBothPaths() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = "prom-xdp-seed"
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11 }] }]
                }
                """);
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), ProbeRunner.NONE);
        try {
            GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
            ForwardingSnapshot s = control.holder().get();
            Map<String, Integer> idOf = new HashMap<>();
            for (int b = 0; b < s.backendCount(); b++) {
                idOf.put(s.backendIdentity(b), s.backendId(b));
            }
            int ten = idOf.get("10.0.3.10");
            int eleven = idOf.get("10.0.3.11");
            WorkerCounters tun = new WorkerCounters();
            metrics.attach(tun);
            tun.ensureBackends(Math.max(ten, eleven) + 1);
            tun.addBackend(ten, 60);
            tun.publish();
            // the program: 4 packets of 100 inner bytes to .10, 2 of 1000 to .11
            long[] xdp = new long[2 * (Math.max(ten, eleven) + 1)];
            xdp[2 * ten] = 4;
            xdp[2 * ten + 1] = 400;
            xdp[2 * eleven] = 2;
            xdp[2 * eleven + 1] = 2000;
            XdpBackendMetrics fast = new XdpBackendMetrics(() -> xdp.clone());
            metrics.addBackendSource(fast::packets, fast::bytes);
            GatewayPrometheus prometheus = new GatewayPrometheus(metrics.registry(), control, Map::of);
            String body = prometheus.scrape();
            for (String line : new String[] {
                "dsrgw_backend_packets_total{backend=\"10.0.3.10\",vip=\"web\"} 5.0\n",
                "dsrgw_backend_bytes_total{backend=\"10.0.3.10\",vip=\"web\"} 460.0\n",
                "dsrgw_backend_packets_total{backend=\"10.0.3.11\",vip=\"web\"} 2.0\n",
                "dsrgw_backend_bytes_total{backend=\"10.0.3.11\",vip=\"web\"} 2000.0\n",
                "dsrgw_vip_packets_total{vip=\"web\"} 7.0\n",
                "dsrgw_vip_bytes_total{vip=\"web\"} 2460.0\n"}) {
                assertTrue(body.contains(line), line + " in\n" + body);
            }
            Map<String, long[]> totals = prometheus.backendTotals();
            assertArrayEquals(new long[] {5, 460, 0}, totals.get("web\u000010.0.3.10"));
            assertArrayEquals(new long[] {2, 2000, 0}, totals.get("web\u000010.0.3.11"));
        } finally {
            control.close();
        }
    }
}
