package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
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

    @Test
    void shouldWriteAGatewayConfigThatTheConfLoaderAccepts(@TempDir Path tmp) throws Exception {
        List<Backend> backends = List.of(
                new Backend("b1", null, "10.0.3.11", "eth0", "to-b1"),
                new Backend("b2", null, "10.0.3.12", "eth0", "to-b2"));
        GatewayConfig g = ConfigLoader.parseGateway(
                ScenarioConfigs.gateway(DsrScenario.VIP, List.of(80), backends, tmp), "scenario-gateway.conf");
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
}
