package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendState;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.dataplane.FlowSteering;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeResult;
import io.dsrgw.gateway.health.ProbeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayControlTest {
    private static final long S = 1_000_000_000L;
    private static final String HEAD = """
            dsrgw.gateway {
              tunnel-source { ipv4 = 10.0.2.2 }
              hash-seed = "reload-seed"
              vips = [
            """;
    private static final String DNS = """
                { name = dns, address = 10.100.0.2, protocol = udp, ports = [53]
                  backends = [{ address = 10.0.3.20 }, { address = 10.0.3.21 }] }
            """;
    private static final String HEALTH = "health-check { type = tcp, port = 80, interval = 1s, timeout = 500ms, "
            + "rise = 2, fall = 2 }";

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(1000 * S);
    private final HealthState health = new HealthState();
    private final List<Map<BackendKey, ProbeSpec>> probeRuns = new ArrayList<>();
    private GatewayControl control;
    private Path file;

    private static String web(String backends) {
        return "    { name = web, address = 10.100.0.1, protocol = tcp, ports = [80]\n      " + HEALTH
                + "\n      backends = [" + backends + "] }\n";
    }

    private static String config(String... vips) {
        return HEAD + String.join("", vips) + "  ]\n}\n";
    }

    private void write(String text) throws IOException {
        // Atomically, as an editor or config management would: write a temporary file, rename it over.
        Path tmp = dir.resolve("gateway.conf.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private GatewayControl start(String text, Duration grace) throws Exception {
        file = dir.resolve("gateway.conf");
        write(text);
        control = new GatewayControl(file, ConfigLoader.loadGateway(file), grace, clock::get, health,
                (wanted, up) -> probeRuns.add(wanted));
        return control;
    }

    @AfterEach
    void close() {
        if (control != null) {
            control.close();
        }
    }

    private static int vip(ForwardingSnapshot s, String name) {
        for (int v = 0; v < s.vipCount(); v++) {
            if (s.vipName(v).equals(name)) {
                return v;
            }
        }
        return ForwardingSnapshot.NONE;
    }

    private static int backend(ForwardingSnapshot s, String address) {
        for (int b = 0; b < s.backendCount(); b++) {
            if (s.backendIdentity(b).equals(address)) {
                return b;
            }
        }
        return ForwardingSnapshot.NONE;
    }

    /** Issue 13: SIGTERM right after start closed the control while probes still reported. */
    @Test
    void shouldIgnoreAHealthChangeReportedAfterClose() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }")), Duration.ZERO).start();
        control.close();
        BackendKey key = new BackendKey("web", "10.0.3.10");
        health.track(key, 1, 1, true);
        // Was: NullPointerException from the listener on the prober's thread (here: the caller's).
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> health.record(key, ProbeResult.FAILURE,
                "connect: Connection refused"));
        assertEquals(Health.DOWN, health.health(key));
    }

    @Test
    void shouldProbeEachBackendWithItsOwnHealthCheckWhenItHasOne() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11, health-check { type = https, port = 8443, "
                + "path = \"/live\", expected-status = [204] } }")), Duration.ZERO);
        Map<BackendKey, ProbeSpec> probes = probeRuns.getLast();
        ProbeSpec vipCheck = probes.get(new BackendKey("web", "10.0.3.10"));
        ProbeSpec own = probes.get(new BackendKey("web", "10.0.3.11"));
        assertEquals(ProbeSpec.Kind.TCP, vipCheck.kind());
        assertEquals(80, vipCheck.target().getPort());
        assertEquals(ProbeSpec.Kind.HTTPS, own.kind());
        assertEquals(8443, own.target().getPort());
        assertEquals("/live", own.path());
        assertEquals(List.of(204, 204), own.expectedStatus());
    }

    @Test
    void shouldForwardAVipWithoutFlowTableStatelessly() throws Exception {
        start(config(web("{ address = 10.0.3.10 }"), DNS.replace("ports = [53]", "ports = [53], flow-table = false")),
                Duration.ZERO);
        ForwardingSnapshot s = control.holder().get();
        assertFalse(s.vipStateless(vip(s, "web")));
        assertTrue(s.vipStateless(vip(s, "dns")));
    }

    @Test
    void shouldProbeThroughTheTunnelWhenTheVipAsksForIt() throws Exception {
        start(config(web("{ address = 10.0.3.10 }")), Duration.ZERO);
        write(config(web("{ address = 10.0.3.10 }").replace("type = tcp", "type = tunnel")));
        ReloadResult r = control.reload();
        assertTrue(r.applied(), r.summary());
        assertEquals(ProbeSpec.Kind.TUNNEL, probeRuns.getLast().get(new BackendKey("web", "10.0.3.10")).kind());
    }

    @Test
    void shouldApplyAValidReloadAndRebuildMaglevOnlyForTheChangedVip() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }"), DNS), Duration.ofSeconds(30));
        ForwardingSnapshot first = control.holder().get();
        assertEquals(1, first.generation());
        long built = control.context().maglevCache().builds();
        assertEquals(2, built);
        write(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }, { address = 10.0.3.12 }"), DNS));
        ReloadResult r = control.reload();
        assertTrue(r.applied(), r.summary());
        assertEquals(List.of("web"), r.diff().changed());
        ForwardingSnapshot second = control.holder().get();
        assertEquals(2, second.generation());
        assertEquals(built + 1, control.context().maglevCache().builds(), "only web's table is rebuilt");
        assertSame(first.maglev(vip(first, "dns")), second.maglev(vip(second, "dns")));
        // The new backend is health-checked and starts down until it has passed rise (2) checks.
        assertEquals(BackendState.DOWN, second.backendState(backend(second, "10.0.3.12")));
        assertEquals(3, probeRuns.getLast().size());
        assertEquals("reloaded (generation 2): vips added [], removed [], changed [web]; settings changed []",
                r.summary());
    }

    @Test
    void shouldKeepTheRunningConfigAndCountTheFailureOnAnInvalidFile() throws Exception {
        start(config(web("{ address = 10.0.3.10 }"), DNS), Duration.ofSeconds(30));
        ForwardingSnapshot before = control.holder().get();
        write(config(web("{ address = 10.0.3.300 }"), DNS).replace("hash-seed", "hash-sed"));
        ReloadResult r = control.reload();
        assertFalse(r.applied());
        assertEquals(1, control.reloadFailures());
        assertSame(before, control.holder().get(), "nothing changes");
        assertTrue(r.errors().size() >= 2, r.errors().toString());
        for (String e : r.errors()) {
            assertTrue(e.startsWith(file.toString() + ":") || e.startsWith(file.getFileName() + ":")
                    || e.contains("gateway.conf:"), "every error names file:line: " + e);
        }
        assertTrue(r.errors().stream().anyMatch(e -> e.contains("10.0.3.300")), r.errors().toString());
        assertTrue(r.errors().stream().anyMatch(e -> e.matches(".*gateway\\.conf:\\d+.*")), r.errors().toString());
        // A syntax error and a missing file are rejected the same way.
        write("dsrgw.gateway { vips = [ ");
        assertFalse(control.reload().applied());
        Files.delete(file);
        assertFalse(control.reload().applied());
        assertEquals(3, control.reloadFailures());
        assertSame(before, control.holder().get());
    }

    @Test
    void shouldKeepTheRunningConfigWhenAReloadThrowsAnError() throws Exception {
        // issue 14: reload caught only ConfigException, so an Error (a StackOverflowError from a hostile file, an
        // OutOfMemoryError while building) escaped it and stopped the control thread
        start(config(web("{ address = 10.0.3.10 }"), DNS), Duration.ofSeconds(30));
        ForwardingSnapshot before = control.holder().get();
        GatewayConfig running = control.running();
        write(config(web("{ address = 10.0.3.11 }"), DNS));
        for (Error error : List.of(new StackOverflowError(), new OutOfMemoryError("Java heap space"))) {
            control.configSource(f -> {
                throw error;
            });
            ReloadResult r = control.reload();
            assertFalse(r.applied(), error.toString());
            assertEquals(List.of(file + ": reload failed: " + error + " (the running config is kept)"), r.errors());
            assertSame(before, control.holder().get(), "nothing changes");
            assertSame(running, control.running());
        }
        assertEquals(2, control.reloadFailures());
        control.configSource(ConfigLoader::loadGateway);
        assertTrue(control.reload().applied(), "the next good file is applied");
    }

    @Test
    void shouldRejectADeeplyNestedFileWithItsLineAndKeepRunning() throws Exception {
        start(config(web("{ address = 10.0.3.10 }"), DNS), Duration.ofSeconds(30));
        ForwardingSnapshot before = control.holder().get();
        write("dsrgw.gateway {\n  x = " + "{ y = ".repeat(5000) + "1" + " }".repeat(5000) + "\n}\n");
        ReloadResult r = control.reload();
        assertFalse(r.applied());
        assertEquals(List.of(file + ":2: { or [ nested 65 deep (expected: at most 64 nested objects and lists)"),
                r.errors());
        assertSame(before, control.holder().get());
    }

    @Test
    void shouldDrainARemovedBackendForTheGracePeriodThenRehashItsFlows() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }")), Duration.ofSeconds(30));
        FlowSteering steering = new FlowSteering(new FlowTable(1 << 12, FlowTimeouts.DEFAULT));
        int[] before = route(steering, control.holder().get(), clock.get());
        int onRemoved = 0;
        for (int b : before) {
            onRemoved += b == Ipv4Addresses.parse("10.0.3.11") ? 1 : 0;
        }
        assertTrue(onRemoved > 200, "about half of 1000 flows: " + onRemoved);
        write(config(web("{ address = 10.0.3.10 }")));
        assertTrue(control.reload().applied());
        ForwardingSnapshot draining = control.holder().get();
        int removed = backend(draining, "10.0.3.11");
        assertEquals(BackendState.DRAINING, draining.backendState(removed), "still there, draining");
        assertEquals(1, control.draining().size());
        clock.addAndGet(29 * S);
        control.expireDrains();
        assertSame(draining, control.holder().get(), "not yet");
        int[] during = route(steering, draining, clock.get());
        assertEquals(0, steering.table().get(FlowTable.Counter.EVICTIONS), "table big enough");
        assertArrayEquals(before, during, "open flows stay on the draining backend");
        clock.addAndGet(2 * S);
        control.expireDrains();
        ForwardingSnapshot after = control.holder().get();
        assertEquals(ForwardingSnapshot.NONE, backend(after, "10.0.3.11"));
        assertTrue(control.draining().isEmpty());
        int[] moved = route(steering, after, clock.get());
        for (int i = 0; i < moved.length; i++) {
            assertEquals(Ipv4Addresses.parse("10.0.3.10"), moved[i], "flow " + i);
        }
    }

    @Test
    void shouldDrainAWholeRemovedVipAndRemoveAtOnceWithZeroGrace() throws Exception {
        start(config(web("{ address = 10.0.3.10 }"), DNS), Duration.ofSeconds(10));
        write(config(web("{ address = 10.0.3.10 }")));
        assertTrue(control.reload().applied());
        ForwardingSnapshot s = control.holder().get();
        int dns = vip(s, "dns");
        assertTrue(dns != ForwardingSnapshot.NONE, "the removed VIP serves its open flows during the grace");
        assertTrue(s.maglev(dns).isEmpty(), "but takes no new flows");
        clock.addAndGet(11 * S);
        control.expireDrains();
        assertEquals(ForwardingSnapshot.NONE, vip(control.holder().get(), "dns"));

        control.close();
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }")), Duration.ZERO);
        write(config(web("{ address = 10.0.3.10 }")));
        assertTrue(control.reload().applied());
        assertEquals(ForwardingSnapshot.NONE, backend(control.holder().get(), "10.0.3.11"));
    }

    @Test
    void shouldKeepHealthStateAcrossAReloadAndRebuildOnAHealthChange() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }"), DNS), Duration.ofSeconds(30));
        BackendKey key = new BackendKey("web", "10.0.3.11");
        long builds = control.context().maglevCache().builds();
        health.record(key, ProbeResult.FAILURE, "refused");
        health.record(key, ProbeResult.FAILURE, "refused");
        assertEquals(Health.DOWN, health.health(key));
        control.healthChanged("web");
        ForwardingSnapshot s = control.holder().get();
        assertEquals(BackendState.DOWN, s.backendState(backend(s, "10.0.3.11")));
        assertEquals(builds + 1, control.context().maglevCache().builds(), "only web's table");
        // A reload that changes another VIP keeps the down backend down (no reset to up).
        write(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }"),
                DNS.replace("{ address = 10.0.3.21 }", "{ address = 10.0.3.21, weight = 50 }")));
        ReloadResult r = control.reload();
        assertEquals(List.of("dns"), r.diff().changed());
        ForwardingSnapshot after = control.holder().get();
        assertNotSame(s, after);
        assertEquals(BackendState.DOWN, after.backendState(backend(after, "10.0.3.11")));
        assertEquals(Health.DOWN, health.health(key));
        // An unchanged file is a successful no-op.
        ReloadResult same = control.reload();
        assertTrue(same.applied());
        assertTrue(same.diff().isEmpty());
        assertSame(after, control.holder().get());
    }

    @Test
    void shouldTakeOutABackendThatWentDownBeforeTheControlThreadStarted() throws Exception {
        start(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }")), Duration.ZERO);
        BackendKey key = new BackendKey("web", "10.0.3.11");
        // fall = 2: two failures while startup is still creating the TUN (no listener yet).
        health.record(key, ProbeResult.FAILURE, "connect: refused");
        health.record(key, ProbeResult.FAILURE, "connect: refused");
        assertEquals(BackendState.ACTIVE, control.holder().get().backendState(backend(control.holder().get(),
                "10.0.3.11")));
        control.start();
        await(() -> control.holder().get().backendState(backend(control.holder().get(), "10.0.3.11"))
                == BackendState.DOWN, "start");
    }

    @Test
    void shouldReloadWhenTheFileIsReplacedAndOnSighup() throws Exception {
        start(config(web("{ address = 10.0.3.10 }")), Duration.ofSeconds(30));
        control.start();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, control)) {
            write(config(web("{ address = 10.0.3.10 }, { address = 10.0.3.11 }")));
            await(() -> control.holder().get().generation() == 2, "file change");
        }
        assertTrue(SighupReload.install(control));
        Files.writeString(file, config(web("{ address = 10.0.3.10 }, { address = 10.0.3.12 }")));
        Signal.raise(new Signal("HUP"));
        await(() -> backend(control.holder().get(), "10.0.3.12") != ForwardingSnapshot.NONE, "SIGHUP");
        assertEquals(2, control.reloads());
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + 5 * S;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no reload within 5 s after " + what);
            }
            Thread.sleep(20);
        }
    }

    private static int[] route(FlowSteering steering, ForwardingSnapshot s, long nowNs) {
        int[] out = new int[1000];
        for (int i = 0; i < out.length; i++) {
            FlowKey k = new FlowKey().setIpv4(0x0b000000 + i, Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP,
                    2000 + i, 80, false);
            int b = steering.backendFor(s, 0, k, s.flowHash().hash(k), FlowSteering.TCP_ACK, nowNs);
            out[i] = b == ForwardingSnapshot.NONE ? 0 : s.backendIpv4(b);
        }
        return out;
    }
}
