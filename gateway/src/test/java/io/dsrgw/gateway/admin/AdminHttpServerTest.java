package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.AdminHttpAddress;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import io.dsrgw.gateway.metrics.GatewayPrometheus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminHttpServerTest {
    @TempDir
    Path dir;

    @Test
    void shouldServePrometheusMetricsAndStatusJsonOnLoopback() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = "http-seed"
                  vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                            backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11, state = draining }] }]
                }
                """);
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), ProbeRunner.NONE);
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        control.registerMetrics(metrics.registry());
        AdminCommands commands = new AdminCommands(control, metrics.registry(), () -> 0);
        try (AdminHttpServer http = AdminHttpServer.start("127.0.0.1:0", commands, control, metrics.registry())) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http.localAddress().getPort();
            HttpResponse<String> m = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertTrue(m.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
            assertTrue(m.body().contains("# TYPE dsrgw_rx_packets_total counter\ndsrgw_rx_packets_total 0.0\n"),
                    m.body());
            assertTrue(m.body().contains("# TYPE dsrgw_config_generation gauge\ndsrgw_config_generation 1.0\n"));
            assertTrue(m.body().contains("dsrgw_config_reload_failures_total 0.0\n"));
            assertTrue(m.body().contains("dsrgw_config_last_reload_successful 1.0\n"), m.body());
            assertTrue(m.body().contains("dsrgw_packets_dropped_total{reason=\"no_backend\"} 0.0\n"));
            assertTrue(m.body().contains("dsrgw_backend_weight{backend=\"10.0.3.10\",vip=\"web\"} "), m.body());
            assertTrue(m.body().contains("dsrgw_backend_tunnel{backend=\"10.0.3.10\",kind=\"ipip\",vip=\"web\"} 1.0\n"),
                    m.body());
            assertTrue(m.body().contains("dsrgw_build_info{java_version=\""), m.body());
            for (io.dsrgw.gateway.dataplane.CounterSet c : io.dsrgw.gateway.dataplane.CounterSet.all()) {
                // No counter is lost in the renaming: drops as a reason, the others under their _total name.
                String expected = c.id().startsWith("drop_")
                        ? "dsrgw_packets_dropped_total{reason=\"" + c.id().substring(5) + "\"} 0.0\n"
                        : "# TYPE " + GatewayPrometheus.counterName(c) + " counter\n";
                assertTrue(m.body().contains(expected), expected + " in\n" + m.body());
            }
            for (String line : m.body().split("\n")) {
                // Every sample of a counter ends in _total; every family has HELP and TYPE (text format 0.0.4).
                assertTrue(line.matches("# (HELP|TYPE) dsrgw_[a-z0-9_]+ .+|dsrgw_[a-z0-9_]+(\\{.*})? \\S+"), line);
            }
            assertTrue(m.body().contains(
                    "dsrgw_backend_state{backend=\"10.0.3.11\",state=\"draining\",vip=\"web\"} 1.0\n"), m.body());
            assertTrue(m.body().contains(
                    "dsrgw_backend_state{backend=\"10.0.3.10\",state=\"draining\",vip=\"web\"} 0.0\n"));
            HttpResponse<String> s = client.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, s.statusCode());
            Map<?, ?> status = (Map<?, ?>) Json.parse(s.body());
            assertEquals(1L, status.get("generation"));
            assertEquals(1L, status.get("backends_draining"));
            Map<?, ?> vip = (Map<?, ?>) ((List<?>) status.get("vip_list")).get(0);
            assertEquals("web", vip.get("name"));
            assertEquals(List.of(80L), vip.get("ports"));
            Map<?, ?> backend = (Map<?, ?>) ((List<?>) vip.get("backends")).get(0);
            assertEquals(0L, backend.get("packets"));
            assertEquals(0L, backend.get("flows"));
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
            assertTrue(page.body().contains("fetch(\"api/status\""), "the page polls /api/status");
            assertTrue(!page.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "no external assets");
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
            assertEquals("no such path /nope (expected: /, /metrics or /api/status)\n", missing.body());
        } finally {
            control.close();
        }
    }

    @Test
    void shouldShowTheKindNoneForL2DsrBackendsAndTheGueKindsInBackendsStatusAndMetrics() throws Exception {
        Path file = dir.resolve("kinds.conf");
        Files.writeString(file, """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2, ipv6 = "fd00:2::2" }
                  hash-seed = "kinds-seed"
                  vips = [
                    { name = l2, address = 10.100.0.1, protocol = tcp, ports = [80], tunnel = none
                      backends = [{ address = 10.0.3.10 }] }
                    { name = l2v6, address = "fd00:100::1", protocol = tcp, ports = [80], tunnel = none
                      backends = [{ address = "fd00:3::11" }] }
                    { name = gue, address = 10.100.0.2, protocol = udp, ports = [53], tunnel = gue
                      backends = [{ address = 10.0.3.12 }, { address = "fd00:3::12" }] }
                  ]
                }
                """);
        // no host check here (that is run's and check-config's): the kinds shown are the config's
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), ProbeRunner.NONE);
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        control.registerMetrics(metrics.registry());
        AdminCommands commands = new AdminCommands(control, metrics.registry(), () -> 0);
        String backends = commands.execute("backends", List.of()).output();
        for (String row : List.of("l2 +10\\.0\\.3\\.10 +none ", "l2v6 +fd00:3::11 +none ",
                "gue +10\\.0\\.3\\.12 +gue ", "gue +fd00:3::12 +gue6 ")) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^" + row).matcher(backends).find(), row + " in\n"
                    + backends);
        }
        try (AdminHttpServer http = AdminHttpServer.start("127.0.0.1:0", commands, control, metrics.registry())) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http.localAddress().getPort();
            String m = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String sample : List.of(
                    "dsrgw_backend_tunnel{backend=\"10.0.3.10\",kind=\"none\",vip=\"l2\"} 1.0\n",
                    "dsrgw_backend_tunnel{backend=\"fd00:3::11\",kind=\"none\",vip=\"l2v6\"} 1.0\n",
                    "dsrgw_backend_tunnel{backend=\"10.0.3.12\",kind=\"gue\",vip=\"gue\"} 1.0\n",
                    "dsrgw_backend_tunnel{backend=\"fd00:3::12\",kind=\"gue6\",vip=\"gue\"} 1.0\n")) {
                assertTrue(m.contains(sample), sample + " in\n" + m);
            }
            String s = client.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Map<?, ?> l2 = (Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) Json.parse(s)).get("vip_list"))
                    .get(0)).get("backends")).get(0);
            assertEquals("none", l2.get("tunnel"), s);
        }
    }

    @Test
    void shouldRefuseNonLoopbackAddresses() {
        IOException e = assertThrows(IOException.class, () -> AdminHttpServer.loopbackAddress("0.0.0.0:9180"));
        assertEquals("admin.http: 0.0.0.0:9180 is not a loopback address (expected: " + AdminHttpAddress.RULE + ")",
                e.getMessage());
        assertThrows(IOException.class, () -> AdminHttpServer.loopbackAddress("localhost:9180"));
        assertEquals(9180, assertDoesNotThrowPort("[::1]:9180"));
    }

    private static int assertDoesNotThrowPort(String s) {
        try {
            return AdminHttpServer.loopbackAddress(s).getPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
