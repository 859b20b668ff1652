package io.dsrgw.agent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.agent.plan.CommandResult;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.linux.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Command-line parsing, exit codes and messages; the host is a stub that must not be changed. */
class AgentCliTest {
    @TempDir
    Path dir;

    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final List<String> commands = new ArrayList<>();

    /** lo up with 127.0.0.1, nothing else; every sysctl 0; any change is recorded (and must not happen here). */
    final Host host = new Host() {
        @Override
        public CommandResult run(List<String> argv) {
            String line = String.join(" ", argv);
            commands.add(line);
            return switch (line) {
                case "ip -j -d link show" -> new CommandResult(argv, 0,
                        "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"]}]", "");
                case "ip -j addr show dev lo" -> new CommandResult(argv, 0, "[{\"ifname\":\"lo\",\"addr_info\":"
                        + "[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8,\"label\":\"lo\"}]}]", "");
                case "nft -j list tables" -> new CommandResult(argv, 0,
                        "{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}}]}", "");
                default -> line.startsWith("ip link add dsrprobe")
                        ? new CommandResult(argv, 2, "", "Error: Unknown device type.\n")
                        : new CommandResult(argv, 2, "", "unexpected in this test");
            };
        }

        @Override
        public String readSysctl(String key) {
            return Map.of("net.ipv4.conf.all.rp_filter", "0", "net.ipv4.conf.all.arp_ignore", "0",
                    "net.ipv4.conf.all.arp_announce", "0").get(key);
        }

        @Override
        public void writeSysctl(String key, String value) throws IOException {
            throw new IOException("must not write in this test");
        }
    };

    /** Runs one command line; out() and err() then hold what this run printed (earlier runs' output is cleared). */
    int run(Probe root, String... args) {
        outBytes.reset();
        errBytes.reset();
        return new AgentCli(host, () -> root, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8)).run(args);
    }

    int run(String... args) {
        return run(Probe.ok(), args);
    }

    String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    Path config() throws IOException {
        Path f = dir.resolve("agent.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  state-file = \""
                + dir.resolve("state.conf") + "\"\n}\n");
        return f;
    }

    @Test
    void shouldPrintUsageWithStatus2ForAMissingOrUnknownCommandOrOption() {
        assertEquals(2, run());
        assertEquals("dsr-agent: missing command (expected one of: plan, apply, run, down, status, drain, undrain, "
                + "check-config) (see 'dsr-agent --help')\n", err());
        assertEquals(2, run("frobnicate"));
        assertTrue(err().startsWith("dsr-agent: unknown command: 'frobnicate' (expected one of: plan, apply, run, "),
                err());
        assertEquals(2, run("plan"));
        assertEquals("dsr-agent: missing required option: '--config=FILE' (see 'dsr-agent plan --help')\n", err());
        assertEquals(2, run("apply", "--config"));
        assertEquals("dsr-agent: missing required parameter for option '--config' (FILE) (see 'dsr-agent apply "
                + "--help')\n", err());
        assertEquals(2, run("down", "--config", "x.conf", "--force"));
        assertEquals("dsr-agent: unknown option: '--force' (see 'dsr-agent down --help')\n", err());
        assertEquals(2, run("check-config"));
        assertEquals(2, run("apply", "--json", "--config", "x.conf"));
        assertEquals("dsr-agent: unknown option: '--json' (see 'dsr-agent apply --help')\n", err());
        assertTrue(commands.isEmpty());
    }

    @Test
    void shouldPrintHelpWithStatus0() {
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("Usage: dsr-agent [-hV] [COMMAND]"), out());
        assertTrue(out().contains("  check-config  Validate an agent configuration file."), out());
        for (String command : List.of("plan", "apply", "run", "down", "status", "drain", "undrain", "check-config")) {
            assertEquals(0, run(command, "--help"), command);
            assertTrue(out().startsWith("Usage: dsr-agent " + command + " "), out());
        }
        assertTrue(out().isEmpty() || err().isEmpty());
    }

    @Test
    void shouldPrintExactlyTheProgramAndItsVersion() {
        for (String[] args : new String[][] {{"--version"}, {"plan", "--version"}, {"check-config", "-V"}}) {
            assertEquals(0, run(args));
            assertEquals("dsr-agent " + io.dsrgw.conf.cli.BuildInfo.version() + "\n", out());
        }
    }

    @Test
    void shouldPrintThePlanOneCommandPerLineWithoutChangingAnything() throws IOException {
        assertEquals(0, run("plan", "--config", config().toString()), err());

        assertEquals("""
                ip tuntap add dev dsrdecap0 mode tun
                ip link set dev dsrdecap0 addrgenmode none
                ip link set dev dsrdecap0 up
                sysctl -w net.ipv4.conf.dsrdecap0.rp_filter=0
                sysctl -w net.ipv4.conf.all.arp_ignore=1
                sysctl -w net.ipv4.conf.all.arp_announce=2
                ip addr add 10.100.0.1/32 dev lo label lo:dsrvip
                nft 'add table inet dsrgw_agent; delete table inet dsrgw_agent; table inet dsrgw_agent {\
                 set vips4 { type ipv4_addr; elements = { 10.100.0.1 }; };\
                 chain mss_clamp { type filter hook output priority -150; policy accept;\
                 ip saddr @vips4 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1440\
                 tcp option maxseg size set 1440 comment "dsrgw mss-clamp ipv4 1440"; }; }'
                """, out());
        assertTrue(commands.stream().allMatch(c -> c.startsWith("ip -j ") || c.startsWith("nft -j ")),
                commands.toString());
        assertTrue(Files.notExists(dir.resolve("state.conf")));
    }

    @Test
    void anL2DsrOnlyPlanSaysSoAndHasNoTunnelDeviceDecapTunOrFilterOnlyTheVipsOnLoAndTheArpSysctls()
            throws IOException {
        for (String mode : List.of("userspace", "kernel", "auto")) {
            Path f = dir.resolve("l2.conf");
            Files.writeString(f, "dsrgw.agent {\n  mode = " + mode + "\n  gateways = [10.0.2.2]\n"
                    + "  vips = [10.100.0.1, \"fd00:100::1\"]\n  tunnels = [none]\n  state-file = \""
                    + dir.resolve("state.conf") + "\"\n}\n");
            assertEquals(0, run("plan", "--config", f.toString()), err());
            assertEquals("# " + io.dsrgw.agent.kernel.DecapModes.LINK_LAYER_ONLY + "\n"
                    + "sysctl -w net.ipv4.conf.all.arp_ignore=1\n"
                    + "sysctl -w net.ipv4.conf.all.arp_announce=2\n"
                    + "sysctl -w net.ipv6.conf.lo.disable_ipv6=0\n"
                    + "ip addr add 10.100.0.1/32 dev lo label lo:dsrvip\n"
                    + "ip addr add fd00:100::1/128 dev lo nodad\n", out(), mode);
            assertTrue(commands.stream().noneMatch(c -> c.contains("dsrprobe")), "no kernel probe: " + commands);
            assertEquals(0, run("plan", "--json", "--config", f.toString()), err());
            assertTrue(out().contains("\"decapsulation\" : \"no decapsulation: L2 DSR only"), out());
        }
    }

    @Test
    void shouldRefuseToApplyWithoutRootNamingTheProbeCause() throws IOException {
        int code = run(Probe.unavailable("effective uid 1000, CAP_NET_ADMIN missing"), "apply", "--config",
                config().toString());

        assertEquals(1, code);
        assertEquals("dsr-agent apply: needs root (CAP_NET_ADMIN): effective uid 1000, CAP_NET_ADMIN missing\n", err());
        assertTrue(commands.isEmpty());
    }

    @Test
    void shouldReportConfigurationErrorsWithFileAndLine() throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.300]\n}\n");

        assertEquals(1, run("plan", "--config", f.toString()));

        assertTrue(err().startsWith("dsr-agent plan: invalid configuration:\n"), err());
        assertTrue(err().contains(f + ":3"), err());
    }

    @Test
    void shouldRefuseKernelModeOnAKernelWithoutTheDriverNamingKindAndMessage() throws IOException {
        Path f = dir.resolve("kernel.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  mode = kernel\n}\n");

        assertEquals(1, run("plan", "--config=" + f));

        assertEquals("dsr-agent plan: " + f + ": mode = kernel: the kernel cannot create ipip devices: ip link add "
                + "dsrprobe0 type ipip remote 192.0.2.1 local 192.0.2.2: exit 2: Error: Unknown device type. "
                + "(expected: a kernel with the ipip driver, or mode = auto to decapsulate ipip in userspace)\n", err());
    }

    @Test
    void shouldPrintPlanAndStatusAsJsonThatAJsonParserReadsWithTheSameFactsAsTheText() throws IOException {
        ObjectMapper json = new ObjectMapper();
        assertEquals(0, run("plan", "--config", config().toString()), err());
        List<String> textPlan = out().lines().toList();
        assertEquals(0, run("plan", "--json", "--config", config().toString()), err());
        JsonNode plan = json.readTree(out());
        assertEquals("linux", plan.get("os").asText());
        assertEquals(textPlan.size(), plan.get("changes").asInt());
        List<String> commandsJson = new ArrayList<>();
        plan.get("commands").forEach(c -> commandsJson.add(c.asText()));
        assertEquals(textPlan, commandsJson);

        assertEquals(0, run("status", "--json", "--config", config().toString()), err());
        JsonNode status = json.readTree(out());
        assertFalse(status.get("applied").asBoolean());
        assertEquals(textPlan.size(), status.get("drift").size());
        assertFalse(status.get("state_file").get("exists").asBoolean());
        assertFalse(status.get("drain").get("drained").asBoolean());
        assertEquals(dir.resolve("state.conf").toString(), status.get("state_file").get("path").asText());

        assertEquals(0, run("plan", "--os", "windows", "--json", "--config", config().toString()), err());
        JsonNode windows = json.readTree(out());
        assertEquals("windows", windows.get("os").asText());
        assertTrue(windows.get("steps").size() > 1, out());
    }

    @Test
    void shouldPlanUserspaceInAutoModeWhenTheKernelHasNoTunnelsAndSaySoInStatus() throws IOException {
        Path f = dir.resolve("auto.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  mode = auto\n"
                + "  state-file = \"" + dir.resolve("state.conf") + "\"\n}\n");

        assertEquals(0, run("status", "--config", f.toString()), err());
        assertTrue(out().startsWith("mode auto: userspace decapsulation for [ipip] (the kernel cannot create them: "
                + "ipip: ip link add dsrprobe0 type ipip remote 192.0.2.1 local 192.0.2.2: exit 2: Error: Unknown "
                + "device type.)\n"), out());
        assertTrue(out().contains("drift: ip tuntap add dev dsrdecap0 mode tun"), out());
    }

    @Test
    void shouldPrintTheWindowsStepsAndWhatWindowsCannotDo() throws IOException {
        Path f = dir.resolve("win.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2, \"fd00:2::2\"]\n  vips = [10.100.0.1, "
                + "\"fd00:100::1\"]\n  tunnels = [gre, ip6gre]\n}\n");

        assertEquals(0, run("plan", "--os", "windows", "--config", f.toString()), err());

        assertEquals("""
                # Windows backend: run in an elevated command prompt. The agent itself does not run on Windows.
                #
                # Tunnel kinds (configured: gre, ip6gre):
                #   gre     NOT SUPPORTED: no GRE decapsulation for a plain host (GRE only inside the RRAS/SDN gateway roles)
                #   ip6gre  NOT SUPPORTED: no GRE over IPv6 decapsulation for a plain host
                # Windows cannot decapsulate any of them: end the tunnel in front of this host (a Linux
                # decapsulator on the same L2 segment forwarding the inner packets to it). The steps below
                # make Windows accept packets for the VIPs and reply from them directly (DSR).
                #
                # 1. Install the Microsoft KM-TEST Loopback Adapter (Device Manager > Action > Add legacy hardware >
                #    Network adapters > Microsoft > Microsoft KM-TEST Loopback Adapter, or with devcon from the WDK:
                #    devcon install %windir%\\inf\\netloop.inf *msloop) and name it "Loopback":
                #    powershell -Command "Get-NetAdapter -InterfaceDescription 'Microsoft KM-TEST Loopback*' | Rename-NetAdapter -NewName Loopback"
                # 2. The VIPs on the loopback adapter (host routes; add skipassource=true to keep Windows from using
                #    a VIP as the source of its own outgoing connections):
                netsh interface ipv4 add address "Loopback" 10.100.0.1 255.255.255.255
                netsh interface ipv6 add address "Loopback" fd00:100::1/128
                # 3. Weak host receive and send on the loopback adapter and on the NIC (replace <NIC> with its name,
                #    see `netsh interface ipv4 show interfaces`): accept packets for the VIP on the NIC, reply from it.
                netsh interface ipv4 set interface "Loopback" weakhostreceive=enabled weakhostsend=enabled
                netsh interface ipv4 set interface "<NIC>" weakhostreceive=enabled weakhostsend=enabled
                netsh interface ipv6 set interface "Loopback" weakhostreceive=enabled weakhostsend=enabled
                netsh interface ipv6 set interface "<NIC>" weakhostreceive=enabled weakhostsend=enabled
                # 4. Windows Firewall: allow the service ports to the VIPs; the loopback adapter never answers ARP
                #    (no ARP settings needed, unlike Linux arp_ignore/arp_announce).
                """, out());
        assertTrue(commands.isEmpty(), "the Windows plan does not look at this host: " + commands);
    }

    @Test
    void shouldAcceptOsOnlyForPlan() {
        assertEquals(2, run("apply", "--os", "windows", "--config", "x.conf"));
        assertEquals("dsr-agent: unknown options: '--os', 'windows' (see 'dsr-agent apply --help')\n", err());
        assertEquals(2, run("plan", "--os", "macos", "--config", "x.conf"));
        assertEquals("dsr-agent: --os macos (expected: linux or windows) (see 'dsr-agent plan --help')\n", err());
    }

    @Test
    void shouldShowDriftInStatusAndSayNothingToUndoWithoutAStateFile() throws IOException {
        assertEquals(0, run("status", "--config", config().toString()), err());
        assertTrue(out().contains("state file: none"), out());
        assertTrue(out().contains("applied: no (8 operations pending)"), out());
        assertTrue(out().contains("drift: ip addr add 10.100.0.1/32 dev lo label lo:dsrvip"), out());

        assertEquals(0, run("down", "--config", config().toString()), err());
        assertTrue(out().contains("nothing to undo (no state file " + dir.resolve("state.conf") + ")"), out());
    }

    @Test
    void shouldDrainAndUndrainThroughAPersistedFileWithoutTouchingTheHost() throws IOException {
        Path drainFile = dir.resolve("state.conf.drain");
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T02:41:07Z"), ZoneOffset.UTC);
        AgentCli cli = new AgentCli(host, () -> Probe.unavailable("not root"),
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8), clock);

        assertEquals(0, cli.run(new String[] {"drain", "--config", config().toString()}), err());
        assertEquals("drained since 2026-11-22T02:41:07Z (drain file " + drainFile + "): a running agent's GET /ready"
                + " on 0.0.0.0:9181 answers 503 draining within 1 s; the VIPs stay, so open connections finish;"
                + " `dsr-agent undrain` undoes it\n", out());
        assertTrue(Files.readString(drainFile).contains("\"drained\":true"));
        outBytes.reset();

        assertEquals(0, cli.run(new String[] {"drain", "--config", config().toString()}), err());
        assertEquals("already drained since 2026-11-22T02:41:07Z (drain file " + drainFile + ")\n", out());
        outBytes.reset();

        assertEquals(0, run("status", "--config", config().toString()), err());
        assertTrue(out().contains("\ndrained: yes (since 2026-11-22T02:41:07Z, drain file " + drainFile
                + "; the readiness endpoint answers 503 draining)\n"), out());
        outBytes.reset();

        assertEquals(0, cli.run(new String[] {"undrain", "--config", config().toString()}), err());
        assertEquals("undrained (was drained since 2026-11-22T02:41:07Z): a running agent's GET /ready on "
                + "0.0.0.0:9181 answers per the host's state again within 1 s\n", out());
        assertTrue(Files.notExists(drainFile));
        outBytes.reset();

        assertEquals(0, cli.run(new String[] {"undrain", "--config", config().toString()}), err());
        assertEquals("not drained (no drain file " + drainFile + ")\n", out());
        outBytes.reset();

        assertEquals(0, run("status", "--config", config().toString()), err());
        assertTrue(out().contains("\ndrained: no\n"), out());
        assertTrue(commands.stream().allMatch(c -> c.startsWith("ip -j ") || c.startsWith("nft -j ")),
                "drain/undrain/status only read the host: " + commands);
    }

    @Test
    void shouldNameTheDrainFileWhenItCannotBeWritten() throws IOException {
        Path f = dir.resolve("blocked.conf");
        Files.writeString(dir.resolve("notadir"), "x");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  state-file = \""
                + dir.resolve("notadir/state.conf") + "\"\n}\n");

        assertEquals(1, run("drain", "--config", f.toString()));

        assertTrue(err().startsWith("dsr-agent drain: drain file " + dir.resolve("notadir/state.conf.drain")
                + ": cannot write ("), err());
    }

    @Test
    void shouldListDrainAndUndrainInTheUsage() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("  drain         Take this server out of rotation for new flows"), out());
        assertTrue(out().contains("  undrain       Undo drain"), out());
        assertEquals(2, run("drain"));
        assertEquals("dsr-agent: missing required option: '--config=FILE' (see 'dsr-agent drain --help')\n", err());
    }

    @Test
    void shouldCheckConfigThroughConf() throws IOException {
        assertEquals(0, run("check-config", config().toString()), err());
        assertTrue(out().startsWith("OK: "), out());
    }
}
