package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.UnixSocketPaths;
import io.dsrgw.gateway.cli.DsrctlMain;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeResult;
import io.dsrgw.gateway.metrics.FlowTableMetrics;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dsrctl against a real admin socket in a temporary directory, served from a GatewayControl of a test config. */
class AdminSocketTest {
    private static final String WEB = """
                { name = web, address = 10.100.0.1, protocol = tcp, ports = [80, 443]
                  backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11, weight = 50 }] }
            """;

    @TempDir
    Path dir;
    private Path file;
    private Path socket;
    private GatewayControl control;
    private AdminSocketServer server;
    private final HealthState health = new HealthState();

    private static String config(String dnsBackends) {
        return """
                dsrgw.gateway {
                  tunnel-source { ipv4 = 10.0.2.2 }
                  hash-seed = "admin-seed"
                  vips = [
                """ + WEB + """
                    { name = dns, address = 10.100.0.2, protocol = udp, ports = [53]
                      backends = [""" + dnsBackends + "] }\n  ]\n}\n";
    }

    private void write(String text) throws IOException {
        Path tmp = dir.resolve("gateway.conf.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @BeforeEach
    void start() throws Exception {
        file = dir.resolve("gateway.conf");
        write(config("{ address = 10.0.3.20 }, { address = 10.0.3.21 }"));
        control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO, System::nanoTime,
                health, ProbeRunner.NONE);
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        new FlowTableMetrics(metrics.registry());
        control.registerMetrics(metrics.registry());
        socket = dir.resolve("run/gateway.sock");
        server = AdminSocketServer.start(socket, new AdminCommands(control, metrics.registry(), () -> 42_000));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        control.close();
    }

    /** Exit code, stdout, stderr of one dsrctl run. */
    private record Run(int exit, String out, String err) {
    }

    private Run dsrctl(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = socket.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return dsrctlRaw(all);
    }

    private static Run dsrctlRaw(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DsrctlMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), null);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldCreateTheSocketWithMode0660() throws IOException {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void shouldPrintStatusAsNameValueLines() {
        Run r = dsrctl("status");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("state running\ngeneration 1\nuptime_s 42\nconfig " + file + "\nvips 2\n"
                + "backends 4\nbackends_active 4\nbackends_draining 0\nbackends_down 0\noverrides 0\nreloads 0\n"
                + "reload_failures 0\nrx_packets 0\ntx_packets 0\n"), r.out());
    }

    @Test
    void shouldListVipsAndBackendsAsTables() {
        Run vips = dsrctl("vips");
        assertEquals(0, vips.exit(), vips.err());
        assertEquals("""
                NAME  ADDRESS     PROTO  PORTS   FLOW-TABLE  ACTIVE/TOTAL
                web   10.100.0.1  tcp    80,443  on          2/2
                dns   10.100.0.2  udp    53      on          2/2
                """, vips.out());
        Run backends = dsrctl("backends");
        assertEquals(0, backends.exit(), backends.err());
        assertEquals("""
                VIP  BACKEND    TUNNEL  WEIGHT  STATE   HEALTH     OVERRIDE  FLOWS  REASON
                web  10.0.3.10  ipip    100     active  unchecked  -         -      -
                web  10.0.3.11  ipip    50      active  unchecked  -         -      -
                dns  10.0.3.20  ipip    100     active  unchecked  -         -      -
                dns  10.0.3.21  ipip    100     active  unchecked  -         -      -
                """, backends.out());
    }

    @Test
    void shouldDrainSoThatNoNewFlowGoesToTheBackendAndUndrainAgain() {
        Run drain = dsrctl("drain", "web", "10.0.3.10");
        assertEquals(0, drain.exit(), drain.err());
        assertEquals("web 10.0.3.10: override drained (generation 2)\n", drain.out());
        assertTrue(dsrctl("backends").out().contains("web  10.0.3.10  ipip    100     draining  unchecked  drained "));
        Set<String> chosen = new HashSet<>();
        for (int port = 40000; port < 40200; port++) {
            Run e = dsrctl("explain", "tcp", "192.0.2.7:" + port, "10.100.0.1:80");
            assertEquals(0, e.exit(), e.err());
            chosen.add(e.out().lines().filter(l -> l.startsWith("backend ")).findFirst().orElseThrow());
        }
        assertEquals(Set.of("backend 10.0.3.11"), chosen);
        Run undrain = dsrctl("undrain", "web", "10.0.3.10");
        assertEquals("web 10.0.3.10: override none (generation 3)\n", undrain.out());
        assertTrue(dsrctl("backends").out().contains("web  10.0.3.10  ipip    100     active  unchecked  - "));
    }

    @Test
    void shouldOverrideTheWeightAndTreatZeroAsDraining() {
        Run w = dsrctl("weight", "web", "10.0.3.11", "0");
        assertEquals(0, w.exit(), w.err());
        assertEquals("web 10.0.3.11: override weight 0 (generation 2)\n", w.out());
        String backends = dsrctl("backends").out();
        assertTrue(backends.contains("web  10.0.3.11  ipip    0       draining  unchecked  weight=0 "), backends);
        Run bad = dsrctl("weight", "web", "10.0.3.11", "70000");
        assertEquals(1, bad.exit());
        // The command's name once (the gateway's message already starts with it), not "weight: weight: ...".
        assertEquals("dsrctl: weight: 70000 (expected: 0..65535)\n", bad.err());
    }

    @Test
    void shouldKeepOverridesAcrossReloadsWhileTheBackendStaysConfigured() throws IOException {
        dsrctl("drain", "web", "10.0.3.10");
        dsrctl("weight", "dns", "10.0.3.21", "7");
        write(config("{ address = 10.0.3.20 }, { address = 10.0.3.22 }"));
        Run reload = dsrctl("reload");
        assertEquals(0, reload.exit(), reload.err());
        assertTrue(reload.out().startsWith("reloaded (generation 4): "), reload.out());
        String backends = dsrctl("backends").out();
        assertTrue(backends.contains("web  10.0.3.10  ipip    100     draining  unchecked  drained "), backends);
        assertFalse(backends.contains("10.0.3.21"), backends);
        // 10.0.3.21 comes back: its old override is gone (it was removed, so the operator's decision lapsed).
        write(config("{ address = 10.0.3.20 }, { address = 10.0.3.21 }"));
        assertEquals(0, dsrctl("reload").exit());
        assertTrue(dsrctl("backends").out().contains("dns  10.0.3.21  ipip    100     active    unchecked  - "));
        assertTrue(dsrctl("status").out().contains("\noverrides 1\n"));
    }

    @Test
    void shouldFailAReloadOfAnInvalidFileWithEveryErrorAndKeepTheRunningConfig() throws IOException {
        write(config("{ address = 10.0.3.20, weight = -1 }"));
        Run r = dsrctl("reload");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("dsrctl: reload rejected, running config kept (1 error(s)):\n  "
                + file + ":"), r.err());
        assertTrue(r.err().contains("weight"), r.err());
        assertTrue(dsrctl("status").out().contains("\ngeneration 1\n"));
        assertTrue(dsrctl("status").out().contains("\nreload_failures 1\n"));
    }

    @Test
    void shouldPrintTheFlowTableCounters() {
        Run r = dsrctl("flows");
        assertEquals(0, r.exit(), r.err());
        assertEquals("flow_hits 0\nflow_misses 0\nflow_evictions 0\nflow_expirations 0\nflow_entries 0\n"
                + "flow_capacity 0\n", r.out());
    }

    @Test
    void shouldExplainWhichBackendGetsAFlowFromTheLiveSnapshot() {
        var s = control.holder().get();
        var key = new io.dsrgw.encap.flow.FlowKey().setIpv4(io.dsrgw.encap.ip.Ipv4Addresses.parse("192.0.2.7"),
                io.dsrgw.encap.ip.Ipv4Addresses.parse("10.100.0.2"), 17, 5353, 53, false);
        long hash = s.flowHash().hash(key);
        int vip = s.vipIndex(io.dsrgw.encap.ip.Ipv4Addresses.parse("10.100.0.2"), 17, 53);
        Run r = dsrctl("explain", "udp", "192.0.2.7:5353", "10.100.0.2:53");
        assertEquals(0, r.exit(), r.err());
        assertEquals("vip dns\nbackend " + s.backendIdentity(s.backendFor(vip, hash)) + "\nbackend_state active\n"
                + "source maglev\ntable -\n"
                + "slot " + io.dsrgw.gateway.dataplane.ForwardingSnapshot.slotOf(hash, 65537) + "\ntable_size 65537\n"
                + String.format("hash 0x%016x", hash) + "\ngeneration 1\n", r.out());
        Run notVip = dsrctl("explain", "tcp", "192.0.2.7:5353", "10.100.0.2:53");
        assertEquals(1, notVip.exit());
        assertEquals("dsrctl: explain: 10.100.0.2 tcp port 53 is not a VIP service, the gateway drops it "
                + "(drop_not_vip) (expected: a configured VIP address, protocol and port; see dsrctl vips)\n",
                notVip.err());
        Run bad = dsrctl("explain", "tcp", "192.0.2.7", "10.100.0.1:80");
        assertEquals(1, bad.exit());
        assertEquals("dsrctl: explain: source 192.0.2.7 (expected: ADDRESS:PORT, e.g. 192.0.2.7:40000 or "
                + "[2001:db8::7]:40000)\n", bad.err());
    }

    @Test
    void shouldNameTheUnknownVipOrBackendAndWhatExists() {
        Run vip = dsrctl("drain", "nope", "10.0.3.10");
        assertEquals(1, vip.exit());
        assertEquals("dsrctl: drain: vip nope: not configured (expected one of: web, dns)\n", vip.err());
        Run backend = dsrctl("undrain", "web", "10.0.3.99");
        assertEquals(1, backend.exit());
        assertEquals("dsrctl: undrain: backend 10.0.3.99: not configured in vip web (expected one of: 10.0.3.10, "
                + "10.0.3.11)\n", backend.err());
    }

    @Test
    void shouldExplainAMissingSocketPrecisely() {
        Path missing = dir.resolve("nothing.sock");
        Run r = dsrctlRaw("--socket", missing.toString(), "status");
        assertEquals(1, r.exit());
        assertEquals("dsrctl: connect(" + missing + "): ENOENT \u2014 is dsr-gateway running? (expected: admin.socket "
                + "of the running gateway; --socket PATH)\n", r.err());
    }

    @Test
    void shouldExitTwoWithOneUsageLineOnBadCommandLines() {
        Run none = dsrctlRaw();
        assertEquals(2, none.exit());
        assertEquals("dsrctl: missing command (expected one of: status, vips, backends, drain, undrain, maint, unmaint, "
                + "weight, reload, flows, explain, drain-gateway, undrain-gateway) (see 'dsrctl --help')\n",
                none.err());
        Run unknown = dsrctl("frobnicate");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().startsWith("dsrctl: unknown command: 'frobnicate' (expected one of: status, vips, "
                + "backends, drain, undrain, maint, unmaint, weight, reload, flows, explain, drain-gateway, "
                + "undrain-gateway)"), unknown.err());
        Run arity = dsrctl("drain", "web");
        assertEquals(2, arity.exit());
        assertEquals("dsrctl: missing required parameter: 'BACKEND' (see 'dsrctl drain --help')\n", arity.err());
        assertEquals(2, dsrctlRaw("--socket").exit());
        assertEquals(2, dsrctl("status", "extra").exit());
        for (String[] help : new String[][] {{"--help"}, {"help"}, {"weight", "--help"}, {"help", "maint"}}) {
            Run h = dsrctlRaw(help);
            assertEquals(0, h.exit(), String.join(" ", help) + ": " + h.err());
            assertTrue(h.out().startsWith("Usage: dsrctl"), h.out());
        }
        Run version = dsrctlRaw("explain", "--version");
        assertEquals(0, version.exit());
        assertEquals("dsrctl " + io.dsrgw.conf.cli.BuildInfo.version() + "\n", version.out());
    }

    /** The sub-commands the root lists, so that a new command is checked too. */
    private static List<String> subcommands() {
        List<String> names = new picocli.CommandLine(new DsrctlMain.Root()).getSubcommands().keySet().stream()
                .filter(n -> !n.equals("help")).toList();
        assertEquals(13, names.size(), names.toString());
        return names;
    }

    /** -V is declared once (DsrctlMain.Common), its text on the root only: every sub-command prints the root's. */
    @Test
    void everySubcommandPrintsDsrctlsVersionLikeTheRoot() {
        String expected = "dsrctl " + io.dsrgw.conf.cli.BuildInfo.version() + "\n";
        assertEquals(expected, dsrctlRaw("-V").out());
        for (String command : subcommands()) {
            for (String option : new String[] {"-V", "--version"}) {
                Run run = dsrctlRaw(command, option);
                assertEquals(0, run.exit(), command + " " + option + ": " + run.err());
                assertEquals(expected, run.out(), command + " " + option);
            }
        }
    }

    /** The options every command shares are declared once (DsrctlMain.Common): each sub-command still has them. */
    @Test
    void everySubcommandOffersHelpVersionJsonAndSocket() {
        for (String command : subcommands()) {
            Run run = dsrctlRaw(command, "--help");
            assertEquals(0, run.exit(), command + ": " + run.err());
            assertTrue(run.out().startsWith("Usage: dsrctl " + command + " [-hV] [--json] [--socket=PATH]"),
                    run.out());
            for (String option : new String[] {"-h, --help", "--json", "--socket=PATH", "-V, --version"}) {
                assertTrue(run.out().contains(option), command + " lacks " + option + ":\n" + run.out());
            }
            assertEquals(run, dsrctlRaw(command, "-h"), command + " -h");
            assertEquals(run, dsrctlRaw("help", command), "help " + command);
        }
    }

    @Test
    void shouldAnswerMalformedRequestsWithAnErrorAndStayUp() throws IOException {
        io.dsrgw.gateway.admin.AdminReply r = call("{\"command\":");
        assertFalse(r.ok());
        assertTrue(r.error().startsWith("bad request: json: Unexpected end-of-input within/between Object entries at "
                + "offset 11 (expected: one JSON value)"), r.error());
        assertEquals("bad request (expected: {\"command\":\"NAME\",\"args\":[\"...\"]})", call("[1]").error());
        assertTrue(call("{\"command\":\"status\"}").ok());
    }

    private AdminReply call(String line) throws IOException {
        try (var ch = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            var buf = java.nio.ByteBuffer.allocate(65536);
            StringBuilder sb = new StringBuilder();
            while (sb.indexOf("\n") < 0 && ch.read(buf) > 0) {
                sb.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
                buf.clear();
            }
            return AdminReply.fromJson(sb.substring(0, sb.indexOf("\n")));
        }
    }

    @Test
    void shouldRefuseASocketAnotherGatewayAnswersOnAndReplaceAStaleOne() throws Exception {
        IOException e = assertThrows(IOException.class, () -> AdminSocketServer.start(socket,
                new AdminCommands(control, new MetricRegistry(), () -> 0)));
        assertEquals("admin socket " + socket + ": another process answers on it (expected: a free path; is another "
                + "dsr-gateway running with the same admin.socket?)", e.getMessage());
        // A stale socket: bound once, nobody listening any more.
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        try (AdminSocketServer second = AdminSocketServer.start(stale,
                new AdminCommands(control, new MetricRegistry(), () -> 0))) {
            assertEquals(0, dsrctlRaw("--socket", stale.toString(), "vips").exit());
        }
        assertFalse(Files.exists(stale), "close removes the socket file");
        Path regular = dir.resolve("regular");
        Files.writeString(regular, "x");
        IOException notSocket = assertThrows(IOException.class, () -> AdminSocketServer.start(regular,
                new AdminCommands(control, new MetricRegistry(), () -> 0)));
        assertTrue(notSocket.getMessage().contains("exists and is not a socket"), notSocket.getMessage());
    }

    /** A path under the test's directory of exactly {@code bytes} bytes. */
    private Path pathOfBytes(int bytes) {
        String base = dir.toAbsolutePath() + "/";
        assertTrue(base.length() < bytes - 5, "the temporary directory is too long for this test: " + base);
        return Path.of(base + "s".repeat(bytes - base.length()));
    }

    @Test
    void shouldServeAndRefuseToReplaceALiveSocketAtExactlyTheKernelsLimit() throws Exception {
        Path longest = pathOfBytes(UnixSocketPaths.MAX_PATH_BYTES);
        try (AdminSocketServer s = AdminSocketServer.start(longest,
                new AdminCommands(control, new MetricRegistry(), () -> 0))) {
            Run r = dsrctlRaw("--socket", longest.toString(), "vips");
            assertEquals(0, r.exit(), r.err());
            // The stale-socket probe must reach a live socket of this length too, or it would delete it.
            IOException e = assertThrows(IOException.class, () -> AdminSocketServer.start(longest,
                    new AdminCommands(control, new MetricRegistry(), () -> 0)));
            assertTrue(e.getMessage().contains("another process answers on it"), e.getMessage());
            assertEquals(0, dsrctlRaw("--socket", longest.toString(), "vips").exit(), "the live socket is gone");
        }
    }

    @Test
    void shouldRefuseToBindASocketPathOverTheLimitNamingItsLength() {
        Path tooLong = pathOfBytes(UnixSocketPaths.MAX_PATH_BYTES + 1);
        IOException e = assertThrows(IOException.class, () -> AdminSocketServer.start(tooLong,
                new AdminCommands(control, new MetricRegistry(), () -> 0)));
        assertEquals("admin socket: \"" + tooLong + "\" is 108 bytes (expected: a unix socket path of at most 107 "
                + "bytes)", e.getMessage());
        assertFalse(Files.exists(tooLong));
    }

    @Test
    void shouldRejectADsrctlSocketOptionOverTheLimitAsBadUsageWithoutConnecting() {
        String tooLong = "/run/" + "d".repeat(120) + "/gateway.sock";
        Run r = dsrctlRaw("--socket", tooLong, "status");
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertEquals("dsrctl: --socket: \"" + tooLong + "\" is 138 bytes (expected: a unix socket path of at most "
                + "107 bytes) (see 'dsrctl status --help')\n", r.err());
    }

    @Test
    void shouldRejectADsrgwAdminSocketVariableOverTheLimitUnlessSocketOverridesIt() {
        String tooLong = "/run/" + "d".repeat(120) + "/gateway.sock";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DsrctlMain.execute(new String[] {"status"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), tooLong);
        assertEquals(1, exit);
        assertEquals("dsrctl: $DSRGW_ADMIN_SOCKET: \"" + tooLong + "\" is 138 bytes (expected: a unix socket path "
                + "of at most 107 bytes)\n", err.toString(StandardCharsets.UTF_8));
        int overridden = DsrctlMain.execute(new String[] {"--socket", socket.toString(), "status"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), tooLong);
        assertEquals(0, overridden, "--socket wins over the variable");
    }

    @Test
    void shouldAllowRootTheOwnerAndMembersOfTheSocketGroupOnly() {
        int self = (int) ProcessHandle.current().pid();
        assertTrue(AdminSocketServer.authorized(0, 0, self, 1000, 1000));
        assertTrue(AdminSocketServer.authorized(1000, 50, self, 1000, 1000));
        assertTrue(AdminSocketServer.authorized(1001, 1000, self, 1000, 1000));
        // pid 0 has no /proc entry: no supplementary groups.
        assertFalse(AdminSocketServer.authorized(1001, 1001, 0, 1000, 1000));
        // Supplementary groups come from /proc/PID/status ("Groups:").
        for (int g : AdminSocketServer.supplementaryGroups(self)) {
            assertTrue(AdminSocketServer.authorized(4242, 4242, self, 1000, g));
        }
    }

    /** The backends table's data rows, each split into its columns (REASON, the last, may contain spaces). */
    private java.util.List<String[]> backendRows() {
        Run r = dsrctl("backends");
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().skip(1).map(l -> l.split("\\s+", 9)).toList();
    }

    private String[] row(String vip, String backend) {
        return backendRows().stream().filter(c -> c[0].equals(vip) && c[1].equals(backend)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + vip + " " + backend));
    }

    @Test
    void shouldPutABackendInMaintenanceAsDownAndLeaveItAgainNamingTheReason() {
        Run maint = dsrctl("maint", "web", "10.0.3.10");
        assertEquals(0, maint.exit(), maint.err());
        assertEquals("web 10.0.3.10: override maint (generation 2)\n", maint.out());
        String[] r = row("web", "10.0.3.10");
        assertEquals("down", r[4]);
        assertEquals("maint", r[6]);
        assertEquals("maint (operator)", r[8]);
        // Down, not draining: no flow goes there any more, new or (in the data plane) pinned.
        Set<String> chosen = new HashSet<>();
        for (int port = 40000; port < 40100; port++) {
            Run e = dsrctl("explain", "tcp", "192.0.2.7:" + port, "10.100.0.1:80");
            chosen.add(e.out().lines().filter(l -> l.startsWith("backend ")).findFirst().orElseThrow());
        }
        assertEquals(Set.of("backend 10.0.3.11"), chosen);
        dsrctl("drain", "web", "10.0.3.10");
        assertEquals("maint,drained", row("web", "10.0.3.10")[6]);
        Run unmaint = dsrctl("unmaint", "web", "10.0.3.10");
        assertEquals("web 10.0.3.10: override drained (generation 4)\n", unmaint.out());
        assertEquals("draining", row("web", "10.0.3.10")[4]);
        assertEquals("-", row("web", "10.0.3.10")[8]);
    }

    @Test
    void shouldClearAWeightOverrideWithResetAndKeepTheOtherOverrides() {
        dsrctl("weight", "web", "10.0.3.11", "7");
        dsrctl("drain", "web", "10.0.3.11");
        assertEquals("drained,weight=7", row("web", "10.0.3.11")[6]);
        assertEquals("7", row("web", "10.0.3.11")[3]);
        Run reset = dsrctl("weight", "web", "10.0.3.11", "reset");
        assertEquals(0, reset.exit(), reset.err());
        assertEquals("web 10.0.3.11: override drained (generation 4)\n", reset.out());
        assertEquals("50", row("web", "10.0.3.11")[3], "the configured weight again");
        dsrctl("undrain", "web", "10.0.3.11");
        assertEquals("-", row("web", "10.0.3.11")[6]);
        assertTrue(dsrctl("status").out().contains("\noverrides 0\n"));
        Run bad = dsrctl("weight", "web", "10.0.3.11", "heavy");
        assertEquals(1, bad.exit());
        assertEquals("dsrctl: weight: heavy (expected: 0..65535 or reset)\n", bad.err());
    }

    @Test
    void shouldSayWhyABackendIsDownWithTheLastFailedProbe() {
        BackendKey key = new BackendKey("dns", "10.0.3.21");
        health.track(key, 1, 1, true);
        health.record(key, ProbeResult.FAILURE, "connect: Connection refused");
        control.healthChanged("dns");
        String[] r = row("dns", "10.0.3.21");
        assertEquals("down", r[4]);
        assertEquals("down", r[5]);
        assertEquals("health check: connect: Connection refused", r[8]);
        // Up again: no reason, but the last error stays available to scripts.
        health.record(key, ProbeResult.SUCCESS, "connected");
        control.healthChanged("dns");
        assertEquals("-", row("dns", "10.0.3.21")[8]);
        JsonNode b = backendJson("dns", "10.0.3.21");
        assertTrue(b.get("reason").isNull());
        assertEquals("connect: Connection refused", b.get("last_probe_error").asText());
    }

    private JsonNode json(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--json";
        System.arraycopy(args, 0, all, 1, args.length);
        Run r = dsrctl(all);
        assertEquals(0, r.exit(), r.err());
        try {
            return new ObjectMapper().readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.out(), e);
        }
    }

    private JsonNode backendJson(String vip, String backend) {
        for (JsonNode b : json("backends")) {
            if (b.get("vip").asText().equals(vip) && b.get("address").asText().equals(backend)) {
                return b;
            }
        }
        throw new AssertionError("no backend " + vip + " " + backend);
    }

    @Test
    void shouldAnswerEveryCommandWithJsonThatAJsonLibraryParses() {
        JsonNode status = json("status");
        assertEquals("running", status.get("state").asText());
        assertEquals(2, status.get("vips").asInt());
        assertEquals(0, status.get("counters").get("rx_packets").asLong());
        assertEquals("web", status.get("vip_list").get(0).get("name").asText());
        JsonNode vips = json("vips");
        assertEquals(2, vips.size());
        assertEquals("10.100.0.2", vips.get(1).get("address").asText());
        assertEquals(53, vips.get(1).get("ports").get(0).asInt());
        JsonNode backends = json("backends");
        assertEquals(4, backends.size());
        assertEquals(50, backends.get(1).get("weight").asInt());
        assertTrue(backends.get(1).get("flows").isNull(), "not counted without flow tables");
        assertEquals(0, json("flows").get("flow_entries").asLong());
        JsonNode drained = json("drain", "web", "10.0.3.10");
        assertTrue(drained.get("drained").asBoolean());
        assertFalse(drained.get("maint").asBoolean());
        assertTrue(drained.get("weight").isNull());
        assertEquals(2, drained.get("generation").asInt());
        // --json after the command too.
        Run after = dsrctl("undrain", "web", "10.0.3.10", "--json");
        assertEquals(0, after.exit(), after.err());
        assertTrue(after.out().contains("\"drained\" : false"), after.out());
        JsonNode explain = json("explain", "udp", "192.0.2.7:5353", "10.100.0.2:53");
        assertEquals("dns", explain.get("vip").asText());
        assertEquals("maglev", explain.get("source").asText());
        assertTrue(json("reload").get("applied").asBoolean());
        // A failure: JSON on stdout for scripts, the message on stderr for people, exit 1.
        Run failed = dsrctl("--json", "drain", "nope", "10.0.3.10");
        assertEquals(1, failed.exit());
        assertEquals("dsrctl: drain: vip nope: not configured (expected one of: web, dns)\n", failed.err());
        assertTrue(failed.out().contains("\"ok\" : false"), failed.out());
    }

    @Test
    void shouldServeOnlyTheReadingCommandsOnTheReadOnlySocketToAnyone() throws Exception {
        Path ro = dir.resolve("run/gateway-ro.sock");
        try (AdminSocketServer readOnly = AdminSocketServer.startReadOnly(ro,
                new AdminCommands(control, new MetricRegistry(), () -> 0))) {
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(ro)));
            for (String command : new String[] {"status", "vips", "backends", "flows"}) {
                Run r = dsrctlRaw("--socket", ro.toString(), command);
                assertEquals(0, r.exit(), command + ": " + r.err());
            }
            assertEquals(0, dsrctlRaw("--socket", ro.toString(), "explain", "udp", "192.0.2.7:5353",
                    "10.100.0.2:53").exit());
            Run drain = dsrctlRaw("--socket", ro.toString(), "drain", "web", "10.0.3.10");
            assertEquals(1, drain.exit());
            assertEquals("dsrctl: drain: refused on the read-only socket " + ro.toAbsolutePath() + " (expected: one "
                    + "of backends, explain, flows, status, vips; changes go through admin.socket)\n", drain.err());
            assertEquals(1, dsrctlRaw("--socket", ro.toString(), "reload").exit());
            assertEquals("-", row("web", "10.0.3.10")[6], "nothing changed");
        }
        assertFalse(Files.exists(ro));
    }
}
