package io.dsrgw.harness.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.UnixSocketPaths;
import io.dsrgw.harness.scenario.DsrScenario;
import io.dsrgw.harness.scenario.ScenarioConfigs;

/** The short per-run directory that keeps unix sockets independent of the checkout's path (issue 10). */
class SocketDirTest {

    @Test
    void shouldGiveASocketPathThatBindsAndIsDeletedWithItsDirectory() throws IOException {
        Path socket;
        Path dir;
        try (SocketDir d = SocketDir.create()) {
            dir = d.path();
            assertEquals(SocketDir.BASE, dir.getParent());
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir)));
            socket = d.socket("gateway.sock");
            try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.bind(UnixDomainSocketAddress.of(socket));
            }
            assertTrue(Files.exists(socket), "a stopped server leaves its socket file");
        }
        assertFalse(Files.exists(dir), dir + " still there after close");
    }

    /**
     * The case of issue 10 without root: a work directory as deep as a long checkout's; the gateway config the
     * scenarios write puts the socket in the socket directory, and the conf loader (as check-config and run) accepts
     * it, while the same config with the socket under the work directory is refused with its length.
     */
    @Test
    void shouldKeepTheAdminSocketOutOfALongWorkDirectory(@TempDir Path tmp) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("a-checkout-path-of-a-newcomer-".repeat(5))
                .resolve("test-harness/target/netns-logs/resilience-10003227871793399578"));
        List<Backend> backends = List.of(new Backend("b1", null, "10.0.3.11", "eth0", "to-b1"));
        try (SocketDir d = SocketDir.create()) {
            String ok = ScenarioConfigs.gateway(DsrScenario.VIP, List.of(80), backends, d.socket("gateway.sock"));
            assertEquals(d.socket("gateway.sock").toString(),
                    ConfigLoader.parseGateway(ok, "gateway.conf").admin().socket());
        }
        Path underWork = work.resolve("gateway.sock");
        String bad = ScenarioConfigs.gateway(DsrScenario.VIP, List.of(80), backends, underWork);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseGateway(bad, "gateway.conf"));
        assertTrue(e.getMessage().contains("dsrgw.gateway.admin.socket: \"" + underWork + "\" is "
                + UnixSocketPaths.byteLength(underWork.toString()) + " bytes (expected: " + UnixSocketPaths.RULE
                + ")"), e.getMessage());
    }

    @Test
    void shouldRefuseASocketNameThatWouldNotFitEvenThere() throws IOException {
        try (SocketDir d = SocketDir.create()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.socket("s".repeat(UnixSocketPaths.MAX_PATH_BYTES)));
            assertTrue(e.getMessage().contains("(expected: a unix socket path of at most 107 bytes)"),
                    e.getMessage());
        }
    }
}
