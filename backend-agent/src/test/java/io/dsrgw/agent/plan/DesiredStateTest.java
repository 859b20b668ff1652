package io.dsrgw.agent.plan;

import io.dsrgw.conf.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DesiredStateTest {
    static String config(String body) {
        return "dsrgw.agent {\n gateways = [10.0.2.2]\n vips = [10.100.0.1, 10.100.0.2]\n" + body + "\n}\n";
    }

    @Test
    void shouldWantVipsOnLoopbackTheDecapTunAndTheDsrSysctls() throws Exception {
        DesiredState d = DesiredState.forConfig(ConfigLoader.parseAgent(config("decap-device = dsrx1"), "t.conf"));

        assertEquals(true, d.loopbackUp());
        assertEquals(List.of("dsrx1"), d.tunDevices());
        assertEquals(List.of("net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.dsrx1.rp_filter=0",
                        "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"),
                d.sysctls().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        assertEquals(List.of(new AddressSpec("lo", InetAddress.ofLiteral("10.100.0.1"), 32, "lo:dsrvip"),
                new AddressSpec("lo", InetAddress.ofLiteral("10.100.0.2"), 32, "lo:dsrvip")), d.addresses());
    }

    @Test
    void shouldAcceptAutoModeAsUserspace() throws Exception {
        DesiredState d = DesiredState.forConfig(ConfigLoader.parseAgent(config("mode = auto"), "t.conf"));

        assertEquals(List.of("dsrdecap0"), d.tunDevices());
    }

    @Test
    void shouldRefuseKernelModeWithoutTheHostsKernelSetup() throws Exception {
        var cfg = ConfigLoader.parseAgent(config("mode = kernel"), "t.conf");

        PlanException e = assertThrows(PlanException.class, () -> DesiredState.forConfig(cfg));

        assertEquals("mode: kernel: needs the host's kernel support and local addresses (expected: "
                + "DesiredState.forConfig(config, kernelSetup))", e.getMessage());
    }

    @Test
    void shouldWantIpv6VipsWithoutDadAndAClampPerFamilyForEveryKind() throws Exception {
        var cfg = ConfigLoader.parseAgent("""
                dsrgw.agent {
                  gateways = [10.0.2.2, "fd00:2::2"]
                  vips = [10.100.0.1, "fd00:100::1"]
                  tunnels = [ipip, sit, gre, ip6tnl, ip6gre]
                  gre-keys = [42]
                  mss-clamp { tunnel-mtu = 1500 }
                }
                """, "t.conf");

        DesiredState d = DesiredState.forConfig(cfg);

        assertEquals(new AddressSpec("lo", InetAddress.ofLiteral("fd00:100::1"), 128, null), d.addresses().get(1));
        assertEquals("0", d.sysctls().get("net.ipv6.conf.dsrdecap0.disable_ipv6"));
        // ip6gre keyed: 44 + 8; IPv4 inner 1500 - 52 - 40, IPv6 inner 1500 - 52 - 60
        assertEquals(List.of("dsrgw mss-clamp ipv4 1408", "dsrgw mss-clamp ipv6 1388"),
                d.nftTable().chains().getFirst().rules().stream().map(NftTable.NftRule::comment).toList());
    }

    @Test
    void shouldEnableIpv6OnLoopbackForAnIpv6VipWithL2DsrOnly() throws Exception {
        // tunnels = [none]: no decap TUN, no tunnel device; the IPv6 VIP still goes on lo, which needs IPv6 there
        // (a host booted with disable_ipv6 = 1 refuses the address otherwise).
        var cfg = ConfigLoader.parseAgent("""
                dsrgw.agent {
                  gateways = [10.0.2.2]
                  vips = [10.100.0.1, "fd00:100::1"]
                  tunnels = [none]
                }
                """, "t.conf");

        DesiredState d = DesiredState.forConfig(cfg);

        assertEquals(List.of(), d.tunDevices());
        assertEquals(List.of("net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                        "net.ipv6.conf.lo.disable_ipv6=0"),
                d.sysctls().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        assertEquals(new AddressSpec("lo", InetAddress.ofLiteral("fd00:100::1"), 128, null), d.addresses().get(1));
    }

    @Test
    void shouldWantNoTableWhenTheClampIsOff() throws Exception {
        DesiredState d = DesiredState.forConfig(ConfigLoader.parseAgent(config("mss-clamp.enabled = false"), "t.conf"));

        assertEquals(null, d.nftTable());
    }
}
