package io.dsrgw.agent.plan;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel-mode source filter: exact nft rules, counters, read-back matching. */
class TunnelFilterTest {
    @Test
    void shouldAcceptTunnelProtocolsOnlyFromGatewaysAndCountTheRestPerFamily() {
        NftTable t = TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.3"), InetAddress.ofLiteral("10.0.2.2"),
                InetAddress.ofLiteral("fd00:2::2")));
        assertEquals("add table inet dsrgw_agent; delete table inet dsrgw_agent; table inet dsrgw_agent {"
                + " set gateways4 { type ipv4_addr; elements = { 10.0.2.2, 10.0.2.3 }; };"
                + " set gateways6 { type ipv6_addr; elements = { fd00:2::2 }; };"
                + " counter tunnel_drop_ipv4 { }; counter tunnel_drop_ipv6 { };"
                + " chain tunnel_filter { type filter hook input priority 0; policy accept;"
                + " meta nfproto ipv4 meta l4proto { 4, 41, 47 } ip saddr @gateways4 accept"
                + " comment \"dsrgw tunnel-filter ipv4 accept gateways\";"
                + " meta nfproto ipv4 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv4 drop"
                + " comment \"dsrgw tunnel-filter ipv4 drop others\";"
                + " meta nfproto ipv6 meta l4proto { 4, 41, 47 } ip6 saddr @gateways6 accept"
                + " comment \"dsrgw tunnel-filter ipv6 accept gateways\";"
                + " meta nfproto ipv6 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv6 drop"
                + " comment \"dsrgw tunnel-filter ipv6 drop others\"; }; }", t.script());
    }

    @Test
    void shouldAcceptGueOnlyFromGatewaysIntoTheSameCountersWhenGueIsDecapsulatedByTheKernel() {
        NftTable t = TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2")), 6080);
        List<String> rules = t.chains().getFirst().rules().stream().map(r -> r.statement() + " # " + r.comment())
                .toList();
        assertEquals(List.of(
                "meta nfproto ipv4 meta l4proto { 4, 41, 47 } ip saddr @gateways4 accept"
                        + " # dsrgw tunnel-filter ipv4 accept gateways",
                "meta nfproto ipv4 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv4 drop"
                        + " # dsrgw tunnel-filter ipv4 drop others",
                "meta nfproto ipv4 udp dport 6080 ip saddr @gateways4 accept # dsrgw tunnel-filter ipv4 gue 6080"
                        + " accept gateways",
                "meta nfproto ipv4 udp dport 6080 counter name tunnel_drop_ipv4 drop # dsrgw tunnel-filter ipv4 gue"
                        + " 6080 drop others",
                "meta nfproto ipv6 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv6 drop"
                        + " # dsrgw tunnel-filter ipv6 drop others",
                "meta nfproto ipv6 udp dport 6080 counter name tunnel_drop_ipv6 drop # dsrgw tunnel-filter ipv6 gue"
                        + " 6080 drop others"), rules);
        assertFalse(t.matches(TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2")), 5555)),
                "another gue-port replaces the table");
        assertFalse(t.matches(TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2")))));
    }

    @Test
    void shouldDropEveryTunnelPacketOfAFamilyWithoutGateways() {
        NftTable t = TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2")));
        List<String> comments = t.chains().getFirst().rules().stream().map(NftTable.NftRule::comment).toList();
        assertEquals(List.of("dsrgw tunnel-filter ipv4 accept gateways", "dsrgw tunnel-filter ipv4 drop others",
                "dsrgw tunnel-filter ipv6 drop others"), comments);
        assertEquals(1, t.sets().size());
    }

    @Test
    void shouldReplaceTheTableWhenAGatewayOrACounterChanges() throws Exception {
        NftTable want = TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2")));
        NftTable other = TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.9")));
        assertTrue(want.matches(want));
        assertFalse(want.matches(other));
        assertFalse(want.matches(new NftTable(want.sets(), List.of("tunnel_drop_ipv4"), want.chains())));
    }

    @Test
    void shouldReadCounterValuesForStatus() throws Exception {
        String json = "{\"nftables\": [{\"metainfo\": {}}, {\"table\": {\"family\": \"inet\", \"name\": "
                + "\"dsrgw_agent\"}}, {\"counter\": {\"family\": \"inet\", \"name\": \"tunnel_drop_ipv4\", \"table\":"
                + " \"dsrgw_agent\", \"handle\": 2, \"packets\": 7, \"bytes\": 560}}]}";
        assertEquals(java.util.Map.of("tunnel_drop_ipv4", 7L), NftJson.counterPackets(json, "nft"));
        assertEquals(List.of("tunnel_drop_ipv4"), NftJson.parseTable(json, "nft").counters());
    }

    // ---------------------------------------------------------------- issue 14: inner destination

    @Test
    void shouldDropDecapsulatedPacketsNotToAVipOnTheAgentsAndTheFallbackTunnelDevices() {
        NftTable t = TunnelFilter.innerTable(List.of(InetAddress.ofLiteral("10.100.0.2"),
                InetAddress.ofLiteral("10.100.0.1"), InetAddress.ofLiteral("fd00:100::1")), List.of("dsripip", "dsrgre"));
        String iif = "iifname { \"dsrgre\", \"dsripip\", \"gre0\", \"ip6gre0\", \"ip6tnl0\", \"sit0\", \"tunl0\" }";
        assertEquals("add table inet dsrgw_agent; delete table inet dsrgw_agent; table inet dsrgw_agent {"
                + " set inner_vips4 { type ipv4_addr; elements = { 10.100.0.1, 10.100.0.2 }; };"
                + " set inner_vips6 { type ipv6_addr; elements = { fd00:100::1 }; };"
                + " counter tunnel_inner_drop_ipv4 { }; counter tunnel_inner_drop_ipv6 { };"
                + " chain tunnel_inner { type filter hook prerouting priority -150; policy accept;"
                + " " + iif + " meta nfproto ipv4 ip daddr != @inner_vips4 counter name tunnel_inner_drop_ipv4 drop"
                + " comment \"dsrgw tunnel-inner ipv4 drop not a vip\";"
                + " " + iif + " meta nfproto ipv6 ip6 daddr != @inner_vips6 counter name tunnel_inner_drop_ipv6 drop"
                + " comment \"dsrgw tunnel-inner ipv6 drop not a vip\"; }; }", t.script());
    }

    @Test
    void shouldDropEveryDecapsulatedPacketOfAFamilyWithoutVips() {
        NftTable t = TunnelFilter.innerTable(List.of(InetAddress.ofLiteral("10.100.0.1")), List.of("dsripip"));
        List<String> statements = t.chains().getFirst().rules().stream().map(NftTable.NftRule::statement).toList();
        assertTrue(statements.get(0).contains("ip daddr != @inner_vips4"), statements.get(0));
        assertFalse(statements.get(1).contains("daddr"), statements.get(1));
        assertTrue(statements.get(1).endsWith("meta nfproto ipv6 counter name tunnel_inner_drop_ipv6 drop"),
                statements.get(1));
    }

    @Test
    void shouldBeAcceptedByNftTogetherWithTheSourceFilterAndTheMssClamp() throws Exception {
        java.nio.file.Path nft = java.nio.file.Path.of("/usr/sbin/nft");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(nft),
                "nft is not installed: the ruleset cannot be checked with nft -c");
        List<InetAddress> vips = List.of(InetAddress.ofLiteral("10.100.0.1"), InetAddress.ofLiteral("fd00:100::1"));
        NftTable t = NftTable.merge(MssClamp.table(vips, List.of(io.dsrgw.encap.tunnel.TunnelKind.IPIP,
                        io.dsrgw.encap.tunnel.TunnelKind.IP6TNL), false, 1500),
                NftTable.merge(TunnelFilter.table(List.of(InetAddress.ofLiteral("10.0.2.2"))),
                        TunnelFilter.innerTable(vips, List.of("dsripip", "dsrip6tnl"))));
        java.nio.file.Path file = java.nio.file.Files.createTempFile("dsrgw-nft", ".nft");
        try {
            java.nio.file.Files.writeString(file, t.script() + "\n");
            Process p = new ProcessBuilder(nft.toString(), "-c", "-f", file.toString()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            int code = p.waitFor();
            org.junit.jupiter.api.Assumptions.assumeFalse(out.contains("Operation not permitted"),
                    "nft -c needs CAP_NET_ADMIN: " + out);
            assertEquals(0, code, "nft -c -f rejected the ruleset: " + out + "\n" + t.script());
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
