package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.ag;
import static io.dsrgw.conf.Errors.agentFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 15 agent keys: {@code gue-port} and the {@code gue} tunnel kind. */
class AgentGueValidationTest {

    private static AgentConfig parse(String hocon) throws ConfigException {
        return ConfigLoader.parseAgent(hocon, "t.conf");
    }

    @Test
    void shouldDefaultGuePortToKatransPort() throws ConfigException {
        assertEquals(6080, parse(ag("")).guePort());
        assertEquals(AgentConfig.DEFAULT_GUE_PORT, parse(ag("")).guePort());
    }

    @Test
    void shouldAcceptAnotherGuePort() throws ConfigException {
        assertEquals(5555, parse(ag("gue-port = 5555")).guePort());
    }

    @Test
    void shouldRejectGuePortZeroAndAbove65535() {
        agentFails(ag("gue-port = 0"), "t.conf:4 dsrgw.agent.gue-port: 0 (expected: an integer 1..65535)");
        agentFails(ag("gue-port = 65536"), "t.conf:4 dsrgw.agent.gue-port: 65536 (expected: an integer 1..65535)");
    }

    @Test
    void shouldReadGueAsTheOuterFamiliesOfTheGateways() throws ConfigException {
        assertEquals(List.of(TunnelKind.IPIP, TunnelKind.GUE), parse(ag("tunnels = [ipip, gue]")).tunnels());
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE6), parse(ag("tunnels = [gue]").replace(
            "gateways = [10.0.2.2]", "gateways = [10.0.2.2, \"fd00:2::2\"]")).tunnels());
        assertEquals(List.of(TunnelKind.GUE6), parse(ag("tunnels = [gue]").replace(
            "gateways = [10.0.2.2]", "gateways = [\"fd00:2::2\"]")).tunnels());
    }

    @Test
    void shouldCarryVipsOfBothFamiliesWithGueAlone() throws ConfigException {
        AgentConfig c = parse(ag("tunnels = [gue]").replace("vips = [10.100.0.1]",
            "vips = [10.100.0.1, \"fd00:100::1\"]"));
        assertEquals(List.of(TunnelKind.GUE), c.tunnels());
    }

    @Test
    void shouldRejectGue6AsAConfigurationNameAndListGueAmongTheChoices() {
        agentFails(ag("tunnels = [gue6]"), "t.conf:4 dsrgw.agent.tunnels[0]: \"gue6\" (expected: ipip, sit,"
            + " gre, ip6tnl, ip6gre, gue or none)");
    }

    @Test
    void shouldNameGueOnceInFamilyErrors() {
        agentFails(ag("tunnels = [ipip]").replace("gateways = [10.0.2.2]", "gateways = [\"fd00:2::2\"]"),
            "t.conf:2 dsrgw.agent.gateways[0]: \"fd00:2::2\" (expected: an IPv6 tunnel source needs one of "
                + "[ip6tnl, ip6gre, gue] in tunnels (tunnels = [ipip]))");
    }
}
