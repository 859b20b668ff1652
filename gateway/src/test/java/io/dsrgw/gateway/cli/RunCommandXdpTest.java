package io.dsrgw.gateway.cli;

import io.dsrgw.conf.XdpConfig;
import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.bpf.Bpf;
import io.dsrgw.linux.bpf.XdpMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The checks {@code dsr-gateway run} makes before it creates anything for {@code ingress.kind = xdp}. */
class RunCommandXdpTest {
    @Test
    void shouldNameAMissingInterfaceUnderIngressXdpInterfaces() {
        assumeTrue(Bpf.isAvailable(), "BPF unavailable: " + Bpf.unavailabilityCause());
        String problem = RunCommand.xdpProblem(new XdpConfig(List.of("lo", "nosuchif0"), XdpConfig.MODE_NATIVE));
        assertEquals("ingress.xdp.interfaces: nosuchif0: no such network interface in this network namespace"
                + " (expected: the interfaces VIP traffic arrives on, e.g. eth0; see ip link)", problem);
        assertNull(RunCommand.xdpProblem(new XdpConfig(List.of("lo"), XdpConfig.MODE_NATIVE)));
    }

    @Test
    void shouldNameTheMissingCapabilitiesWhenUnprivileged() {
        assumeFalse(Capabilities.bpfPrivileges().available(), "this process has CAP_BPF and CAP_NET_ADMIN");
        String problem = RunCommand.xdpProblem(new XdpConfig(List.of("lo"), XdpConfig.MODE_NATIVE));
        assertTrue(problem.startsWith("ingress.kind = xdp: ") && problem.contains("CAP_BPF")
                && problem.contains("CAP_NET_ADMIN"), problem);
    }

    @Test
    void shouldMapTheConfiguredModeToTheAttachMode() {
        assertEquals(XdpMode.NATIVE, RunCommand.xdpMode(XdpConfig.MODE_NATIVE));
        assertEquals(XdpMode.GENERIC, RunCommand.xdpMode(XdpConfig.MODE_GENERIC));
    }
}
