package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.ag;
import static io.dsrgw.conf.Errors.agent;
import static io.dsrgw.conf.Errors.agentFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One test per agent validation rule; each asserts the complete list of problems. */
class AgentValidationTest {

    private static final String DEVICE_RULE =
        "an interface name starting with \"dsr\", 1..15 characters of [A-Za-z0-9_.-]";

    @Test
    void baseConfigOfTheseTestsIsValid() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent(ag(""), "t.conf");
        assertEquals(List.of(TunnelKind.IPIP), c.tunnels());
    }

    @Test
    void shouldRequireTheDecapDeviceToStartWithDsr() {
        agentFails(ag("decap-device = tun0"),
            "t.conf:4 dsrgw.agent.decap-device: \"tun0\" (expected: " + DEVICE_RULE + ")");
    }

    @Test
    void shouldRejectADecapDeviceLongerThan15Characters() {
        agentFails(ag("decap-device = dsr0123456789abc"),
            "t.conf:4 dsrgw.agent.decap-device: \"dsr0123456789abc\" (expected: " + DEVICE_RULE + ")");
    }

    @Test
    void shouldRejectASlashInTheDecapDevice() {
        agentFails(ag("decap-device = \"dsr/0\""),
            "t.conf:4 dsrgw.agent.decap-device: \"dsr/0\" (expected: " + DEVICE_RULE + ")");
    }

    @Test
    void shouldRequireGateways() {
        agentFails(ag("").replace("  gateways = [10.0.2.2]\n", "\n"),
            "t.conf:1 dsrgw.agent.gateways: missing (expected: a non-empty list of IPv4/IPv6 addresses (the only "
                + "accepted tunnel sources), e.g. [10.0.2.2, \"fd00:2::2\"])");
    }

    @Test
    void shouldRejectAnEmptyVipList() {
        agentFails(ag("").replace("vips = [10.100.0.1]", "vips = []"),
            "t.conf:3 dsrgw.agent.vips: [] (expected: a non-empty list of IPv4/IPv6 addresses (the VIPs this "
                + "backend serves), e.g. [10.0.2.2, \"fd00:2::2\"])");
    }

    @Test
    void shouldRejectADuplicateGateway() {
        agentFails(ag("").replace("gateways = [10.0.2.2]", "gateways = [10.0.2.2, \"10.0.2.2\"]"),
            "t.conf:2 dsrgw.agent.gateways[1]: \"10.0.2.2\" (expected: unique addresses; 10.0.2.2 is already "
                + "listed at t.conf:2)");
    }

    @Test
    void shouldRejectABadVipAddress() {
        agentFails(ag("").replace("vips = [10.100.0.1]", "vips = [10.100.0.1.5]"),
            "t.conf:3 dsrgw.agent.vips[0]: \"10.100.0.1.5\" "
                + "(expected: an IPv4 or IPv6 address; 4 dot-separated octets needed, found 5)");
    }

    @Test
    void shouldRejectAnUnknownTunnelKind() {
        agentFails(ag("tunnels = [ipip, vxlan]"),
            "t.conf:4 dsrgw.agent.tunnels[1]: \"vxlan\" (expected: ipip, sit, gre, ip6tnl, ip6gre, gue or none)");
    }

    @Test
    void shouldRejectADuplicateTunnelKind() {
        agentFails(ag("tunnels = [ipip, ipip]"),
            "t.conf:4 dsrgw.agent.tunnels[1]: \"ipip\" (expected: unique tunnel kinds; ipip is listed twice)");
    }

    @Test
    void shouldRejectAnIpv6GatewayWithoutAnIpv6Tunnel() {
        agentFails(ag("").replace("gateways = [10.0.2.2]", "gateways = [10.0.2.2, \"fd00:2::2\"]"),
            "t.conf:2 dsrgw.agent.gateways[1]: \"fd00:2::2\" (expected: an IPv6 tunnel source needs one of "
                + "[ip6tnl, ip6gre, gue] in tunnels (tunnels = [ipip]))");
    }

    @Test
    void shouldRejectAnIpv6VipThatNoTunnelCanCarry() {
        agentFails(ag("").replace("vips = [10.100.0.1]", "vips = [\"fd00:100::1\"]"),
            "t.conf:3 dsrgw.agent.vips[0]: \"fd00:100::1\" (expected: an IPv6 VIP needs one of "
                + "[sit, gre, ip6tnl, ip6gre, gue] in tunnels (tunnels = [ipip]))");
    }

    @Test
    void shouldRejectAnUnknownMode() {
        agentFails(ag("mode = xdp"), "t.conf:4 dsrgw.agent.mode: \"xdp\" (expected: kernel, userspace or auto)");
    }

    @Test
    void shouldRejectAReconcileIntervalBelowOneSecond() {
        agentFails(ag("reconcile-interval = 500ms"),
            "t.conf:4 dsrgw.agent.reconcile-interval: \"500ms\" (expected: a duration 1s..1h (e.g. 500ms, 1s, 10s))");
    }

    @Test
    void shouldRequireAnAbsoluteStateFile() {
        agentFails(ag("state-file = state.conf"),
            "t.conf:4 dsrgw.agent.state-file: \"state.conf\" "
                + "(expected: an absolute file path, e.g. /var/lib/dsrgw/agent-state.conf)");
    }

    @Test
    void shouldRejectAHealthListenPortAbove65535() {
        agentFails(ag("health.listen = \"0.0.0.0:65536\""),
            "t.conf:4 dsrgw.agent.health.listen: \"0.0.0.0:65536\" (expected: host:port with an IP address or "
                + "localhost and a port 0..65535, e.g. 127.0.0.1:9180 or [::1]:9180; port must be 0..65535)");
    }

    @Test
    void shouldRejectAHostNameInHealthListen() {
        agentFails(ag("health.listen = \"backend1:9181\""),
            "t.conf:4 dsrgw.agent.health.listen: \"backend1:9181\" (expected: host:port with an IP address or "
                + "localhost and a port 0..65535, e.g. 127.0.0.1:9180 or [::1]:9180; host must be an IP address "
                + "or localhost: 4 dot-separated octets needed, found 1)");
    }

    @Test
    void shouldSuggestAnUnknownAgentKey() {
        agentFails(ag("decap-devise = dsr1"),
            "t.conf:4 dsrgw.agent.decap-devise: unknown key (expected: did you mean decap-device?)");
    }

    @Test
    void shouldIgnoreTheGatewaySectionOfASharedFile() throws ConfigException {
        AgentConfig c = ConfigLoader.parseAgent(ag("") + "dsrgw.gateway { not-validated-here = 1 }\n", "t.conf");
        assertEquals(1, c.gateways().size());
    }

    @Test
    void shouldReportEveryAgentProblemAtOnce() {
        List<String> errors = agent("dsrgw.agent {\n  gateways = []\n  vips = [x]\n  mode = kernell\n}\n");
        assertEquals(List.of(
            "t.conf:2 dsrgw.agent.gateways: [] (expected: a non-empty list of IPv4/IPv6 addresses (the only "
                + "accepted tunnel sources), e.g. [10.0.2.2, \"fd00:2::2\"])",
            "t.conf:3 dsrgw.agent.vips[0]: \"x\" (expected: an IPv4 or IPv6 address; 4 dot-separated octets "
                + "needed, found 1)",
            "t.conf:4 dsrgw.agent.mode: \"kernell\" (expected: kernel, userspace or auto)"), errors);
    }
}
