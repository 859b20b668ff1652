package io.dsrgw.gateway.announce;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The announcer against a real control plane (snapshots from config, health and reloads) with a recording route
 * table and a stepped clock: no kernel, no sleeping.
 */
class AnnouncerTest {
    private static final long S = 1_000_000_000L;
    private static final String HEALTH = "health-check { type = tcp, port = 80, interval = 1s, timeout = 500ms, "
            + "rise = 2, fall = 2 }";

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(1000 * S);
    private final HealthState health = new HealthState();
    private final Recorder table = new Recorder();
    private final Announcer announcer = new Announcer(table, "dsr0", clock::get);
    private GatewayControl control;
    private Path file;

    /** Records commands as "replace 200 10.100.0.1/32 dsr0"; keeps what a kernel table would hold; can fail. */
    static final class Recorder implements RouteTable {
        final List<String> commands = new ArrayList<>();
        final Set<String> routes = new HashSet<>();
        String failWith;

        @Override
        public void replace(long t, String prefix, String device) throws IOException {
            record("replace", t, prefix, device);
            routes.add(t + " " + prefix + " " + device);
        }

        @Override
        public void delete(long t, String prefix, String device) throws IOException {
            record("delete", t, prefix, device);
            routes.remove(t + " " + prefix + " " + device);
        }

        private void record(String op, long t, String prefix, String device) throws IOException {
            String c = op + " " + t + " " + prefix + " " + device;
            if (failWith != null) {
                throw new IOException(c + ": " + failWith);
            }
            commands.add(c);
        }

        List<String> take() {
            List<String> out = List.copyOf(commands);
            commands.clear();
            return out;
        }
    }

    private static String config(String announce, String vips) {
        return "dsrgw.gateway {\n  tunnel-source { ipv4 = 10.0.2.2, ipv6 = \"fd00:2::2\" }\n  hash-seed = \"s\"\n  "
                + announce + "\n  vips = [\n" + vips + "  ]\n}\n";
    }

    private static String web(String extra, String backends) {
        return "    { name = web, address = 10.100.0.1, protocol = tcp, ports = [80], " + HEALTH + extra
                + "\n      backends = [" + backends + "] }\n";
    }

    private static final String WEB6 = "    { name = web6, address = \"2001:db8::1\", protocol = tcp, ports = [80]\n"
            + "      backends = [{ address = 10.0.3.20 }] }\n";
    private static final String DNS = "    { name = dns, address = 10.100.0.1, protocol = udp, ports = [53]\n"
            + "      backends = [{ address = 10.0.3.30 }] }\n";

    private void start(String text) throws Exception {
        file = dir.resolve("gateway.conf");
        Files.writeString(file, text);
        control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO, clock::get, health,
                (wanted, up) -> { });
        // As RunCommand wires it: every published snapshot, with the running config, then the first one.
        control.onSnapshot(s -> announcer.update(s, control.running()));
        announcer.update(control.holder().get(), control.running());
    }

    private void fail(String vip, String backend) {
        BackendKey key = new BackendKey(vip, backend);
        health.record(key, ProbeResult.FAILURE, "refused");
        health.record(key, ProbeResult.FAILURE, "refused");
        control.healthChanged(vip);
    }

    private void recover(String vip, String backend) {
        BackendKey key = new BackendKey(vip, backend);
        health.record(key, ProbeResult.SUCCESS, "ok");
        control.healthChanged(vip);
    }

    private Announcer.VipStatus status(String vip) {
        return announcer.vips().stream().filter(v -> v.vip().equals(vip)).findFirst().orElseThrow();
    }

    @AfterEach
    void close() {
        if (control != null) {
            control.close();
        }
    }

    @Test
    void shouldAnnounceNothingUntilTheDataPlaneIsReadyThenOneRoutePerAddress() throws Exception {
        start(config("announce.table = 200", web("", "{ address = 10.0.3.10 }") + WEB6 + DNS));
        assertEquals(List.of(), table.take());
        assertEquals("starting", announcer.state());
        assertEquals(Announcer.Reason.STARTING, status("web").reason());
        announcer.ready();
        assertEquals(List.of("replace 200 10.100.0.1/32 dsr0", "replace 200 2001:db8::1/128 dsr0"), table.take(),
                "web and dns share 10.100.0.1: one route");
        assertEquals("announcing", announcer.state());
        assertTrue(status("web").announced());
        assertEquals("announced", status("web6").text());
        assertEquals(2, announcer.routeCount());
    }

    @Test
    void shouldWithdrawAVipWhoseLastBackendGoesDownAndAnnounceItAgainAfterRise() throws Exception {
        start(config("announce.table = 200", web("", "{ address = 10.0.3.10 }, { address = 10.0.3.11 }")));
        announcer.ready();
        table.take();
        fail("web", "10.0.3.10");
        assertEquals(List.of(), table.take(), "one backend is still in rotation");
        fail("web", "10.0.3.11");
        assertEquals(List.of("delete 200 10.100.0.1/32 dsr0"), table.take());
        assertFalse(status("web").announced());
        assertEquals("no backend in rotation", status("web").text());
        recover("web", "10.0.3.11");
        assertEquals(List.of(), table.take(), "rise = 2: one success is not enough");
        recover("web", "10.0.3.11");
        assertEquals(List.of("replace 200 10.100.0.1/32 dsr0"), table.take());
        assertTrue(status("web").announced());
    }

    @Test
    void shouldKeepASharedAddressAnnouncedWhileAnyOfItsVipsHasABackend() throws Exception {
        start(config("announce.table = 200", web("", "{ address = 10.0.3.10 }") + DNS));
        announcer.ready();
        table.take();
        fail("web", "10.0.3.10");
        assertEquals(List.of(), table.take(), "dns still answers on 10.100.0.1");
        assertTrue(status("web").announced());
        assertEquals("announced (this VIP has no backend in rotation; the address stays announced for VIP dns)",
                status("web").text());
    }

    @Test
    void shouldNeverAnnounceAVipWithAnnounceFalseOrWithoutATable() throws Exception {
        start(config("announce.table = 200", web(", announce = false", "{ address = 10.0.3.10 }") + WEB6));
        announcer.ready();
        assertEquals(List.of("replace 200 2001:db8::1/128 dsr0"), table.take());
        assertEquals("announce = false", status("web").text());
        Files.writeString(file, config("", web("", "{ address = 10.0.3.10 }") + WEB6));
        assertTrue(control.reload().applied());
        assertEquals(List.of("delete 200 2001:db8::1/128 dsr0"), table.take(), "announce.table removed: all go");
        assertEquals("off", announcer.state());
        assertEquals("announce.table not set", status("web6").text());
        IllegalStateException e = assertThrows(IllegalStateException.class, announcer::drain);
        assertTrue(e.getMessage().startsWith("drain-gateway: announcing is off (expected: announce.table set"),
                e.getMessage());
    }

    @Test
    void shouldMoveTheRoutesWhenAReloadChangesTheTable() throws Exception {
        start(config("announce.table = 200", WEB6));
        announcer.ready();
        table.take();
        Files.writeString(file, config("announce.table = 201", WEB6));
        assertTrue(control.reload().applied());
        assertEquals(List.of("delete 200 2001:db8::1/128 dsr0", "replace 201 2001:db8::1/128 dsr0"), table.take());
        assertEquals(Set.of("201 2001:db8::1/128 dsr0"), table.routes);
    }

    @Test
    void shouldWithdrawEverythingWhileDrainedWhateverTheSnapshotsSay() throws Exception {
        start(config("announce.table = 200", web("", "{ address = 10.0.3.10 }") + WEB6));
        announcer.ready();
        table.take();
        assertEquals(2, announcer.drain());
        assertEquals(Set.of(), table.routes);
        assertEquals("drained", announcer.state());
        assertEquals("gateway drained", status("web6").text());
        fail("web", "10.0.3.10");
        recover("web", "10.0.3.10");
        recover("web", "10.0.3.10");
        assertEquals(List.of("delete 200 10.100.0.1/32 dsr0", "delete 200 2001:db8::1/128 dsr0"), table.take(),
                "health changes while drained announce nothing");
        assertEquals(2, announcer.undrain());
        assertEquals(2, table.routes.size());
    }

    @Test
    void shouldWithdrawFirstOnStopAndKeepForwardingForTheGrace() throws Exception {
        start(config("announce { table = 200, withdraw-grace = 5s }", WEB6));
        announcer.ready();
        table.take();
        assertEquals(5 * S, announcer.stop());
        assertEquals(List.of("delete 200 2001:db8::1/128 dsr0"), table.take());
        assertEquals("stopping", status("web6").text());
        control.healthChanged("web6");
        assertEquals(List.of(), table.take(), "a stopping gateway announces nothing again");
        assertThrows(IllegalStateException.class, announcer::undrain);
    }

    @Test
    void shouldShortenTheGraceByTheTimeTheRoutesWereAlreadyWithdrawn() throws Exception {
        start(config("announce { table = 200, withdraw-grace = 5s }", WEB6));
        announcer.ready();
        announcer.drain();
        clock.addAndGet(3 * S);
        assertEquals(2 * S, announcer.stop(), "drained 3 s before the stop: 2 s of the grace remain");
        clock.addAndGet(10 * S);
        assertEquals(0, announcer.stop());
    }

    @Test
    void shouldNotWaitWhenNothingWasEverAnnounced() throws Exception {
        start(config("announce { table = 200, withdraw-grace = 5s }", WEB6));
        assertEquals(0, announcer.stop(), "stopped before ready: the routers never sent traffic here");
        Announcer off = new Announcer(table, "dsr0", clock::get);
        off.update(control.holder().get(), ConfigLoader.parseGateway(config("", WEB6), "t.conf"));
        off.ready();
        assertEquals(0, off.stop());
        assertEquals(List.of(), table.take());
    }

    @Test
    void shouldReportAFailedRouteAndRetryIt() throws Exception {
        start(config("announce.table = 200", WEB6));
        table.failWith = "exit 2: Error: Nexthop device is not up.";
        announcer.ready();
        assertFalse(status("web6").announced());
        assertEquals("route error: replace 200 2001:db8::1/128 dsr0: exit 2: Error: Nexthop device is not up.",
                status("web6").text());
        announcer.retry();
        assertEquals(Announcer.Reason.ROUTE_ERROR, status("web6").reason());
        table.failWith = null;
        announcer.retry();
        assertEquals(List.of("replace 200 2001:db8::1/128 dsr0"), table.take());
        assertEquals("announced", status("web6").text());
        announcer.retry();
        assertEquals(List.of(), table.take(), "nothing failed: nothing to retry");
    }

    @Test
    void shouldKeepAFailedWithdrawalAsAnnouncedAndWaitTheWholeGrace() throws Exception {
        start(config("announce { table = 200, withdraw-grace = 5s }", WEB6));
        announcer.ready();
        table.failWith = "exit 2: RTNETLINK answers: Operation not permitted";
        assertEquals(5 * S, announcer.stop());
        assertTrue(status("web6").announced());
        assertEquals(Announcer.Reason.ROUTE_ERROR, status("web6").reason());
        assertTrue(status("web6").text().startsWith("route error: withdraw failed: delete 200"), status("web6").text());
    }

    @Test
    void shouldExposeAnnouncementsAsPrometheusGauges() throws Exception {
        start(config("announce.table = 200", web("", "{ address = 10.0.3.10 }") + WEB6));
        announcer.ready();
        fail("web", "10.0.3.10");
        String text = announcer.prometheus();
        assertTrue(text.contains("dsrgw_vip_announced{vip=\"web\",address=\"10.100.0.1\"} 0\n"), text);
        assertTrue(text.contains("dsrgw_vip_announced{vip=\"web6\",address=\"2001:db8::1\"} 1\n"), text);
        assertTrue(text.contains("dsrgw_vip_announce_reason{vip=\"web\",reason=\"no_backend\"} 1\n"), text);
        assertTrue(text.contains("dsrgw_vip_announce_reason{vip=\"web\",reason=\"announced\"} 0\n"), text);
        assertTrue(text.contains("dsrgw_announce_routes 1\n"), text);
        assertTrue(text.contains("dsrgw_gateway_drained 0\n"), text);
    }

    @Test
    void shouldBuildTheIpCommandsForBothFamilies() {
        assertEquals(List.of("ip", "route", "replace", "10.100.0.1/32", "dev", "dsr0", "table", "200", "proto",
                "static"), IpRouteTable.command(null, "replace", 200, "10.100.0.1/32", "dsr0"));
        assertEquals(List.of("ip", "-6", "route", "del", "2001:db8::1/128", "dev", "dsr0", "table", "4294967295",
                "proto", "static"), IpRouteTable.command(null, "del", 4294967295L, "2001:db8::1/128", "dsr0"));
        assertTrue(IpRouteTable.isNoSuchRoute("RTNETLINK answers: No such process"));
        assertFalse(IpRouteTable.isNoSuchRoute("RTNETLINK answers: Operation not permitted"));
    }
}
