package io.dsrgw.harness.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.harness.netns.Commands;

/**
 * Crash safety for what a JVM killed with SIGKILL leaves behind (no shutdown hook runs, and qemu is a daemon that
 * outlives it): one marker per {@link VmNetwork}, {@value #DIR}/PREFIX.owner, holding
 * <pre>
 * owner PID START-INSTANT      the JVM that created the network
 * qemu-pidfile PATH            appended for every VM booted in it
 * </pre>
 * The next {@link VmNetwork#create()} on the host finds markers whose owner is gone, stops each qemu whose pidfile
 * PID still runs with that pidfile on its command line, kills the processes inside the namespaces PREFIX-cl and
 * PREFIX-gw (the orphaned gateway) and deletes them. Only prefixes with a marker are ever swept.
 */
final class VmOwnerMarkers {
    /** tmpfs on Debian: markers vanish on reboot together with the namespaces and processes they describe. */
    static final String DIR = "/run/dsrgw-harness-vm";
    private static final Logger LOG = LoggerFactory.getLogger(VmOwnerMarkers.class);

    private VmOwnerMarkers() {
    }

    static void create(String prefix) throws IOException {
        Files.createDirectories(Path.of(DIR));
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(marker(prefix), "owner " + self.pid() + " "
                + self.info().startInstant().map(Instant::toString).orElse("?") + "\n");
    }

    static void addQemuPidFile(String prefix, Path pidFile) {
        try {
            Files.writeString(marker(prefix), "qemu-pidfile " + pidFile.toAbsolutePath() + "\n",
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot record qemu pidfile in {}: {}", marker(prefix), e.toString());
        }
    }

    static void delete(String prefix) {
        try {
            Files.deleteIfExists(marker(prefix));
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", marker(prefix), e.toString());
        }
    }

    private static Path marker(String prefix) {
        return Path.of(DIR, prefix + ".owner");
    }

    /** Removes qemu processes and namespaces of every marker whose owner JVM is gone. */
    static void sweepStale() {
        Path dir = Path.of(DIR);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.owner")) {
            for (Path f : ds) {
                String prefix = f.getFileName().toString().replace(".owner", "");
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                if (lines.isEmpty() || ownerAlive(lines.get(0))) {
                    continue;
                }
                LOG.warn("removing VM network {} left behind by a dead harness JVM ({})", prefix, lines.get(0));
                for (String line : lines) {
                    if (line.startsWith("qemu-pidfile ")) {
                        killQemu(Path.of(line.substring("qemu-pidfile ".length()).strip()));
                    }
                }
                for (String ns : List.of(prefix + "-cl", prefix + "-gw")) {
                    // Everything inside a harness namespace was started by the harness (gateway, curl, ...).
                    for (String pid : Commands.run(List.of("ip", "netns", "pids", ns)).stdout().split("\\s+")) {
                        if (!pid.isBlank()) {
                            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                    Commands.run(List.of("ip", "netns", "del", ns));
                }
                Files.deleteIfExists(f);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot sweep {} for stale VM networks: {}", DIR, e.toString());
        }
    }

    private static void killQemu(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                    StandardCharsets.UTF_8);
            if (cmdline.contains(pidFile.toString())) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                LOG.warn("killed stale qemu pid {} ({})", pid, pidFile);
            }
        } catch (IOException | RuntimeException e) {
            // pidfile gone or process gone: nothing to stop
        }
    }

    /** "owner PID START": alive when the PID runs and (if recorded) started at START, so PID reuse is detected. */
    static boolean ownerAlive(String ownerLine) {
        String[] f = ownerLine.strip().split(" ");
        if (f.length < 2 || !f[0].equals("owner")) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(f[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> f.length < 3 || f[2].equals("?")
                        || h.info().startInstant().map(Instant::toString).orElse("?").equals(f[2]))
                .orElse(false);
    }
}
