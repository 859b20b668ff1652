package io.dsrgw.agent.cli;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                default -> new CommandResult(argv, 2, "", "unexpected in this test");
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

    int run(Probe root, String... args) {
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
        assertTrue(err().startsWith("dsr-agent: missing command\nusage: dsr-agent"), err());
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("dsr-agent: unknown command: frobnicate"), err());
        assertEquals(2, run("plan"));
        assertTrue(err().contains("dsr-agent: plan: missing --config FILE"), err());
        assertEquals(2, run("apply", "--config"));
        assertTrue(err().contains("dsr-agent: apply: --config needs a FILE"), err());
        assertEquals(2, run("down", "--config", "x.conf", "--force"));
        assertTrue(err().contains("dsr-agent: down: unexpected argument: --force"), err());
        assertEquals(2, run("check-config"));
        assertTrue(commands.isEmpty());
    }

    @Test
    void shouldPrintHelpWithStatus0() {
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("usage: dsr-agent <command>"), out());
        assertTrue(out().contains("check-config FILE"), out());
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
    void shouldReportUnsupportedFeaturesAsErrors() throws IOException {
        Path f = dir.resolve("kernel.conf");
        Files.writeString(f, "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  mode = kernel\n}\n");

        assertEquals(1, run("plan", "--config=" + f));

        assertEquals("dsr-agent plan: " + f + ": mode: kernel: not supported yet (expected: userspace or auto)\n",
                err());
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
    void shouldCheckConfigThroughConf() throws IOException {
        assertEquals(0, run("check-config", config().toString()), err());
        assertTrue(out().startsWith("OK: "), out());
    }
}
