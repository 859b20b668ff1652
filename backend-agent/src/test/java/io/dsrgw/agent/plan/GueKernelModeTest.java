package io.dsrgw.agent.plan;

import io.dsrgw.agent.kernel.DecapModes;
import io.dsrgw.agent.state.AgentState;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tunnels = [gue]} in kernel mode against the simulated host: fou ports per gateway family, the
 * ipip/sit/ip6tnl devices the inner packets are handed to, the filter's UDP rules, convergence, and the fallback
 * to userspace when the kernel has no fou module.
 */
class GueKernelModeTest {
    @TempDir
    Path dir;

    static AgentConfig config(String mode, String tunnels, String gateways, String vips) throws Exception {
        return ConfigLoader.parseAgent("""
                dsrgw.agent {
                  mode = %s
                  gateways = %s
                  vips = %s
                  tunnels = %s
                  state-file = "/nonexistent/state.conf"
                }
                """.formatted(mode, gateways, vips, tunnels), "t.conf");
    }

    static AgentConfig dualStack(String mode, String tunnels) throws Exception {
        return config(mode, tunnels, "[10.0.2.2, \"fd00:2::2\"]", "[10.100.0.1, \"fd00:100::1\"]");
    }

    DesiredState desired(FakeHost h, AgentConfig c) throws Exception {
        return DesiredState.forConfig(c, DecapModes.resolve(c, h, true).kernelSetup());
    }

    @Test
    void shouldReadOneGueAsBothOuterFamiliesWhereThereAreGateways() throws Exception {
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE6), dualStack("kernel", "[gue]").tunnels());
        assertEquals(List.of(TunnelKind.GUE), config("kernel", "[gue]", "[10.0.2.2]", "[10.100.0.1]").tunnels());
        assertEquals(List.of(TunnelKind.GUE6), config("kernel", "[gue]", "[\"fd00:2::2\"]", "[10.100.0.1]")
                .tunnels());
    }

    @Test
    void shouldOpenFouPortsAndTheDevicesTheInnerPacketsAreHandedToAfterTheFilter() throws Exception {
        FakeHost h = KernelModeTest.host();
        DesiredState d = desired(h, dualStack("kernel", "[gue]"));
        List<String> ops = Planner.plan(d, ObservedStateReader.read(h, d, AgentState.EMPTY)).describe();
        assertEquals(List.of(
                "ip link add dsripip type ipip remote any local 10.0.3.11",
                "ip link set dev dsripip mtu 1472",
                "ip link add dsrsit type sit remote any local 10.0.3.11 mode any",
                "ip link set dev dsrsit mtu 1472",
                "ip link add dsrip6tnl type ip6tnl remote any local fd00:3::11 mode any",
                "ip link set dev dsrip6tnl mtu 1452"),
                ops.stream().filter(o -> o.startsWith("ip link add") || o.contains(" mtu ")).toList());
        int nft = ops.indexOf(ops.stream().filter(o -> o.startsWith("nft ")).findFirst().orElseThrow());
        assertEquals(List.of("ip fou add port 6080 gue", "ip fou add port 6080 gue -6"),
                ops.subList(nft + 1, nft + 3));
        String script = ops.get(nft);
        assertTrue(script.contains("meta nfproto ipv4 udp dport 6080 ip saddr @gateways4 accept"), script);
        assertTrue(script.contains("meta nfproto ipv6 udp dport 6080 counter name tunnel_drop_ipv6 drop"), script);
        assertTrue(script.contains("\"dsripip\"") && script.contains("\"dsrip6tnl\""),
                "the inner filter covers the devices GUE delivers through: " + script);
    }

    @Test
    void shouldShareTheIpipDeviceWithIpipAtGuesSmallerMtuAndConvergeOnRestart() throws Exception {
        FakeHost h = KernelModeTest.host();
        AgentConfig c = config("kernel", "[ipip, gue]", "[10.0.2.2]", "[10.100.0.1]");
        Path state = dir.resolve("state.conf");
        DesiredState d = desired(h, c);
        assertEquals(List.of("dsripip 1472"), d.tunnelDevices().stream().map(t -> t.name() + " " + t.mtuBytes())
                .toList(), "one ipip device for both kinds, no sit without an IPv6 VIP");
        assertEquals(List.of(new FouPortSpec(6080, 4)), d.fouPorts());
        new Reconciler(h, d, state).apply(op -> { });
        String converged = h.snapshot();
        Reconciler restarted = new Reconciler(h, desired(h, c), state);
        assertTrue(restarted.plan().isEmpty(), restarted.plan().toString());
        assertEquals(converged, h.snapshot());
        assertEquals(List.of("6080 4 gue"), h.fouPorts);
    }

    @Test
    void shouldUseTheConfiguredGuePort() throws Exception {
        FakeHost h = KernelModeTest.host();
        AgentConfig c = ConfigLoader.parseAgent("dsrgw.agent { mode = kernel, gateways = [10.0.2.2], vips ="
                + " [10.100.0.1], tunnels = [gue], gue-port = 5555 }", "t.conf");
        assertEquals(List.of(new FouPortSpec(5555, 4)), desired(h, c).fouPorts());
        assertTrue(desired(h, c).nftTable().script().contains("udp dport 5555"));
    }

    @Test
    void shouldRemoveFouPortsAndDevicesOnDown() throws Exception {
        FakeHost h = KernelModeTest.host();
        String before = h.snapshot();
        Reconciler r = new Reconciler(h, desired(h, dualStack("kernel", "[gue]")), dir.resolve("state.conf"));
        r.apply(op -> { });
        r.down(op -> { });
        assertEquals(before, h.snapshot());
    }

    @Test
    void shouldDecapsulateGueInUserspaceInAutoModeWhenTheKernelHasNoFouAndSayWhy() throws Exception {
        FakeHost h = KernelModeTest.host();
        h.fouModule = false;
        AgentConfig c = dualStack("auto", "[ipip, gue]");
        DecapModes m = DecapModes.resolve(c, h, true);
        assertEquals(List.of(TunnelKind.IPIP), m.kernelKinds());
        assertEquals(List.of(TunnelKind.GUE, TunnelKind.GUE6), m.userKinds());
        assertTrue(m.describe().contains("gue: no fou module in the kernel (CONFIG_NET_FOU): ip fou show: exit 1:"
                + " RTNETLINK answers: No such file or directory Error talking to the kernel"), m.describe());
        DesiredState d = DesiredState.forConfig(c, m.kernelSetup());
        assertEquals(List.of(), d.fouPorts());
        assertEquals(List.of("dsrdecap0"), d.tunDevices(), "gue needs the decap TUN");
        assertFalse(d.nftTable().script().contains("udp dport"), "userspace checks GUE sources itself");
    }

    @Test
    void shouldRefuseKernelModeWithoutFouWithThePreciseCause() throws Exception {
        FakeHost h = KernelModeTest.host();
        h.fouModule = false;
        PlanException e = assertThrows(PlanException.class,
                () -> DecapModes.resolve(dualStack("kernel", "[gue]"), h, true));
        assertEquals("mode = kernel: the kernel cannot decapsulate gue: no fou module in the kernel"
                + " (CONFIG_NET_FOU): ip fou show: exit 1: RTNETLINK answers: No such file or directory Error talking"
                + " to the kernel (expected: a kernel with the fou module (CONFIG_NET_FOU) and the ipip/sit/ip6tnl"
                + " drivers, or mode = auto to decapsulate gue in userspace)", e.getMessage());
    }

    @Test
    void shouldNameTheMissingDeviceDriverGueNeeds() throws Exception {
        FakeHost h = KernelModeTest.host();
        h.kernelKinds.remove("ip6tnl");
        DecapModes m = DecapModes.resolve(dualStack("auto", "[gue]"), h, true);
        assertEquals(List.of(TunnelKind.GUE), m.kernelKinds());
        assertEquals(List.of(TunnelKind.GUE6), m.userKinds());
        assertTrue(m.describe().contains("gue6: gue6 hands its inner packets to ip6tnl: ip link add dsrprobe3 type"
                + " ip6tnl"), m.describe());
    }
}
