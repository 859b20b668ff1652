package io.dsrgw.harness.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.dsrgw.conf.UnixSocketPaths;

/**
 * A short directory of one test or demo run for paths the kernel limits in length: unix sockets (at most
 * {@value UnixSocketPaths#MAX_PATH_BYTES} bytes, {@link UnixSocketPaths}). Work directories live under the
 * checkout ({@code test-harness/target/netns-logs/resilience-<19 digits>/...}), whose depth is the user's choice, so a
 * socket there binds or not depending on where the repository was cloned.
 *
 * <p>Created as {@code /tmp/dsrgw<digits>} by {@link Files#createTempDirectory} (mode 0700, a name no other run
 * has), deleted with its contents by {@link #close()}, also at JVM shutdown through {@link Cleanup}.
 */
public final class SocketDir implements AutoCloseable {
    /** Where the directories go: short, and present on every Linux. */
    public static final Path BASE = Path.of("/tmp");
    /** The name's prefix; the JDK appends a random number of up to 20 digits. */
    public static final String PREFIX = "dsrgw";

    private final Path dir;
    private boolean closed;

    private SocketDir(Path dir) {
        this.dir = dir;
    }

    /** Creates a new directory under {@link #BASE}; registers it with {@link Cleanup}. */
    public static SocketDir create() throws IOException {
        SocketDir d = new SocketDir(Files.createTempDirectory(BASE, PREFIX));
        Cleanup.register(d);
        return d;
    }

    /** The directory. */
    public Path path() {
        return dir;
    }

    /**
     * The path of socket {@code name} in this directory.
     *
     * @throws IllegalArgumentException if even this short path is over the kernel's limit (a name too long)
     */
    public Path socket(String name) {
        Path p = dir.resolve(name);
        String problem = UnixSocketPaths.problem("socket " + name, p.toString());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return p;
    }

    /** Deletes the directory and whatever is left in it (sockets of stopped processes). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cleanup.unregister(this);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("dsrgw-harness: cannot delete socket directory " + dir + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "socket directory " + dir;
    }
}
