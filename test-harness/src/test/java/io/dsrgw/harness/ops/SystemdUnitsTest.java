package io.dsrgw.harness.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The systemd units in dist/systemd: {@code systemd-analyze verify} accepts them without a single warning, checked in
 * a root directory of their own (the host's unit files plus stub launchers at the units' paths), so the test needs
 * neither the packages installed nor systemd running.
 */
class SystemdUnitsTest {
    static final Path UNITS = Path.of("..", "dist", "systemd").toAbsolutePath().normalize();
    static final List<String> NAMES = List.of("dsr-gateway.service", "dsr-agent.service");

    @TempDir
    Path root;

    @Test
    void systemdAnalyzeVerifiesBothUnitsWithoutAWarning() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze not installed (Debian package systemd)");
        assumeTrue(Files.isDirectory(Path.of("/lib/systemd/system")), "no /lib/systemd/system to verify against");
        String out = verify(NAMES);
        assertEquals("", out, "systemd-analyze verify printed warnings");
    }

    @Test
    void aUnitWithAnUnknownServiceTypeIsReported() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze not installed (Debian package systemd)");
        assumeTrue(Files.isDirectory(Path.of("/lib/systemd/system")), "no /lib/systemd/system to verify against");
        // The same check on a broken copy says so: the test above can fail.
        Path unitDir = Files.createDirectories(root.resolve("etc/systemd/system"));
        String broken = Files.readString(UNITS.resolve("dsr-gateway.service")).replace("Type=notify", "Type=notifyy");
        Files.writeString(unitDir.resolve("dsr-gateway.service"), broken);
        String out = verify(List.of("dsr-gateway.service"));
        assertTrue(out.contains("notifyy"), out);
    }

    @Test
    void bothUnitsAreNotifyServicesRunAsTheDsrgwUserWithOnlyNetworkCapabilitiesAndFamilies() throws IOException {
        for (String name : NAMES) {
            List<String> lines = Files.readAllLines(UNITS.resolve(name));
            assertTrue(lines.contains("Type=notify"), name);
            assertTrue(lines.contains("User=dsrgw"), name);
            assertTrue(lines.contains("NoNewPrivileges=yes"), name);
            assertTrue(lines.contains("ProtectSystem=strict"), name);
            // Both feed systemd's watchdog from their liveness (workers' heartbeats, the agent's convergence loop).
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("WatchdogSec=")), name + ": no WatchdogSec=");
            // The gateway also sends through AF_PACKET sockets (ingress.egress = packet); the agent does not.
            String families = "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6"
                    + (name.equals("dsr-gateway.service") ? " AF_PACKET" : "");
            assertTrue(lines.contains(families), name + ": " + families);
            String ambient = lines.stream().filter(l -> l.startsWith("AmbientCapabilities=")).findFirst().orElseThrow();
            String bounding = lines.stream().filter(l -> l.startsWith("CapabilityBoundingSet=")).findFirst()
                    .orElseThrow();
            assertEquals(ambient.substring(ambient.indexOf('=')), bounding.substring(bounding.indexOf('=')), name);
            assertTrue(ambient.contains("CAP_NET_ADMIN") && ambient.contains("CAP_NET_RAW"), name);
        }
    }

    /** Runs systemd-analyze verify on {@code names} (copied from dist/systemd) in a root of its own; returns output. */
    String verify(List<String> names) throws IOException, InterruptedException {
        Path unitDir = root.resolve("etc/systemd/system");
        Files.createDirectories(unitDir);
        Files.createDirectories(root.resolve("usr/bin"));
        for (String launcher : List.of("dsr-gateway", "dsrctl", "dsr-agent")) {
            Path stub = root.resolve("usr/bin").resolve(launcher);
            Files.writeString(stub, "#!/bin/sh\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // The targets the units name (network-online, multi-user) and their dependencies down to sysinit.target.
        Path system = root.resolve("lib/systemd/system");
        Files.createDirectories(system);
        try (Stream<Path> files = Files.list(Path.of("/lib/systemd/system"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, system.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/systemd-analyze", "verify", "--man=no",
                "--root=" + root));
        for (String name : names) {
            Path unit = UNITS.resolve(name);
            if (!Files.exists(unitDir.resolve(name))) {
                Files.copy(unit, unitDir.resolve(name));
            }
            cmd.add("/etc/systemd/system/" + name);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "systemd-analyze verify did not finish in 30 s");
        return p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }
}
