package io.dsrgw.gateway.cli;

import io.dsrgw.conf.XdpConfig;
import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.bpf.Bpf;
import io.dsrgw.linux.bpf.XdpMode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assumeFalse(Capabilities.bpfPrivileges().available(), "this process has CAP_BPF, CAP_PERFMON and"
                + " CAP_NET_ADMIN");
        String problem = RunCommand.xdpProblem(new XdpConfig(List.of("lo"), XdpConfig.MODE_NATIVE));
        assertTrue(problem.startsWith("ingress.kind = xdp: ") && problem.contains("CAP_BPF")
                && problem.contains("CAP_PERFMON") && problem.contains("CAP_NET_ADMIN"), problem);
    }

    @Test
    void shouldNameCapPerfmonAndTheUnitLineWhenTheServiceLacksOnlyCapPerfmon() {
        // dsr-gateway.service without CAP_PERFMON: CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF as user dsrgw.
        String problem = RunCommand.xdpPrivilegeProblem(Capabilities.bpfPrivilegesFrom(998, 1L << 12 | 1L << 13
                | 1L << 39));
        assertEquals("ingress.kind = xdp: effective uid 998 lacks CAP_PERFMON (or CAP_SYS_ADMIN for CAP_PERFMON)"
                + " (CapEff 0000008000003000): run as root or grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (the XDP"
                + " fast path needs CAP_BPF to load its program, CAP_PERFMON or the verifier rejects it with EACCES,"
                + " and CAP_NET_ADMIN to attach it; under systemd the unit dsr-gateway.service grants them with"
                + " AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_BPF CAP_PERFMON and the same"
                + " CapabilityBoundingSet=; ingress.kind = tun needs none of the three)", problem);
    }

    @Test
    void shouldQuoteTheCapabilitiesLineTheShippedUnitHas() throws IOException {
        Path unit = Path.of("..", "dist", "systemd", "dsr-gateway.service");
        assertTrue(Files.readAllLines(unit).contains(RunCommand.UNIT_CAPABILITIES),
                unit + " has no line " + RunCommand.UNIT_CAPABILITIES);
    }

    @Test
    void shouldFindNoPrivilegeProblemWithTheUnitsCapabilitiesOrAsRoot() {
        assertNull(RunCommand.xdpPrivilegeProblem(Capabilities.bpfPrivilegesFrom(998, 1L << 12 | 1L << 13
                | 1L << 38 | 1L << 39)));
        assertNull(RunCommand.xdpPrivilegeProblem(Capabilities.bpfPrivilegesFrom(0, 0x1ffffffffffL)));
    }

    @Test
    void shouldMapTheConfiguredModeToTheAttachMode() {
        assertEquals(XdpMode.NATIVE, RunCommand.xdpMode(XdpConfig.MODE_NATIVE));
        assertEquals(XdpMode.GENERIC, RunCommand.xdpMode(XdpConfig.MODE_GENERIC));
    }
}
