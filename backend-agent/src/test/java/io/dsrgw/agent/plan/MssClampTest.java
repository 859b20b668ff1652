package io.dsrgw.agent.plan;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static io.dsrgw.encap.tunnel.TunnelKind.GRE;
import static io.dsrgw.encap.tunnel.TunnelKind.IP6GRE;
import static io.dsrgw.encap.tunnel.TunnelKind.IP6TNL;
import static io.dsrgw.encap.tunnel.TunnelKind.IPIP;
import static io.dsrgw.encap.tunnel.TunnelKind.SIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MSS values per kind and family (the recipe's measured working values at MTU 1500), and the nft rules. */
class MssClampTest {
    static int mss(int family, boolean keys, TunnelKind... kinds) throws PlanException {
        return MssClamp.mssBytes(family, List.of(kinds), keys, 1500);
    }

    @Test
    void shouldSubtractTheLargestOverheadOfTheKindsCarryingEachFamily() throws Exception {
        assertEquals(1440, mss(4, false, IPIP));
        assertEquals(1436, mss(4, false, GRE));
        assertEquals(1428, mss(4, true, GRE));                 // key + checksum assumed when keys are configured
        assertEquals(1420, mss(4, false, IP6TNL));
        assertEquals(1400, mss(6, false, IP6TNL));
        assertEquals(1420, mss(6, false, SIT));
        assertEquals(1416, mss(6, false, GRE));
        assertEquals(1396, mss(6, false, IP6GRE));
        assertEquals(1388, mss(6, true, IP6GRE));
        assertEquals(1416, mss(4, false, IPIP, GRE, IP6GRE));  // the smallest wins
        assertEquals(1440, mss(4, true, IPIP, SIT));           // keys do not matter without GRE; sit carries no IPv4
    }

    @Test
    void shouldHaveNoValueForAFamilyNoKindCarries() throws Exception {
        assertEquals(-1, mss(6, false, IPIP));
        assertEquals(-1, mss(4, false, SIT));
    }

    @Test
    void shouldRefuseAnMtuThatLeavesNoRoom() {
        PlanException e = assertThrows(PlanException.class, () -> MssClamp.mssBytes(6, List.of(IP6GRE), true, 100));
        assertTrue(e.getMessage().startsWith("mss-clamp.tunnel-mtu: 100"), e.getMessage());
    }

    @Test
    void shouldWriteOneRulePerFamilyThatHasVipsAndACarrier() throws Exception {
        List<InetAddress> vips = List.of(InetAddress.ofLiteral("10.100.0.2"), InetAddress.ofLiteral("10.100.0.1"),
                InetAddress.ofLiteral("fd00:100:0:0:0:0:0:1"));

        NftTable ipipOnly = MssClamp.table(vips, List.of(IPIP), false, 1500);
        assertEquals(1, ipipOnly.sets().size());
        assertEquals(List.of("10.100.0.1", "10.100.0.2"), ipipOnly.sets().getFirst().elements());
        assertEquals(List.of("dsrgw mss-clamp ipv4 1440"),
                ipipOnly.chains().getFirst().rules().stream().map(NftTable.NftRule::comment).toList());

        NftTable both = MssClamp.table(vips, List.of(IPIP, IP6TNL), false, 1500);
        assertEquals(List.of("fd00:100::1"), both.sets().get(1).elements());

        assertNull(MssClamp.table(List.of(InetAddress.ofLiteral("fd00:100::1")), List.of(IPIP), false, 1500));
    }

    @Test
    void shouldFormatIpv6LiteralsLikeIproute2AndNft() {
        assertEquals("fd00:100::1", Addresses.canonical("fd00:100:0:0:0:0:0:1"));
        assertEquals("::1", Addresses.canonical("0:0:0:0:0:0:0:1"));
        assertEquals("fd00::1:0:0:1", Addresses.canonical("fd00:0:0:0:1:0:0:1"));
        assertEquals("1:0:2::", Addresses.canonical("1:0:2:0:0:0:0:0"));
        assertEquals("10.0.0.1", Addresses.canonical("10.0.0.1"));
    }
}
