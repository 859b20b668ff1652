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
    void shouldReportEveryUnsupportedFeatureAtOnce() throws Exception {
        var cfg = ConfigLoader.parseAgent("""
                dsrgw.agent {
                  mode = kernel
                  gateways = [10.0.2.2, "fd00:2::2"]
                  vips = [10.100.0.1, "fd00:100::1"]
                  tunnels = [ipip, gre, ip6tnl]
                }
                """, "t.conf");

        PlanException e = assertThrows(PlanException.class, () -> DesiredState.forConfig(cfg));

        assertEquals("""
                mode: kernel: not supported yet (expected: userspace or auto)
                gateways: fd00:2:0:0:0:0:0:2: IPv6 gateways are not supported yet (expected: IPv4)
                vips: fd00:100:0:0:0:0:0:1: IPv6 VIPs are not supported yet (expected: IPv4)
                tunnels: gre: not supported yet (expected: ipip)
                tunnels: ip6tnl: not supported yet (expected: ipip)""", e.getMessage());
    }
}
