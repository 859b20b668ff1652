package io.dsrgw.agent.plan;

import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-back against real iproute2 output: {@code ip -j -d link show} captured verbatim in the Debian 6.1 test VM
 * (test-harness KernelAgentIT) right after {@code dsr-agent apply} in kernel mode with local 10.0.0.2 / fd00:1::2,
 * gre-keys [42], tunnel-mtu 1500. Besides the agent's seven devices it holds the drivers' fallback devices
 * (tunl0, gre0, sit0, ip6tnl0, ...), whose {@code proto} shows what a sit/ip6tnl device without {@code mode any}
 * reports: "ip6ip" and "ip6ip6".
 */
class RealKernelLinkJsonTest {
    private static final String COMMAND = "ip -j -d link show";

    static Map<String, ObservedLink> links() throws Exception {
        String json = new String(RealKernelLinkJsonTest.class
                .getResourceAsStream("/ip-link-show-debian-6.1-kernel-mode.json").readAllBytes(),
                StandardCharsets.UTF_8);
        return IpJson.parseLinks(json, COMMAND);
    }

    static List<TunnelDeviceSpec> specs() throws Exception {
        InetAddress l4 = InetAddress.getByName("10.0.0.2");
        InetAddress l6 = InetAddress.getByName("fd00:1::2");
        return List.of(TunnelDeviceSpec.of(TunnelKind.IPIP, null, l4, 1500),
                TunnelDeviceSpec.of(TunnelKind.SIT, null, l4, 1500),
                TunnelDeviceSpec.of(TunnelKind.GRE, null, l4, 1500),
                TunnelDeviceSpec.of(TunnelKind.GRE, 42L, l4, 1500),
                TunnelDeviceSpec.of(TunnelKind.IP6TNL, null, l6, 1500),
                TunnelDeviceSpec.of(TunnelKind.IP6GRE, null, l6, 1500),
                TunnelDeviceSpec.of(TunnelKind.IP6GRE, 42L, l6, 1500));
    }

    @Test
    void shouldJudgeEveryDeviceTheAgentCreatedOnTheRealKernelAsTheDeviceItWants() throws Exception {
        Map<String, ObservedLink> links = links();
        for (TunnelDeviceSpec spec : specs()) {
            ObservedLink link = links.get(spec.name());
            assertTrue(link != null, spec.name() + " in the captured output");
            assertNull(spec.mismatch(link), spec.name() + ": " + link.infoData());
            assertEquals(spec.mtuBytes(), link.mtuBytes(), spec.name() + " mtu");
            assertTrue(link.adminUp(), spec.name() + " UP");
        }
    }

    @Test
    void shouldReadTheRealFieldsOfSitIp6tnlAndKeyedGre() throws Exception {
        Map<String, ObservedLink> links = links();
        assertEquals("any", links.get("dsrsit").infoData().get("proto"));
        assertEquals("any", links.get("dsrip6tnl").infoData().get("proto"));
        assertEquals("any", links.get("dsrsit").infoData().get("remote"));
        assertEquals("any", links.get("dsrip6tnl").infoData().get("remote"));
        assertEquals("0.0.0.42", links.get("dsrgk2a").infoData().get("ikey"));
        assertEquals("0.0.0.42", links.get("dsr6gk2a").infoData().get("ikey"));
        assertEquals("fd00:1::2", links.get("dsrip6gre").infoData().get("local"));
    }

    @Test
    void shouldReplaceASitOrIp6tnlDeviceWithoutModeAnyAsTheRealKernelReportsIt() throws Exception {
        Map<String, ObservedLink> links = links();
        // The kernel's own sit0/ip6tnl0 are single-mode: their real proto values, on our devices' other fields.
        assertEquals("ip6ip", links.get("sit0").infoData().get("proto"));
        assertEquals("ip6ip6", links.get("ip6tnl0").infoData().get("proto"));
        for (String[] c : new String[][] {{"dsrsit", "sit0"}, {"dsrip6tnl", "ip6tnl0"}}) {
            ObservedLink ours = links.get(c[0]);
            Map<String, String> data = new HashMap<>(ours.infoData());
            data.put("proto", links.get(c[1]).infoData().get("proto"));
            ObservedLink singleMode = new ObservedLink(ours.name(), ours.index(), true, ours.kind(), false, false,
                    ours.addrGenMode(), ours.mtuBytes(), data);
            TunnelDeviceSpec spec = specs().stream().filter(s -> s.name().equals(c[0])).findFirst().orElseThrow();
            assertEquals("mode " + data.get("proto") + " (expected: any)", spec.mismatch(singleMode));
        }
    }

    @Test
    void shouldReplaceTheDriversFallbackDevicesWhichAreBoundToNoLocalAddress() throws Exception {
        Map<String, ObservedLink> links = links();
        TunnelDeviceSpec ipip = specs().get(0);
        assertEquals("local any (expected: 10.0.0.2)", ipip.mismatch(links.get("tunl0")));
    }
}
