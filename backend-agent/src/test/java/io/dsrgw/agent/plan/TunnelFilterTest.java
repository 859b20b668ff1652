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
}
