package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gw;
import static io.dsrgw.conf.Errors.gwBackend;
import static io.dsrgw.conf.Errors.gwExtra;
import static io.dsrgw.conf.Errors.gwVip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 3 gateway keys: icmp, gre-checksum, GRE and overrides towards IPv6 backends, IPv6 MTU floor. */
class TunnelAndIcmpValidationTest {

    /** The base config with both tunnel sources, the VIP address and the backends replaced. */
    private static String dual(String vipAddress, String b0, String b1, String vip, String backend) {
        return gw("", vip, backend)
            .replace("tunnel-source { ipv4 = 10.0.2.2 }", "tunnel-source { ipv4 = 10.0.2.2, ipv6 = \"fd00:2::2\" }")
            .replace("address = 10.100.0.1", "address = " + vipAddress)
            .replace("address = 10.0.3.11", "address = " + b0)
            .replace("address = 10.0.3.12", "address = " + b1);
    }

    private static GatewayConfig parse(String hocon) throws ConfigException {
        return ConfigLoader.parseGateway(hocon, "t.conf");
    }

    // ---- icmp

    @Test
    void shouldReadEveryEchoMode() throws ConfigException {
        for (EchoMode m : EchoMode.values()) {
            GatewayConfig c = parse(gwExtra("icmp { echo = " + m.id() + " }"));
            assertEquals(m, c.icmp().echo());
            assertEquals(100, c.icmp().tooBigRate());
        }
    }

    @Test
    void shouldRejectAnUnknownEchoMode() {
        gatewayFails(gwExtra("icmp.echo = reply"),
            "t.conf:5 dsrgw.gateway.icmp.echo: \"reply\" (expected: answer, forward or drop)");
    }

    @Test
    void shouldAcceptTooBigRateZeroAsNeverSend() throws ConfigException {
        assertEquals(new IcmpConfig(EchoMode.ANSWER, 0), parse(gwExtra("icmp.too-big-rate = 0")).icmp());
    }

    @Test
    void shouldRejectANegativeTooBigRate() {
        gatewayFails(gwExtra("icmp { too-big-rate = -1 }"),
            "t.conf:5 dsrgw.gateway.icmp.too-big-rate: -1 (expected: an integer 0..1000000)");
    }

    @Test
    void shouldRejectATooBigRateAboveTheCap() {
        gatewayFails(gwExtra("icmp { too-big-rate = 1000001 }"),
            "t.conf:5 dsrgw.gateway.icmp.too-big-rate: 1000001 (expected: an integer 0..1000000)");
    }

    @Test
    void shouldReadTheEchoRateWithDefault100AndZeroAsNeverAnswer() throws ConfigException {
        assertEquals(100, parse(gwExtra("icmp { echo = answer }")).icmp().echoRate());
        assertEquals(new IcmpConfig(EchoMode.ANSWER, 100, 0), parse(gwExtra("icmp.echo-rate = 0")).icmp());
        assertEquals(new IcmpConfig(EchoMode.ANSWER, 7, 1000000),
            parse(gwExtra("icmp { too-big-rate = 7, echo-rate = 1000000 }")).icmp());
    }

    @Test
    void shouldRejectAnEchoRateOutOfRange() {
        gatewayFails(gwExtra("icmp { echo-rate = -1 }"),
            "t.conf:5 dsrgw.gateway.icmp.echo-rate: -1 (expected: an integer 0..1000000)");
        gatewayFails(gwExtra("icmp { echo-rate = 1000001 }"),
            "t.conf:5 dsrgw.gateway.icmp.echo-rate: 1000001 (expected: an integer 0..1000000)");
        gatewayFails(gwExtra("icmp { echo-rate = fast }"),
            "t.conf:5 dsrgw.gateway.icmp.echo-rate: \"fast\" (expected: an integer 0..1000000)");
    }

    @Test
    void shouldSuggestTheClosestIcmpKey() {
        gatewayFails(gwExtra("icmp { too-big-rat = 5 }"),
            "t.conf:5 dsrgw.gateway.icmp.too-big-rat: unknown key (expected: did you mean too-big-rate?)");
    }

    @Test
    void shouldSuggestIcmpForAMisspelledSection() {
        gatewayFails(gwExtra("imcp { echo = drop }"),
            "t.conf:5 dsrgw.gateway.imcp: unknown key (expected: did you mean icmp?)");
    }

    @Test
    void shouldRejectAScalarWhereTheIcmpObjectBelongs() {
        gatewayFails(gwExtra("icmp = answer"),
            "t.conf:5 dsrgw.gateway.icmp: \"answer\" (expected: an object { echo, echo-rate, too-big-rate })");
    }

    // ---- gre-checksum

    @Test
    void shouldReadGreChecksumOnAGreVip() throws ConfigException {
        VipConfig vip = parse(gwVip(", tunnel = gre, gre-key = 42, gre-checksum = true")).vips().get(0);
        assertTrue(vip.greChecksum());
        assertEquals(42L, vip.greKey());
    }

    @Test
    void shouldAcceptHoconBooleanSpellingsForGreChecksum() throws ConfigException {
        assertTrue(parse(gwVip(", tunnel = gre, gre-checksum = yes")).vips().get(0).greChecksum());
        assertFalse(parse(gwVip(", tunnel = gre, gre-checksum = off")).vips().get(0).greChecksum());
    }

    @Test
    void shouldRejectANonBooleanGreChecksum() {
        gatewayFails(gwVip(", tunnel = gre, gre-checksum = 1"),
            "t.conf:7 dsrgw.gateway.vips[0].gre-checksum: 1 (expected: true or false)");
    }

    @Test
    void shouldRejectGreChecksumOnAnIpipVip() {
        gatewayFails(gwVip(", gre-checksum = true"),
            "t.conf:7 dsrgw.gateway.vips[0].gre-checksum: true (expected: no gre-checksum on a VIP with tunnel = "
                + "ipip (set tunnel = gre, or tunnel = gre on a backend, to send GRE checksums))");
    }

    @Test
    void shouldAllowGreChecksumFalseOnAnIpipVip() throws ConfigException {
        assertFalse(parse(gwVip(", gre-checksum = false")).vips().get(0).greChecksum());
    }

    @Test
    void shouldAcceptGreChecksumWhenABackendOverridesToGre() throws ConfigException {
        VipConfig vip = parse(gw("", ", gre-checksum = true", ", tunnel = gre")).vips().get(0);
        assertTrue(vip.greChecksum());
        assertTrue(vip.usesGre());
    }

    @Test
    void shouldSuggestGreChecksumForATypo() {
        gatewayFails(gwVip(", tunnel = gre, gre-cheksum = true"),
            "t.conf:7 dsrgw.gateway.vips[0].gre-cheksum: unknown key (expected: did you mean gre-checksum?)");
    }

    // ---- kinds by backend family

    @Test
    void shouldKeepAGreKeyForIpv6BackendsWhichBecomeIp6gre() throws ConfigException {
        VipConfig vip = parse(dual("10.100.0.1", "\"fd00:3::11\"", "\"fd00:3::12\"",
            ", tunnel = gre, gre-key = 4294967295, gre-checksum = true", "")).vips().get(0);
        assertEquals(4294967295L, vip.greKey());
        assertTrue(vip.greChecksum());
        assertEquals(TunnelKind.IP6GRE, vip.backends().get(0).tunnelKind(vip));
        assertEquals(TunnelKind.IP6GRE, vip.backends().get(1).tunnelKind(vip));
    }

    @Test
    void shouldPickTheKindFromFamilyOverrideAndBackendAddress() throws ConfigException {
        // IPv4 VIP: ipip -> ipip (IPv4 backend) / ip6tnl (IPv6 backend); gre override -> gre / ip6gre.
        VipConfig v4 = parse(dual("10.100.0.1", "10.0.3.11", "\"fd00:3::12\"", "", "")).vips().get(0);
        assertEquals(TunnelKind.IPIP, v4.backends().get(0).tunnelKind(v4));
        assertEquals(TunnelKind.IP6TNL, v4.backends().get(1).tunnelKind(v4));
        VipConfig v4gre = parse(dual("10.100.0.1", "\"fd00:3::11\"", "10.0.3.12", ", gre-key = 7",
            ", tunnel = gre")).vips().get(0);
        assertEquals(TunnelKind.IP6GRE, v4gre.backends().get(0).tunnelKind(v4gre));
        assertEquals(TunnelKind.IPIP, v4gre.backends().get(1).tunnelKind(v4gre));
        // IPv6 VIP: ipip -> sit (IPv4 backend) / ip6tnl (IPv6 backend); gre -> gre / ip6gre.
        VipConfig v6 = parse(dual("\"fd00:100::1\"", "10.0.3.11", "\"fd00:3::12\"", "", "")).vips().get(0);
        assertEquals(TunnelKind.SIT, v6.backends().get(0).tunnelKind(v6));
        assertEquals(TunnelKind.IP6TNL, v6.backends().get(1).tunnelKind(v6));
        VipConfig v6gre = parse(dual("\"fd00:100::1\"", "10.0.3.11", "\"fd00:3::12\"", ", tunnel = gre",
            "")).vips().get(0);
        assertEquals(TunnelKind.GRE, v6gre.backends().get(0).tunnelKind(v6gre));
        assertEquals(TunnelKind.IP6GRE, v6gre.backends().get(1).tunnelKind(v6gre));
        VipConfig v6ovr = parse(dual("\"fd00:100::1\"", "\"fd00:3::11\"", "10.0.3.12", ", tunnel = gre",
            ", tunnel = ipip")).vips().get(0);
        assertEquals(TunnelKind.IP6TNL, v6ovr.backends().get(0).tunnelKind(v6ovr));
        assertEquals(TunnelKind.GRE, v6ovr.backends().get(1).tunnelKind(v6ovr));
    }

    @Test
    void shouldExplainThatIp6greIsGreToAnIpv6Backend() {
        gatewayFails(gwBackend(", tunnel = ip6gre"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].tunnel: \"ip6gre\" "
                + "(expected: ipip, gre, gue or none (ip6gre is gre to an IPv6 backend))");
    }

    // ---- IPv6 MTU floor (RFC 8200 section 5)

    @Test
    void shouldRequire1280ForAnIpv6OuterHeader() {
        gatewayFails(dual("10.100.0.1", "10.0.3.11", "\"fd00:3::12\"", "", "").replace("  \n",
                "  tunnel-mtu = 1279\n"),
            "t.conf:5 dsrgw.gateway.tunnel-mtu: 1279 (expected: an integer 1280..65535: VIP web reaches backend "
                + "fd00:3::12 through ip6tnl (IPv6 outer header), and IPv6 needs a link MTU of at least 1280 "
                + "(RFC 8200 section 5))");
    }

    @Test
    void shouldRequire1280PlusTheLargestOverheadForAnIpv6Vip() {
        String hocon = dual("\"fd00:100::1\"", "10.0.3.11", "\"fd00:3::12\"",
            ", tunnel = gre, gre-key = 1, gre-checksum = true", "").replace("  \n", "  tunnel-mtu = 1331\n");
        gatewayFails(hocon, "t.conf:5 dsrgw.gateway.tunnel-mtu: 1331 (expected: an integer 1332..65535: VIP web "
            + "reaches backend fd00:3::12 through ip6gre (52 bytes of outer headers around IPv6), and IPv6 needs a "
            + "link MTU of at least 1280 (RFC 8200 section 5))");
    }

    @Test
    void shouldAcceptExactlyTheIpv6MtuFloor() throws ConfigException {
        String hocon = dual("\"fd00:100::1\"", "10.0.3.11", "\"fd00:3::12\"",
            ", tunnel = gre, gre-key = 1, gre-checksum = true", "").replace("  \n", "  tunnel-mtu = 1332\n");
        assertEquals(1332, parse(hocon).tunnelMtu());
        // sit to an IPv4 backend only adds 20 bytes
        assertEquals(1300, parse(dual("\"fd00:100::1\"", "10.0.3.11", "10.0.3.12", "", "")
            .replace("  \n", "  tunnel-mtu = 1300\n")).tunnelMtu());
    }

    @Test
    void shouldKeepTheOldMinimumForIpv4Only() throws ConfigException {
        assertEquals(576, parse(gwExtra("tunnel-mtu = 576")).tunnelMtu());
    }

    @Test
    void shouldReportEveryNewProblemInOnePass() {
        List<String> errors = gateway(gw("icmp { echo = pong, too-big-rate = x }", ", gre-checksum = maybe", ""));
        assertEquals(List.of(
            "t.conf:5 dsrgw.gateway.icmp.echo: \"pong\" (expected: answer, forward or drop)",
            "t.conf:5 dsrgw.gateway.icmp.too-big-rate: \"x\" (expected: an integer 0..1000000)",
            "t.conf:7 dsrgw.gateway.vips[0].gre-checksum: \"maybe\" (expected: true or false)"), errors);
    }
}
