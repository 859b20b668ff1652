package io.dsrgw.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapabilitiesTest {
    @Test
    void shouldAcceptRootOrBothNetworkCapabilities() {
        assertTrue(Capabilities.rootFrom(0, 0x1ffffffffffL).available());
        assertTrue(Capabilities.rootFrom(1000, (1L << 12) | (1L << 13)).available());
    }

    @Test
    void shouldNameTheMissingCapabilities() {
        assertEquals("effective uid 1000 lacks CAP_NET_ADMIN, CAP_NET_RAW (CapEff 0000000000000000)",
                Capabilities.rootFrom(1000, 0).cause());
        assertEquals("effective uid 1000 lacks CAP_NET_RAW (CapEff 0000000000001000)",
                Capabilities.rootFrom(1000, 1L << 12).cause());
        // root in a container that dropped CAP_NET_ADMIN is not enough
        assertEquals("effective uid 0 lacks CAP_NET_ADMIN (CapEff 00000000a80425fb)",
                Capabilities.rootFrom(0, 0xa80425fbL).cause());
    }

    @Test
    void shouldAcceptCapBpfAndCapPerfmonOrCapSysAdminTogetherWithCapNetAdminForBpf() {
        assertTrue(Capabilities.bpfPrivilegesFrom(0, 0x1ffffffffffL).available());
        assertTrue(Capabilities.bpfPrivilegesFrom(1000, (1L << 39) | (1L << 38) | (1L << 12)).available());
        assertTrue(Capabilities.bpfPrivilegesFrom(1000, (1L << 21) | (1L << 12)).available());
    }

    @Test
    void shouldNameTheMissingBpfCapabilities() {
        assertEquals("effective uid 1000 lacks CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN (or CAP_SYS_ADMIN for CAP_BPF and"
                + " CAP_PERFMON) (CapEff 0000000000000000): run as root or grant CAP_BPF, CAP_PERFMON and"
                + " CAP_NET_ADMIN", Capabilities.bpfPrivilegesFrom(1000, 0).cause());
        assertEquals("effective uid 1000 lacks CAP_NET_ADMIN (CapEff 000000c000000000): run as root or grant CAP_BPF,"
                + " CAP_PERFMON and CAP_NET_ADMIN", Capabilities.bpfPrivilegesFrom(1000, 3L << 38).cause());
        assertEquals("effective uid 0 lacks CAP_BPF (or CAP_SYS_ADMIN for CAP_BPF) (CapEff 0000004000001000): run as"
                + " root or grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN",
                Capabilities.bpfPrivilegesFrom(0, 1L << 12 | 1L << 38).cause());
    }

    @Test
    void shouldNameCapPerfmonWhenOnlyItIsMissingAsTheVerifierRefusesWithoutIt() {
        // The unit before issue 13's follow-up: CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF, no CAP_PERFMON.
        long capEff = 1L << 12 | 1L << 13 | 1L << 39;
        assertEquals("effective uid 998 lacks CAP_PERFMON (or CAP_SYS_ADMIN for CAP_PERFMON) (CapEff"
                + " 0000008000003000): run as root or grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN",
                Capabilities.bpfPrivilegesFrom(998, capEff).cause());
        assertTrue(Capabilities.bpfPrivilegesFrom(998, capEff | 1L << 38).available());
    }

    @Test
    void shouldReadCapEffFromProcStatus(@TempDir Path dir) throws IOException {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n");
        assertEquals(0x1ffffffffffL, Capabilities.effectiveCapabilities(status));
        Files.writeString(status, "Name:\tjava\n");
        assertThrows(IOException.class, () -> Capabilities.effectiveCapabilities(status));
    }

    @Test
    void shouldReportTheRootProbeConsistentlyWithTheProcessCapabilities() throws IOException {
        Probe root = Capabilities.root();
        long capEff = Capabilities.effectiveCapabilities(Path.of("/proc/self/status"));
        boolean both = (capEff & 0x3000L) == 0x3000L;
        assertEquals(both, root.available(), root::toString);
        if (both) {
            assertNull(root.cause());
        } else {
            System.out.println("root probe: " + root);
        }
    }

    @Test
    void shouldKeepTheCauseWhenTheTunCloneDeviceIsMissing() {
        LinuxException e = assertThrows(LinuxException.class,
                () -> TunDevice.open("/nonexistent/net/tun", "dsrx0", true, true));
        assertEquals("open(/nonexistent/net/tun): ENOENT (No such file or directory)", e.getMessage());
        assertEquals("ENOENT", e.errnoName());
    }

    @Test
    void shouldProbeTunRawSocketsAndNetnsWhenRoot() {
        TestSupport.assumeRoot();
        // this machine has all three; a failure prints the kept cause
        assertTrue(Capabilities.tun().available(), () -> Capabilities.tun().cause());
        assertTrue(Capabilities.rawSockets().available(), () -> Capabilities.rawSockets().cause());
        assertTrue(Capabilities.netns().available(), () -> Capabilities.netns().cause());
    }

    @Test
    void shouldRejectAnAvailableProbeWithACauseAndAnUnavailableOneWithout() {
        assertThrows(IllegalArgumentException.class, () -> new Probe(true, "x"));
        assertThrows(IllegalArgumentException.class, () -> new Probe(false, null));
        assertFalse(Probe.unavailable("why").available());
        assertEquals("unavailable: why", Probe.unavailable("why").toString());
    }
}
