package io.dsrgw.agent.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateFileTest {
    @TempDir
    Path dir;

    static AgentState sample() {
        return AgentState.EMPTY
                .withCreatedDevice(new AgentState.Device("dsrdecap0", "tun"))
                .withSysctlOldValue("net.ipv4.conf.all.rp_filter", "2")
                .withSysctlOldValue("net.ipv4.conf.all.arp_ignore", "0")
                .withCreatedAddress(new AgentState.Address("lo", "10.100.0.1", 32, "lo:dsrvip"))
                .withCreatedAddress(new AgentState.Address("lo", "fd00:100:0:0:0:0:0:1", 128, null));
    }

    @Test
    void shouldReadBackExactlyWhatItWroteInOrder() throws IOException {
        Path file = dir.resolve("var/lib/dsrgw/agent-state.conf");

        StateFile.save(file, sample());

        assertEquals(sample(), StateFile.load(file).orElseThrow());
        assertEquals(List.of("net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.arp_ignore"),
                List.copyOf(StateFile.load(file).orElseThrow().sysctlOldValues().keySet()));
    }

    @Test
    void shouldReplaceTheFileAtomicallyLeavingNoTemporaryFile() throws IOException {
        Path file = dir.resolve("state.conf");
        StateFile.save(file, sample());
        StateFile.save(file, sample().withoutSysctl("net.ipv4.conf.all.rp_filter"));

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        assertFalse(StateFile.load(file).orElseThrow().sysctlOldValues().containsKey("net.ipv4.conf.all.rp_filter"));
    }

    @Test
    void shouldRecordASysctlsOldValueOnlyOnce() {
        AgentState first = AgentState.EMPTY.withSysctlOldValue("net.ipv4.conf.all.arp_ignore", "0");

        AgentState again = first.withSysctlOldValue("net.ipv4.conf.all.arp_ignore", "1");

        assertSame(first, again);
        assertEquals("0", again.sysctlOldValues().get("net.ipv4.conf.all.arp_ignore"));
    }

    @Test
    void shouldForgetADevicesOwnSysctlsWithTheDevice() {
        AgentState s = AgentState.EMPTY.withCreatedDevice(new AgentState.Device("dsrdecap0", "tun"))
                .withSysctlOldValue("net.ipv4.conf.dsrdecap0.rp_filter", "2")
                .withSysctlOldValue("net.ipv4.conf.dsrdecap00.rp_filter", "2")
                .withSysctlOldValue("net.ipv4.conf.all.rp_filter", "1");

        AgentState after = s.withoutCreatedDevice("dsrdecap0");

        assertEquals(List.of("net.ipv4.conf.dsrdecap00.rp_filter", "net.ipv4.conf.all.rp_filter"),
                List.copyOf(after.sysctlOldValues().keySet()));
        assertTrue(after.createdDevices().isEmpty());
    }

    @Test
    void shouldReportAMissingFileAsEmptyAndAMalformedOneWithItsPath() throws IOException {
        assertTrue(StateFile.load(dir.resolve("none.conf")).isEmpty());

        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "{\"version\":1,\"addresses\":[{\"device\":\"lo\",\"address\":\"10.0.0.1\"}]}");
        IOException e = assertThrows(IOException.class, () -> StateFile.load(bad));
        assertEquals("state file " + bad + ": addresses[].prefixLength: malformed (expected: an integer 0..128 "
                + "(found null))", e.getMessage());

        Files.writeString(bad, "{\"version\":1,\"addresses\":[{\"device\":\"lo\",\"address\":\"vip.example\","
                + "\"prefixLength\":32}]}");
        e = assertThrows(IOException.class, () -> StateFile.load(bad));
        assertEquals("state file " + bad + ": addresses[].address: malformed (expected: an IP literal (found "
                + "\"vip.example\"))", e.getMessage());

        Files.writeString(bad, "{\"version\":2}");
        e = assertThrows(IOException.class, () -> StateFile.load(bad));
        assertEquals("state file " + bad + ": version: malformed (expected: 1 (found 2))", e.getMessage());

        Files.writeString(bad, "{\"version\":1,");
        e = assertThrows(IOException.class, () -> StateFile.load(bad));
        assertTrue(e.getMessage().startsWith("state file " + bad + ": not valid JSON: "), e.getMessage());
    }

    @Test
    void shouldDeleteTheFile() throws IOException {
        Path file = dir.resolve("state.conf");
        StateFile.save(file, sample());

        assertTrue(StateFile.delete(file));
        assertFalse(StateFile.delete(file));
    }

    @Test
    void shouldNameTheStateFileWhenItCannotBeWritten() throws IOException {
        Path blocker = dir.resolve("not-a-directory");
        Files.writeString(blocker, "x");
        Path file = blocker.resolve("state.conf");

        IOException e = assertThrows(IOException.class, () -> StateFile.save(file, sample()));

        assertTrue(e.getMessage().startsWith("state file " + file + ": cannot write (FileAlreadyExistsException: "),
                e.getMessage());
    }
}
