package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static io.dsrgw.conf.Errors.ag;
import static io.dsrgw.conf.Errors.agent;
import static io.dsrgw.conf.Errors.agentFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 3 agent keys: every tunnel kind with the family rules, gre-keys, mss-clamp. */
class AgentTunnelValidationTest {

    private static AgentConfig parse(String hocon) throws ConfigException {
        return ConfigLoader.parseAgent(hocon, "t.conf");
    }

    private static String dualStack(String extra) {
        return ag(extra).replace("gateways = [10.0.2.2]", "gateways = [10.0.2.2, \"fd00:2::2\"]")
            .replace("vips = [10.100.0.1]", "vips = [10.100.0.1, \"fd00:100::1\"]");
    }

    @Test
    void shouldAcceptAllFiveKindsWithGatewaysOfBothFamilies() throws ConfigException {
        AgentConfig c = parse(dualStack("tunnels = [ipip, sit, gre, ip6tnl, ip6gre], gre-keys = [42, 0]"));
        assertEquals(List.of(TunnelKind.IPIP, TunnelKind.SIT, TunnelKind.GRE, TunnelKind.IP6TNL, TunnelKind.IP6GRE),
            c.tunnels());
        assertEquals(List.of(42L, 0L), c.greKeys());
        assertEquals(List.of(InetAddress.ofLiteral("10.0.2.2"), InetAddress.ofLiteral("fd00:2::2")), c.gateways());
    }

    @Test
    void shouldAcceptAnIpv6GatewayWithIp6tnlAlone() throws ConfigException {
        AgentConfig c = parse(ag("tunnels = [ip6tnl]").replace("gateways = [10.0.2.2]", "gateways = [\"fd00:2::2\"]"));
        assertEquals(List.of(TunnelKind.IP6TNL), c.tunnels());
    }

    @Test
    void shouldRejectAnIpv4GatewayWithOnlyIpv6OuterKinds() {
        agentFails(ag("tunnels = [ip6tnl, ip6gre]"),
            "t.conf:2 dsrgw.agent.gateways[0]: \"10.0.2.2\" (expected: an IPv4 tunnel source needs one of "
                + "[ipip, sit, gre, gue] in tunnels (tunnels = [ip6tnl, ip6gre]))");
    }

    @Test
    void shouldRejectAnIpv6GatewayWithOnlyIpv4OuterKinds() {
        agentFails(dualStack("tunnels = [ipip, sit, gre]"),
            "t.conf:2 dsrgw.agent.gateways[1]: \"fd00:2::2\" (expected: an IPv6 tunnel source needs one of "
                + "[ip6tnl, ip6gre, gue] in tunnels (tunnels = [ipip, sit, gre]))");
    }

    @Test
    void shouldRejectAnIpv4VipWhenOnlySitCanArrive() {
        agentFails(ag("tunnels = [sit]"),
            "t.conf:3 dsrgw.agent.vips[0]: \"10.100.0.1\" (expected: an IPv4 VIP needs one of "
                + "[ipip, gre, ip6tnl, ip6gre, gue] in tunnels (tunnels = [sit]))");
    }

    // ---- gre-keys

    @Test
    void shouldDefaultToNoGreKeys() throws ConfigException {
        assertEquals(List.of(), parse(ag("tunnels = [gre]")).greKeys());
    }

    @Test
    void shouldAcceptGreKeysWithIp6greOnly() throws ConfigException {
        AgentConfig c = parse(ag("tunnels = [ipip, ip6gre], gre-keys = [4294967295]"));
        assertEquals(List.of(4294967295L), c.greKeys());
    }

    @Test
    void shouldRejectGreKeysWithoutAGreKind() {
        agentFails(ag("gre-keys = [42]"),
            "t.conf:4 dsrgw.agent.gre-keys: [42] (expected: gre or ip6gre in tunnels to use gre-keys "
                + "(tunnels = [ipip]))");
    }

    @Test
    void shouldRejectAGreKeyAbove32Bits() {
        agentFails(ag("tunnels = [gre], gre-keys = [1, 4294967296]"),
            "t.conf:4 dsrgw.agent.gre-keys[1]: 4294967296 (expected: a GRE key 0..4294967295)");
    }

    @Test
    void shouldRejectANegativeGreKey() {
        agentFails(ag("tunnels = [gre], gre-keys = [-1]"),
            "t.conf:4 dsrgw.agent.gre-keys[0]: -1 (expected: a GRE key 0..4294967295)");
    }

    @Test
    void shouldRejectADuplicateGreKey() {
        agentFails(ag("tunnels = [gre], gre-keys = [42, \"42\"]"),
            "t.conf:4 dsrgw.agent.gre-keys[1]: \"42\" (expected: unique GRE keys; 42 is listed twice)");
    }

    @Test
    void shouldRejectASingleGreKeyThatIsNotAList() {
        agentFails(ag("tunnels = [gre], gre-keys = 42"),
            "t.conf:4 dsrgw.agent.gre-keys: 42 (expected: a list of unique GRE keys 0..4294967295, e.g. [42])");
    }

    @Test
    void shouldSuggestGreKeysForATypo() {
        agentFails(ag("tunnels = [gre], gre-key = [42]"),
            "t.conf:4 dsrgw.agent.gre-key: unknown key (expected: did you mean gre-keys?)");
    }

    // ---- mss-clamp

    @Test
    void shouldReadTheMssClamp() throws ConfigException {
        assertEquals(new MssClampConfig(false, 1400), parse(ag("mss-clamp { enabled = false, tunnel-mtu = 1400 }"))
            .mssClamp());
        assertEquals(new MssClampConfig(true, 9000), parse(ag("mss-clamp.tunnel-mtu = 9000")).mssClamp());
    }

    @Test
    void shouldRejectAMssClampTunnelMtuBelow576() {
        agentFails(ag("mss-clamp.tunnel-mtu = 575"),
            "t.conf:4 dsrgw.agent.mss-clamp.tunnel-mtu: 575 (expected: an integer 576..65535)");
    }

    @Test
    void shouldRejectANonBooleanMssClampEnabled() {
        agentFails(ag("mss-clamp.enabled = sometimes"),
            "t.conf:4 dsrgw.agent.mss-clamp.enabled: \"sometimes\" (expected: true or false)");
    }

    @Test
    void shouldRequire1280ForTheClampWithAnIpv6OuterKind() {
        agentFails(ag("tunnels = [ipip, ip6tnl], mss-clamp.tunnel-mtu = 1279"),
            "t.conf:4 dsrgw.agent.mss-clamp.tunnel-mtu: 1279 (expected: an integer 1280..65535 with an IPv6 outer "
                + "kind in tunnels (IPv6 needs a link MTU of at least 1280, RFC 8200 section 5))");
    }

    @Test
    void shouldAllowASmallTunnelMtuWhenTheClampIsOff() throws ConfigException {
        assertEquals(new MssClampConfig(false, 1000),
            parse(ag("tunnels = [ipip, ip6tnl], mss-clamp { enabled = false, tunnel-mtu = 1000 }")).mssClamp());
    }

    @Test
    void shouldSuggestTheClosestMssClampKey() {
        agentFails(ag("mss-clamp { enable = true }"),
            "t.conf:4 dsrgw.agent.mss-clamp.enable: unknown key (expected: did you mean enabled?)");
    }

    @Test
    void shouldReportEveryNewProblemInOnePass() {
        List<String> errors = agent("dsrgw.agent {\n"
            + "  gateways = [10.0.2.2]\n"
            + "  vips = [10.100.0.1]\n"
            + "  gre-keys = [x]\n"
            + "  mss-clamp { enabled = 2\n"
            + "    tunnel-mtu = 70000 }\n"
            + "}\n");
        assertEquals(List.of(
            "t.conf:4 dsrgw.agent.gre-keys[0]: \"x\" (expected: a GRE key 0..4294967295)",
            "t.conf:5 dsrgw.agent.mss-clamp.enabled: 2 (expected: true or false)",
            "t.conf:6 dsrgw.agent.mss-clamp.tunnel-mtu: 70000 (expected: an integer 576..65535)"), errors);
    }

    @Test
    void shouldReadTheOptionalLocalAddressesOfKernelMode() throws ConfigException {
        AgentConfig c = parse(dualStack("tunnels = [ipip, ip6tnl], local-address { ipv4 = 10.0.3.11, "
            + "ipv6 = \"fd00:3::11\" }"));
        assertEquals(InetAddress.ofLiteral("10.0.3.11"), c.localAddress().ipv4());
        assertEquals(InetAddress.ofLiteral("fd00:3::11"), c.localAddress().ipv6());
        assertEquals(LocalAddressConfig.DERIVED, parse(ag("")).localAddress());
        assertEquals(new LocalAddressConfig((java.net.Inet4Address) InetAddress.ofLiteral("10.0.3.11"), null),
            parse(ag("local-address.ipv4 = 10.0.3.11")).localAddress());
    }

    @Test
    void shouldRejectALocalAddressOfTheWrongFamilyWithFileAndLine() {
        assertEquals(List.of(
            "t.conf:5 dsrgw.agent.local-address.ipv4: \"fd00:3::11\" (expected: an IPv4 address; this is IPv6)",
            "t.conf:6 dsrgw.agent.local-address.ipv6: \"10.0.3.11\" (expected: an IPv6 address; this is IPv4)"),
            agent(ag("local-address {\n ipv4 = \"fd00:3::11\"\n ipv6 = 10.0.3.11 }")));
    }
}
