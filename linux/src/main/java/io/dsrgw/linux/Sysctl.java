package io.dsrgw.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes kernel parameters through {@code /proc/sys}, like {@code sysctl(8)}.
 *
 * <p>Keys. {@code "net.ipv4.conf.all.rp_filter"} maps to {@code /proc/sys/net/ipv4/conf/all/rp_filter}. An
 * interface name may itself contain dots (VLAN {@code eth0.100}), so {@code "net.ipv4.conf.eth0.100.rp_filter"}
 * is resolved against the entries that exist: at each level the shortest dotted run of components that leads
 * to an existing file wins (so {@code eth0.100} is found even when {@code eth0} exists too); when nothing matches,
 * every dot becomes a slash. To avoid any guessing, use the slash form ({@code "net/ipv4/conf/eth0.100/
 * rp_filter"}, as sysctl(8) accepts) or {@link #path(String...)} with explicit components.
 *
 * <p>Threading: any thread. Not for the data path.
 */
public final class Sysctl {
    private static final Sysctl PROC = new Sysctl(Path.of("/proc/sys"));

    private final Path root;

    /** A sysctl tree at {@code root} (tests use a temporary directory). */
    Sysctl(Path root) {
        this.root = root;
    }

    /** Reads a value, trimmed, e.g. {@code read("net.ipv4.ip_forward")} = {@code "0"}. */
    public static String read(String key) throws IOException {
        return PROC.get(PROC.resolve(key), key);
    }

    /** Writes a value, e.g. {@code write("net.ipv4.conf.all.rp_filter", "0")}. */
    public static void write(String key, String value) throws IOException {
        PROC.set(PROC.resolve(key), key, value);
    }

    /** Reads the parameter at a path from {@link #path}. */
    public static String read(Path path) throws IOException {
        return PROC.get(path, path.toString());
    }

    /** Writes the parameter at a path from {@link #path}. */
    public static void write(Path path, String value) throws IOException {
        PROC.set(path, path.toString(), value);
    }

    /** The /proc/sys file of a key (dotted or slash form), resolved as described in the class comment. */
    public static Path path(String key) {
        return PROC.resolve(key);
    }

    /**
     * The /proc/sys file for explicit components, e.g. {@code path("net", "ipv4", "conf", "eth0.100",
     * "rp_filter")}; no component may be empty, ".", ".." or contain '/'.
     */
    public static Path path(String... parts) {
        return PROC.resolveParts(parts);
    }

    Path resolveParts(String... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("sysctl path without components");
        }
        Path p = root;
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('/') >= 0) {
                throw new IllegalArgumentException("sysctl path component '" + part
                        + "' (expected: non-empty, no '/', not . or ..)");
            }
            p = p.resolve(part);
        }
        return p;
    }

    Path resolve(String key) {
        if (key.isEmpty() || key.startsWith(".") || key.startsWith("/") || key.endsWith(".")
                || key.endsWith("/")) {
            throw new IllegalArgumentException("sysctl key '" + key + "' (expected: like net.ipv4.ip_forward)");
        }
        if (key.indexOf('/') >= 0) {
            return resolveParts(key.split("/"));
        }
        String[] parts = key.split("\\.");
        Path found = search(root, parts, 0);
        return found != null ? found : resolveParts(parts);
    }

    /** Depth-first: shortest dotted run first, backtracking when the rest of the key does not exist below it. */
    private static Path search(Path dir, String[] parts, int from) {
        if (from == parts.length) {
            return dir;
        }
        StringBuilder name = new StringBuilder();
        for (int end = from; end < parts.length; end++) {
            if (end > from) {
                name.append('.');
            }
            name.append(parts[end]);
            String n = name.toString();
            if (n.isEmpty() || n.equals("..") || n.equals(".")) {
                continue;
            }
            Path candidate = dir.resolve(n);
            if (Files.exists(candidate)) {
                Path result = search(candidate, parts, end + 1);
                if (result != null) {
                    return result;
                }
            }
        }
        return null;
    }

    String get(Path path, String key) throws IOException {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "sysctl " + key + " does not exist");
        } catch (IOException e) {
            throw new IOException("read sysctl " + key + " (" + path + "): " + e.getMessage(), e);
        }
    }

    void set(Path path, String key, String value) throws IOException {
        try {
            // never CREATE: a missing key must fail, not become a new file (in a test tree)
            Files.writeString(path, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "sysctl " + key + " does not exist");
        } catch (IOException e) {
            // the kernel's errno text arrives in the message (e.g. "Invalid argument" for a bad value)
            throw new IOException("write sysctl " + key + " = " + value + " (" + path + "): " + e.getMessage(), e);
        }
    }
}
