package io.dsrgw.agent.plan;

import io.dsrgw.agent.kernel.DecapModes;
import io.dsrgw.agent.kernel.KernelProbe;
import io.dsrgw.agent.state.AgentState;
import io.dsrgw.agent.state.StateFile;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel mode against a simulated host: every kind, GRE keys, drift, replacement, restart, down, auto fallback. */
class KernelModeTest {
    @TempDir
    Path dir;

    static AgentConfig config(String mode, String extra) throws Exception {
        return ConfigLoader.parseAgent("""
                dsrgw.agent {
                  mode = %s
                  gateways = [10.0.2.2, "fd00:2::2"]
                  vips = [10.100.0.1, "fd00:100::1"]
                  tunnels = [ipip, sit, gre, ip6tnl, ip6gre]
                  gre-keys = [42, 4294967295]
                  state-file = "/nonexistent/state.conf"
                  %s
                }
                """.formatted(mode, extra), "t.conf");
    }

    /** IPv4 only, kernel mode. */
    static AgentConfig v4(String extra) throws Exception {
        return ConfigLoader.parseAgent("dsrgw.agent { mode = kernel, gateways = [10.0.2.2], vips = [10.100.0.1], "
                + extra + " }", "t.conf");
    }

    static FakeHost host() {
        FakeHost h = FakeHost.typical();
        h.routeSources.put("10.0.2.2", "10.0.3.11");
        h.routeSources.put("fd00:2::2", "fd00:3::11");
        h.sysctls.put("net.ipv6.conf.lo.disable_ipv6", "0");
        return h;
    }

    DesiredState desired(FakeHost h, AgentConfig c) throws Exception {
        return DesiredState.forConfig(c, DecapModes.resolve(c, h, true).kernelSetup());
    }

    @Test
    void shouldCreateOneDevicePerKindPlusOnePerGreKeyBoundToTheRouteSourceWithThePathMtu() throws Exception {
        FakeHost h = host();
        DesiredState d = desired(h, config("kernel", ""));
        Plan plan = Planner.plan(d, ObservedStateReader.read(h, d, AgentState.EMPTY));
        List<String> creates = plan.describe().stream().filter(c -> c.startsWith("ip link add")
                || c.contains(" mtu ")).toList();
        assertEquals(List.of(
                "ip link add dsripip type ipip remote any local 10.0.3.11",
                "ip link set dev dsripip mtu 1480",
                "ip link add dsrsit type sit remote any local 10.0.3.11 mode any",
                "ip link set dev dsrsit mtu 1480",
                "ip link add dsrgre type gre remote any local 10.0.3.11",
                "ip link set dev dsrgre mtu 1476",
                "ip link add dsrgk2a type gre remote any local 10.0.3.11 key 42",
                "ip link set dev dsrgk2a mtu 1472",
                "ip link add dsrgkffffffff type gre remote any local 10.0.3.11 key 4294967295",
                "ip link set dev dsrgkffffffff mtu 1472",
                "ip link add dsrip6tnl type ip6tnl remote any local fd00:3::11 mode any",
                "ip link set dev dsrip6tnl mtu 1460",
                "ip link add dsrip6gre type ip6gre remote any local fd00:3::11",
                "ip link set dev dsrip6gre mtu 1456",
                "ip link add dsr6gk2a type ip6gre remote any local fd00:3::11 key 42",
                "ip link set dev dsr6gk2a mtu 1452",
                "ip link add dsr6gkffffffff type ip6gre remote any local fd00:3::11 key 4294967295",
                "ip link set dev dsr6gkffffffff mtu 1452"), creates);
        assertTrue(d.tunDevices().isEmpty(), "kernel mode needs no decap TUN: " + d.tunDevices());
        assertTrue(plan.describe().contains("sysctl -w net.ipv4.conf.default.rp_filter=0"), plan.toString());
        assertTrue(plan.describe().contains("sysctl -w net.ipv4.conf.dsrgk2a.rp_filter=0"), plan.toString());
        assertTrue(plan.describe().contains("sysctl -w net.ipv4.conf.all.arp_ignore=1"), plan.toString());
        assertTrue(plan.describe().contains("ip addr add fd00:100::1/128 dev lo nodad"), plan.toString());
        d.deviceNames().forEach(n -> assertTrue(n.startsWith("dsr") && n.length() <= 15, n));
    }

    @Test
    void shouldPreferTheConfiguredLocalAddressOverTheRoute() throws Exception {
        FakeHost h = host();
        DesiredState d = desired(h, v4("tunnels = [ipip], local-address.ipv4 = 10.9.9.9"));
        assertEquals("10.9.9.9", Addresses.literal(d.tunnelDevices().getFirst().local()));
        assertFalse(h.commands.stream().anyMatch(c -> c.contains("route get")), h.commands.toString());
    }

    @Test
    void shouldNameTheMissingRouteWhenTheLocalAddressCannotBeDerived() throws Exception {
        FakeHost h = host();
        h.routeSources.clear();
        var e = assertThrows(java.io.IOException.class, () -> desired(h, config("kernel", "")));
        assertEquals("local-address.ipv4 is not set and cannot be derived: ip -j -4 route get 10.0.2.2: exit 2: "
                + "RTNETLINK answers: Network is unreachable (expected: a route to gateway 10.0.2.2, or "
                + "local-address.ipv4 in the configuration)", e.getMessage());
    }

    @Test
    void shouldConvergeToAnEmptyPlanAndNotFlapAnythingOnRestart() throws Exception {
        FakeHost h = host();
        AgentConfig c = config("kernel", "");
        Path state = dir.resolve("state.conf");
        new Reconciler(h, desired(h, c), state).apply(op -> { });
        String converged = h.snapshot();
        int before = h.commands.size();

        // A restarted agent: resolves the modes again (no probe device: ours exist), plans, applies nothing.
        Reconciler restarted = new Reconciler(h, desired(h, c), state);
        assertTrue(restarted.plan().isEmpty(), restarted.plan().toString());
        assertTrue(restarted.apply(op -> { }).isEmpty());
        assertEquals(converged, h.snapshot(), "no interface, index, address or sysctl changed");
        assertTrue(h.commands.subList(before, h.commands.size()).stream()
                .allMatch(x -> x.startsWith("ip -j ") || x.startsWith("nft -j ")), "only reads: "
                + h.commands.subList(before, h.commands.size()));
    }

    @Test
    void shouldRepairDriftInPlace() throws Exception {
        FakeHost h = host();
        AgentConfig c = config("kernel", "");
        Reconciler r = new Reconciler(h, desired(h, c), dir.resolve("state.conf"));
        r.apply(op -> { });
        h.links.get("dsrgre").up = false;
        h.links.get("dsrip6tnl").mtu = 1400;
        h.sysctls.put("net.ipv4.conf.dsrsit.rp_filter", "1");

        assertEquals(List.of("ip link set dev dsrgre up", "ip link set dev dsrip6tnl mtu 1460",
                "sysctl -w net.ipv4.conf.dsrsit.rp_filter=0"), r.plan().describe());
        r.apply(op -> { });
        assertTrue(r.plan().isEmpty());
    }

    @Test
    void shouldReplaceADeviceOfOurNameWithWrongParameters() throws Exception {
        FakeHost h = host();
        h.addTunnelLink("dsrgk2a", "gre", true, 1472, Map.of("remote", "any", "local", "10.0.3.11",
                "ikey", "0.0.0.43", "okey", "0.0.0.43"));
        h.addTunnelLink("dsripip", "ipip", true, 1480, Map.of("remote", "any", "local", "10.0.3.99"));
        h.addTunnelLink("dsrip6tnl", "ip6tnl", true, 1460, Map.of("remote", "any", "local", "fd00:3::11",
                "proto", "ip6ip6"));
        h.addTunnelLink("dsrsit", "gre", true, 1480, Map.of("remote", "any", "local", "10.0.3.11"));
        AgentConfig c = config("kernel", "");
        DesiredState d = desired(h, c);
        for (TunnelDeviceSpec s : d.tunnelDevices()) {
            ObservedLink l = ObservedStateReader.read(h, d, AgentState.EMPTY).link(s.name());
            if (l != null) {
                assertTrue(s.mismatch(l) != null, s.name());
            }
        }
        Reconciler r = new Reconciler(h, d, dir.resolve("state.conf"));
        List<String> ops = r.plan().describe();
        for (String dev : List.of("dsripip", "dsrsit", "dsrgk2a", "dsrip6tnl")) {
            int del = ops.indexOf("ip link del dev " + dev);
            int add = ops.stream().filter(x -> x.startsWith("ip link add " + dev + " ")).findFirst()
                    .map(ops::indexOf).orElse(-1);
            assertTrue(del >= 0 && add > del, dev + ": " + ops);
        }
        r.apply(op -> { });
        assertTrue(r.plan().isEmpty(), r.plan().toString());
        assertEquals("0.0.0.42", h.links.get("dsrgk2a").tunnel.get("ikey"));
        assertEquals("any", h.links.get("dsrip6tnl").tunnel.get("proto"));
    }

    @Test
    void shouldDescribeMismatchesPrecisely() {
        TunnelDeviceSpec gre = TunnelDeviceSpec.of(TunnelKind.GRE, 42L, java.net.InetAddress.ofLiteral("10.0.3.11"),
                1500);
        ObservedLink ok = new ObservedLink("dsrgk2a", 5, true, "gre", false, false, null, 1472,
                Map.of("remote", "any", "local", "10.0.3.11", "ikey", "0.0.0.42"));
        assertNull(gre.mismatch(ok));
        assertEquals("ikey none (expected: 42)", gre.mismatch(new ObservedLink("dsrgk2a", 5, true, "gre", false,
                false, null, 1472, Map.of("remote", "any", "local", "10.0.3.11"))));
        assertEquals("remote 10.0.2.2 (expected: any)", gre.mismatch(new ObservedLink("dsrgk2a", 5, true, "gre",
                false, false, null, 1472, Map.of("remote", "10.0.2.2", "local", "10.0.3.11", "ikey", "0.0.0.42"))));
        assertEquals("kind gretap (expected: gre)", gre.mismatch(new ObservedLink("dsrgk2a", 5, true, "gretap",
                false, false, null, 1472, Map.of())));
        assertEquals(4294967295L, TunnelDeviceSpec.parseKey("255.255.255.255"));
    }

    @Test
    void shouldRemoveExactlyWhatItCreatedOnDown() throws Exception {
        FakeHost h = host();
        String before = h.snapshot();
        Path state = dir.resolve("state.conf");
        Reconciler r = new Reconciler(h, desired(h, config("kernel", "")), state);
        r.apply(op -> { });
        assertTrue(h.nftTable.chains().stream().anyMatch(ch -> ch.name().equals(TunnelFilter.CHAIN)));
        assertEquals(9, StateFile.load(state).orElseThrow().createdDevices().size());

        List<String> down = new ArrayList<>();
        new Reconciler(h, null, state).down(op -> down.add(op.describe()));
        assertEquals(before, h.snapshot());
        assertTrue(down.contains("nft delete table inet dsrgw_agent"), down.toString());
        assertTrue(down.contains("ip link del dev dsr6gkffffffff"), down.toString());
        assertTrue(down.contains("sysctl -w net.ipv4.conf.default.rp_filter=2"), down.toString());
    }

    @Test
    void shouldLeaveADeviceOfAnotherKindAndNameAlone() throws Exception {
        FakeHost h = host();
        h.addTunnelLink("gre1", "gre", true, 1476, Map.of("remote", "any", "local", "10.0.3.12"));
        Path state = dir.resolve("state.conf");
        Reconciler r = new Reconciler(h, desired(h, config("kernel", "")), state);
        r.apply(op -> { });
        new Reconciler(h, null, state).down(op -> { });
        assertTrue(h.links.containsKey("gre1"));
    }

    @Test
    void shouldFallBackToUserspaceInAutoModeForKindsTheKernelCannotCreate() throws Exception {
        FakeHost h = host();
        h.kernelKinds.remove("sit");
        h.kernelKinds.remove("ip6gre");
        AgentConfig c = config("auto", "");
        DecapModes m = DecapModes.resolve(c, h, true);

        assertEquals(List.of(TunnelKind.IPIP, TunnelKind.GRE, TunnelKind.IP6TNL), m.kernelKinds());
        assertEquals(List.of(TunnelKind.SIT, TunnelKind.IP6GRE), m.userKinds());
        assertEquals("mode auto: kernel decapsulation for [ipip, gre, ip6tnl], userspace for [sit, ip6gre] (the "
                + "kernel cannot create them: sit: ip link add dsrprobe1 type sit remote 192.0.2.1 local 192.0.2.2 "
                + "mode any: exit 2: Error: Unknown device type.; ip6gre: ip link add dsrprobe4 type ip6gre remote "
                + "2001:db8::1 local 2001:db8::2: exit 2: Error: Unknown device type.)", m.describe());
        assertTrue(h.commands.contains("ip link del dev dsrprobe0"), "a successful probe deletes its device");
        assertFalse(h.links.keySet().stream().anyMatch(n -> n.startsWith(KernelProbe.PROBE_PREFIX)));

        DesiredState d = DesiredState.forConfig(c, m.kernelSetup());
        assertEquals(List.of("dsrdecap0"), d.tunDevices(), "userspace kinds need the decap TUN");
        assertEquals(List.of("dsripip", "dsrgre", "dsrgk2a", "dsrgkffffffff", "dsrip6tnl"),
                d.tunnelDevices().stream().map(TunnelDeviceSpec::name).toList());
    }

    @Test
    void shouldUseUserspaceForEverythingInAutoModeOnAKernelWithoutTunnels() throws Exception {
        FakeHost h = host();
        h.kernelKinds.clear();
        AgentConfig c = config("auto", "");
        DecapModes m = DecapModes.resolve(c, h, true);
        assertTrue(m.kernelKinds().isEmpty());
        assertEquals(c.tunnels(), m.userKinds());
        DesiredState d = DesiredState.forConfig(c, m.kernelSetup());
        assertEquals(DesiredState.forConfig(config("userspace", "")), d, "auto on such a kernel = userspace mode");
    }

    @Test
    void shouldRefuseKernelModeNamingTheKindAndTheKernelsMessage() throws Exception {
        FakeHost h = host();
        h.kernelKinds.remove("ip6tnl");
        var e = assertThrows(PlanException.class, () -> DecapModes.resolve(config("kernel", ""), h, true));
        assertEquals("mode = kernel: the kernel cannot create ip6tnl devices: ip link add dsrprobe3 type ip6tnl "
                + "remote 2001:db8::1 local 2001:db8::2 mode any: exit 2: Error: Unknown device type. (expected: a "
                + "kernel with the ip6tnl driver, or mode = auto to decapsulate ip6tnl in userspace)", e.getMessage());
    }

    @Test
    void shouldTreatAProbeFailureOtherThanMissingSupportAsAnError() throws Exception {
        FakeHost h = host();
        h.failPrefix = "ip link add dsrprobe0";
        var e = assertThrows(java.io.IOException.class, () -> DecapModes.resolve(config("auto", ""), h, true));
        assertTrue(e.getMessage().startsWith("probing kernel support for ipip: ip link add dsrprobe0 type ipip "
                + "remote 192.0.2.1 local 192.0.2.2: exit 2: RTNETLINK answers: Operation not permitted"),
                e.getMessage());
    }

    @Test
    void shouldNotProbeAKindWhoseDeviceExistsAndDeleteALeftoverProbeDevice() throws Exception {
        FakeHost h = host();
        h.addTunnelLink("tunl0", "ipip", false, 1480, Map.of("remote", "any", "local", "any"));
        h.addTunnelLink("dsrprobe2", "gre", false, 1476, Map.of("remote", "192.0.2.1", "local", "192.0.2.2"));
        DecapModes.resolve(v4("tunnels = [ipip, gre]"), h, true);
        assertFalse(h.commands.stream().anyMatch(x -> x.startsWith("ip link add dsrprobe0")), h.commands.toString());
        assertTrue(h.commands.contains("ip link del dev dsrprobe2"));
        assertTrue(h.commands.contains("ip link add dsrprobe2 type gre remote 192.0.2.1 local 192.0.2.2"));
        assertFalse(h.links.containsKey("dsrprobe2"));
    }

    @Test
    void shouldSkipDevicesOfAnOuterFamilyWithoutGateways() throws Exception {
        AgentConfig c = ConfigLoader.parseAgent("dsrgw.agent { mode = kernel, gateways = [10.0.2.2], "
                + "vips = [10.100.0.1], tunnels = [ipip, ip6tnl] }", "t.conf");
        FakeHost h = host();
        DesiredState d = DesiredState.forConfig(c, DecapModes.resolve(c, h, true).kernelSetup());
        assertEquals(List.of("dsripip"), d.tunnelDevices().stream().map(TunnelDeviceSpec::name).toList());
    }
}
