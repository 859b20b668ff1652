package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.cli.GatewayMain;
import io.dsrgw.harness.netns.Backend;

class ScenarioTest {
    @Test
    void shouldParseTheGatewaysFinalCounterLinesLastValueWinning() {
        String log = """
                [main] INFO io.dsrgw.gateway - dsr-gateway: forwarding 1 VIPs on dsr0
                rx_packets 10
                drop_not_vip 1
                rx_packets 742
                tx_packets 728
                drop_not_vip 14
                """;
        assertEquals(Map.of("rx_packets", 742L, "tx_packets", 728L, "drop_not_vip", 14L), GatewayCounters.parse(log));
    }

    /** The demo printed 10 of the (then) 14 counters because the parser knew only rx_/tx_packets and drop_* (issue 10). */
    @Test
    void shouldParseEveryCounterTheGatewayPrints(@TempDir Path tmp) throws Exception {
        List<Backend> backends = List.of(new Backend("b1", null, "10.0.3.11", "eth0", "to-b1"));
        Path conf = Files.writeString(tmp.resolve("gateway.conf"),
                ScenarioConfigs.gateway(DsrScenario.VIP, List.of(80), backends, tmp.resolve("gateway.sock")));
        Path in = tmp.resolve("in.pcap");
        FlowReplay.writeSyns(in, List.of(new FlowReplay.Flow("10.0.1.2", 40000, DsrScenario.VIP, 80),
                new FlowReplay.Flow("10.0.1.2", 40001, "10.100.0.9", 80)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = GatewayMain.execute(new String[] {"replay", "--config", conf.toString(), "--in", in.toString(),
                "--out", tmp.resolve("out.pcap").toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        Map<String, Long> counters = GatewayCounters.parse(printed);
        List<String> counterLines = printed.lines().filter(l -> l.matches("[a-z0-9_]+ \\d+")).toList();
        assertEquals(io.dsrgw.gateway.dataplane.CounterSet.values().length, counterLines.size(), "one line per "
                + "counter of CounterSet:\n" + printed);
        assertEquals(counterLines.size(), counters.size(), "parsed " + counters + " from:\n" + printed);
        assertEquals(2L, counters.get("rx_packets"));
        assertEquals(1L, counters.get("tx_packets"));
        assertEquals(1L, counters.get("drop_not_vip"));
        assertEquals(0L, counters.get("fwd_icmp_error"));
    }

    @Test
    void shouldWriteAGatewayConfigThatTheConfLoaderAccepts(@TempDir Path tmp) throws Exception {
        List<Backend> backends = List.of(
                new Backend("b1", null, "10.0.3.11", "eth0", "to-b1"),
                new Backend("b2", null, "10.0.3.12", "eth0", "to-b2"));
        GatewayConfig g = ConfigLoader.parseGateway(ScenarioConfigs.gateway(DsrScenario.VIP, List.of(80), backends,
                tmp.resolve("gateway.sock")), "scenario-gateway.conf");
        assertEquals("dsr0", g.ingress().device());
        assertEquals(1, g.vips().size());
        assertEquals(List.of(80), g.vips().get(0).ports());
        assertEquals(2, g.vips().get(0).backends().size());
        assertEquals(tmp.resolve("gateway.sock").toString(), g.admin().socket());
    }

    @Test
    void shouldWriteAnAgentConfigThatTheConfLoaderAccepts(@TempDir Path tmp) throws Exception {
        AgentConfig a = ConfigLoader.parseAgent(ScenarioConfigs.agent(DsrScenario.VIP, tmp), "scenario-agent.conf");
        assertEquals(AgentMode.USERSPACE, a.mode());
        assertEquals("dsrdecap0", a.decapDevice());
        assertEquals(tmp.resolve("agent-state.conf"), a.stateFile());
    }

    @Test
    void shouldNameTheMissingLauncherAndHowToBuildIt(@TempDir Path tmp) {
        Distributions d = new Distributions(tmp.resolve("g"), tmp.resolve("a"));
        String p = d.problem();
        assertTrue(p.startsWith("dsrgw.gateway.home=" + tmp.resolve("g") + ": " + tmp.resolve("g/bin/dsr-gateway")
                + " is missing (expected: the unpacked distribution"), p);
        assertTrue(p.contains("dsrgw.agent.home="), p);
    }

    @Test
    void shouldAcceptExecutableLaunchers(@TempDir Path tmp) throws Exception {
        for (String l : new String[] {"g/bin/dsr-gateway", "a/bin/dsr-agent"}) {
            Path f = tmp.resolve(l);
            java.nio.file.Files.createDirectories(f.getParent());
            java.nio.file.Files.writeString(f, "#!/bin/sh\n");
            f.toFile().setExecutable(true);
        }
        assertNull(new Distributions(tmp.resolve("g"), tmp.resolve("a")).problem());
    }

    @Test
    void shouldWriteAMatrixGatewayConfigWithTwoVipEntriesPerCombination(@TempDir Path tmp) throws Exception {
        List<Backend> backends = List.of(
                new Backend("b1", null, "10.0.3.11", "fd00:3::11", "eth0", "to-b1"),
                new Backend("b2", null, "10.0.3.12", "fd00:3::12", "eth0", "to-b2"));
        List<TunnelCombination> all = List.of(TunnelCombination.values());
        GatewayConfig g = ConfigLoader.parseGateway(ScenarioConfigs.matrixGateway(all, backends,
                tmp.resolve("gateway.sock")), "matrix-gateway.conf");
        assertEquals(28, g.vips().size(), "10 issue-3 and 4 GUE combinations, TCP and UDP each");
        for (TunnelCombination c : all) {
            java.net.InetAddress vip = java.net.InetAddress.getByName(c.vip());
            List<io.dsrgw.conf.VipConfig> vips = g.vips().stream().filter(v -> v.address().equals(vip)).toList();
            assertEquals(2, vips.size(), c.label());
            for (io.dsrgw.conf.VipConfig v : vips) {
                assertEquals(c.tunnelFamily(), v.tunnel().name().toLowerCase(java.util.Locale.ROOT), c.label());
                assertEquals(c.greKey(), v.greKey(), c.label());
                assertEquals(c.greChecksum(), v.greChecksum(), c.label());
                assertEquals(java.net.InetAddress.getByName(backends.get(0).address(c.outerFamily())),
                        v.backends().get(0).address(), c.label());
            }
        }
        assertEquals(io.dsrgw.conf.EchoMode.ANSWER, g.icmp().echo());
    }

    @Test
    void shouldWriteMatrixAgentConfigsWithAndWithoutMssClamp(@TempDir Path tmp) throws Exception {
        List<TunnelCombination> all = List.of(TunnelCombination.values());
        AgentConfig off = ConfigLoader.parseAgent(ScenarioConfigs.matrixAgent(all, tmp, false), "agent-a.conf");
        AgentConfig on = ConfigLoader.parseAgent(ScenarioConfigs.matrixAgent(all, tmp, true), "agent-b.conf");
        assertEquals(14, off.vips().size());
        assertEquals(2, off.gateways().size());
        assertEquals(7, off.tunnels().size(), "five kinds and gue, read as gue and gue6 for the two gateways");
        assertEquals(List.of(42L, 43L), off.greKeys());
        assertEquals(false, off.mssClamp().enabled());
        assertEquals(true, on.mssClamp().enabled());
        assertEquals(1500, on.mssClamp().tunnelMtu());
    }

    @Test
    void shouldDescribeFourteenDistinctCombinationsWithTheirWireFormat() {
        assertEquals(14, java.util.Arrays.stream(TunnelCombination.values()).map(TunnelCombination::vip).distinct()
                .count());
        assertEquals(41, TunnelCombination.SIT_6IN4.outerProtocol());
        assertEquals(4, TunnelCombination.IP6TNL_4IN6.outerProtocol());
        assertEquals(41, TunnelCombination.IP6TNL_6IN6.outerProtocol());
        assertEquals(47, TunnelCombination.IP6GRE_KEYED_6IN6.outerProtocol());
        assertEquals(32, TunnelCombination.GRE_KEYED_CHECKSUM_4IN4.overheadBytes());
        assertEquals(48, TunnelCombination.IP6GRE_KEYED_6IN6.overheadBytes());
        assertEquals("out6_p41", TunnelEvidence.outerKey(TunnelCombination.IP6TNL_6IN6));
        assertEquals("gre", TunnelCombination.IP6GRE_4IN6.tunnelFamily());
        assertEquals("ipip", TunnelCombination.IP6TNL_4IN6.tunnelFamily());
        assertEquals(1476, TunnelCombination.GRE_4IN4.innerMtuBytes());
        assertEquals(1452, TunnelCombination.IP6GRE_KEYED_6IN6.innerMtuBytes());
        assertEquals(1440, TunnelCombination.IPIP_4IN4.maxMssBytes());
        assertEquals(1400, TunnelCombination.IP6TNL_6IN6.maxMssBytes());
        assertEquals(17, TunnelCombination.GUE_6IN4.outerProtocol());
        assertEquals("out6_p17", TunnelEvidence.outerKey(TunnelCombination.GUE_4IN6));
        assertEquals("gue", TunnelCombination.GUE_6IN6.tunnelFamily());
        assertEquals(1472, TunnelCombination.GUE_4IN4.innerMtuBytes());
        assertEquals(1452, TunnelCombination.GUE_6IN6.innerMtuBytes());
    }
}
