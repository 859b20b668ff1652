package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.announce.Announcer;
import io.dsrgw.gateway.announce.RouteTable;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.health.HealthState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 on the admin surfaces: drain-gateway / undrain-gateway, announced state in status, JSON and metrics. */
class AdminAnnounceTest {
    @TempDir
    Path dir;
    private GatewayControl control;
    private final List<String> commands = new ArrayList<>();

    @AfterEach
    void close() {
        if (control != null) {
            control.close();
        }
    }

    private AdminCommands start(String announce) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "dsrgw.gateway {\n tunnel-source { ipv4 = 10.0.2.2 }\n hash-seed = \"s\"\n " + announce
                + "\n vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80],\n"
                + "   backends = [{ address = 10.0.3.10 }] },\n"
                + "  { name = empty, address = 10.100.0.2, protocol = tcp, ports = [80], backends = [] }]\n}\n");
        control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO, System::nanoTime,
                new HealthState(), ProbeRunner.NONE);
        Announcer a = new Announcer(new RouteTable() {
            @Override
            public void replace(long table, String prefix, String device) {
                commands.add("replace " + table + " " + prefix);
            }

            @Override
            public void delete(long table, String prefix, String device) {
                commands.add("delete " + table + " " + prefix);
            }
        }, "dsr0", System::nanoTime);
        a.update(control.holder().get(), control.running());
        a.ready();
        return new AdminCommands(control, new MetricRegistry(), () -> 1000).announcer(a);
    }

    @Test
    void shouldDrainAndUndrainTheWholeGatewayAndShowItInTheStatus() throws Exception {
        AdminCommands admin = start("announce.table = 200");
        String status = admin.execute("status", List.of()).output();
        assertTrue(status.contains("\nannounce announcing\nannounce_table 200\nannounce_routes 1\n"), status);
        assertTrue(status.contains("\nannounce.web announced\nannounce.empty withdrawn: no backend in rotation\n"),
                status);
        AdminReply drained = admin.execute("drain-gateway", List.of());
        assertEquals("gateway drained: withdrew 1 route(s) from table 200; forwarding continues for traffic that "
                + "still arrives\n", drained.output());
        assertEquals(List.of("replace 200 10.100.0.1/32", "delete 200 10.100.0.1/32"), commands);
        status = admin.execute("status", List.of()).output();
        assertTrue(status.contains("\nannounce drained\n"), status);
        assertTrue(status.contains("\nannounce.web withdrawn: gateway drained\n"), status);
        assertEquals("gateway undrained: announced 1 route(s) in table 200\n",
                admin.execute("undrain-gateway", List.of()).output());
        assertEquals("undrain-gateway: 1 argument(s) (expected: none)",
                admin.execute("undrain-gateway", List.of("x")).error());
    }

    @Test
    void shouldPutTheAnnouncedStateOfEachVipIntoTheJsonStatusAndTheMetrics() throws Exception {
        AdminCommands admin = start("announce.table = 200");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> vips = (List<Map<String, Object>>) admin.statusTree().get("vip_list");
        assertEquals(true, vips.get(0).get("announced"));
        assertEquals("announced", vips.get(0).get("announce_reason"));
        assertEquals(false, vips.get(1).get("announced"));
        assertEquals("no backend in rotation", vips.get(1).get("announce_reason"));
        String metrics = admin.announceMetrics();
        assertTrue(metrics.contains("dsrgw_vip_announced{vip=\"empty\",address=\"10.100.0.2\"} 0\n"), metrics);
    }

    @Test
    void shouldRefuseToDrainAGatewayThatAnnouncesNothing() throws Exception {
        AdminCommands admin = start("");
        AdminReply r = admin.execute("drain-gateway", List.of());
        assertFalse(r.ok());
        assertTrue(r.error().startsWith("drain-gateway: announcing is off (expected: announce.table set"), r.error());
        assertTrue(admin.execute("status", List.of()).output().contains("\nannounce off\n"));
        AdminCommands none = new AdminCommands(control, new MetricRegistry(), () -> 1000);
        assertEquals("drain-gateway: announcing is off (expected: announce.table set in the gateway config)",
                none.execute("drain-gateway", List.of()).error());
        assertEquals("", none.announceMetrics());
    }
}
