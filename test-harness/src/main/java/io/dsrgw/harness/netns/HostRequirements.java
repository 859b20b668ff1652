package io.dsrgw.harness.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks, once per JVM, that this host can build namespace topologies: effective uid 0, a working
 * {@code ip netns}, and {@code /dev/net/tun}. Callers (tests) turn a failed check into a skip that prints
 * {@link Check#cause()}.
 */
public final class HostRequirements {
    /** Result of a check; {@code cause} is null when available and otherwise says precisely what is missing. */
    public record Check(boolean available, String cause) {
        static Check ok() {
            return new Check(true, null);
        }

        static Check missing(String cause) {
            return new Check(false, cause);
        }
    }

    private static volatile Check cached;

    private HostRequirements() {
    }

    /** Root + iproute2 with netns support + /dev/net/tun. Cached after the first call. */
    public static Check netns() {
        Check c = cached;
        if (c == null) {
            c = probe();
            cached = c;
        }
        return c;
    }

    /** Whether {@code tool} is an executable on PATH (tshark, tcpdump, nft, curl, ...). */
    public static Check tool(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Check.ok();
            }
        }
        return Check.missing(tool + " not found on PATH (" + path + "); install its Debian package (scripts/lib.sh"
                + " does so when run as root)");
    }

    private static Check probe() {
        long uid = effectiveUid();
        if (uid != 0) {
            return Check.missing("not root (effective uid " + uid + "); namespace tests need root"
                    + " (run scripts/test as root)");
        }
        Check ip = tool("ip");
        if (!ip.available()) {
            return ip;
        }
        try {
            Commands.Result r = Commands.run(List.of("ip", "netns", "list"));
            if (!r.ok()) {
                return Check.missing("`ip netns list` exited " + r.exitCode() + ": " + r.stderr().strip());
            }
        } catch (CommandException e) {
            return Check.missing(e.getMessage());
        }
        Path tun = Path.of("/dev/net/tun");
        if (!Files.exists(tun)) {
            return Check.missing("/dev/net/tun does not exist (no TUN support: load the tun module or run the"
                    + " container with --device /dev/net/tun)");
        }
        if (!Files.isReadable(tun) || !Files.isWritable(tun)) {
            return Check.missing("/dev/net/tun is not readable and writable by uid " + uid);
        }
        return Check.ok();
    }

    /** Effective uid from /proc/self/status ("Uid: real effective saved fs"); -1 when unreadable. */
    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
