package io.dsrgw.harness.netns;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One marker file per live topology, {@value #DIR}/PREFIX.owner, holding the owning JVM's pid and start time.
 * A JVM killed with SIGKILL runs no shutdown hook; the next topology built on this host finds its marker, sees
 * that the owner is gone, and deletes the namespaces {@code PREFIX-*} (and kills, by PID, processes still inside
 * them). Only prefixes with a marker are ever swept, so namespaces of other tools are never touched. Public for
 * labs that build their own namespaces with {@link Topology#randomPrefix()} names (io.dsrgw.harness.bird).
 */
public final class OwnerMarkers {
    /** tmpfs on Debian: markers vanish on reboot together with the namespaces they describe. */
    static final String DIR = "/run/dsrgw-harness";
    private static final Logger LOG = LoggerFactory.getLogger(OwnerMarkers.class);

    private OwnerMarkers() {
    }

    /** Marks {@code PREFIX-*} namespaces as owned by this JVM. */
    public static void create(String prefix) throws IOException {
        Path dir = Path.of(DIR);
        Files.createDirectories(dir);
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(dir.resolve(prefix + ".owner"), self.pid() + " "
                + self.info().startInstant().map(Instant::toString).orElse("?") + "\n");
    }

    /** Removes the marker once the namespaces are gone. */
    public static void delete(String prefix) {
        try {
            Files.deleteIfExists(Path.of(DIR, prefix + ".owner"));
        } catch (IOException e) {
            LOG.warn("cannot delete owner marker {}/{}.owner: {}", DIR, prefix, e.toString());
        }
    }

    /** Prefixes whose owner process is gone (pid absent, or reused by a process with another start time). */
    static List<String> stalePrefixes() {
        List<String> stale = new ArrayList<>();
        Path dir = Path.of(DIR);
        if (!Files.isDirectory(dir)) {
            return stale;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.owner")) {
            for (Path f : ds) {
                String prefix = f.getFileName().toString().replace(".owner", "");
                if (!ownerAlive(Files.readString(f).strip())) {
                    stale.add(prefix);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot scan {} for stale topologies: {}", DIR, e.toString());
        }
        return stale;
    }

    static boolean ownerAlive(String marker) {
        String[] f = marker.split(" ");
        long pid;
        try {
            pid = Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> f.length < 2 || f[1].equals("?")
                        || h.info().startInstant().map(Instant::toString).orElse("?").equals(f[1]))
                .orElse(false);
    }
}
