package io.dsrgw.linux;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Probes for the kernel features dsrgw needs. Each returns a {@link Probe} that keeps the cause of a failure,
 * e.g. {@code "open(/dev/net/tun): ENOENT (No such file or directory)"}, for error messages and test skips.
 * The expensive probes (tun, raw sockets, netns) run once per JVM and are cached.
 *
 * <p>Threading: any thread.
 */
public final class Capabilities {
    // <linux/capability.h>
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_NET_RAW = 13;
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    private Capabilities() {
    }

    /**
     * CAP_NET_ADMIN and CAP_NET_RAW in the effective capability set (what root has, unless a container or
     * {@code capsh --drop} took them away; what a non-root process granted both capabilities has too). When
     * /proc/self/status is unreadable, falls back to effective uid 0. Not cached.
     */
    public static Probe root() {
        return fromProcStatus(Capabilities::rootFrom);
    }

    /** Judges this process's effective uid and CapEff; effective uid 0 passes when /proc/self/status is unreadable. */
    private static Probe fromProcStatus(java.util.function.BiFunction<Integer, Long, Probe> judge) {
        int euid = Native.geteuid();
        long capEff;
        try {
            capEff = effectiveCapabilities(Path.of("/proc/self/status"));
        } catch (IOException | RuntimeException e) {
            return euid == 0 ? Probe.ok() : Probe.unavailable("effective uid " + euid
                    + " is not 0 and /proc/self/status is unreadable: " + e.getMessage());
        }
        return judge.apply(euid, capEff);
    }

    static Probe rootFrom(int euid, long capEff) {
        boolean admin = (capEff & (1L << CAP_NET_ADMIN)) != 0;
        boolean raw = (capEff & (1L << CAP_NET_RAW)) != 0;
        if (admin && raw) {
            return Probe.ok();
        }
        String missing = !admin && !raw ? "CAP_NET_ADMIN, CAP_NET_RAW" : !admin ? "CAP_NET_ADMIN" : "CAP_NET_RAW";
        return Probe.unavailable(String.format("effective uid %d lacks %s (CapEff %016x)", euid, missing, capEff));
    }

    /**
     * What loading dsrgw's BPF programs and attaching them to interfaces needs, in the effective set: CAP_BPF
     * (bpf(2) itself), CAP_PERFMON (without it the verifier applies the unprivileged Spectre rules and rejects the
     * program's pointer arithmetic with EACCES) and CAP_NET_ADMIN (the XDP attach). CAP_SYS_ADMIN stands in for
     * CAP_BPF and CAP_PERFMON, as the kernel accepts it in their place (and kernels before 5.8 require it). Root
     * has them all unless a container took them away. Falls back to effective uid 0 when /proc/self/status is
     * unreadable. Not cached.
     */
    public static Probe bpfPrivileges() {
        return fromProcStatus(Capabilities::bpfPrivilegesFrom);
    }

    /**
     * {@link #bpfPrivileges()} judged for a process with effective uid {@code euid} and effective capabilities
     * {@code capEff} (the bits of /proc/PID/status CapEff): the cause names every missing capability, e.g.
     * {@code "effective uid 998 lacks CAP_PERFMON (CapEff 0000008000003000): run as root or grant CAP_BPF,
     * CAP_PERFMON and CAP_NET_ADMIN"}.
     */
    public static Probe bpfPrivilegesFrom(int euid, long capEff) {
        boolean sysAdmin = (capEff & (1L << CAP_SYS_ADMIN)) != 0;
        boolean bpf = sysAdmin || (capEff & (1L << CAP_BPF)) != 0;
        boolean perfmon = sysAdmin || (capEff & (1L << CAP_PERFMON)) != 0;
        boolean admin = (capEff & (1L << CAP_NET_ADMIN)) != 0;
        if (bpf && perfmon && admin) {
            return Probe.ok();
        }
        List<String> missing = new ArrayList<>();
        if (!bpf) {
            missing.add("CAP_BPF");
        }
        if (!perfmon) {
            missing.add("CAP_PERFMON");
        }
        if (!admin) {
            missing.add("CAP_NET_ADMIN");
        }
        // CAP_SYS_ADMIN would do for the first two, but is far more than they need: named only as the alternative.
        String alternative = !bpf && !perfmon ? " (or CAP_SYS_ADMIN for CAP_BPF and CAP_PERFMON)"
                : !bpf ? " (or CAP_SYS_ADMIN for CAP_BPF)" : !perfmon ? " (or CAP_SYS_ADMIN for CAP_PERFMON)" : "";
        return Probe.unavailable(String.format("effective uid %d lacks %s%s (CapEff %016x): run as root or grant"
                + " CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN", euid, String.join(", ", missing), alternative, capEff));
    }

    /** The CapEff line of a /proc/PID/status file. */
    static long effectiveCapabilities(Path status) throws IOException {
        for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
            }
        }
        throw new IOException(status + ": no CapEff line");
    }

    /** {@code /dev/net/tun} opens and TUNSETIFF creates a multi-queue TUN (a temporary "dsrprobe%d"). Cached. */
    public static Probe tun() {
        return Lazy.TUN;
    }

    /** {@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)} works (needs CAP_NET_RAW). Cached. */
    public static Probe rawSockets() {
        return Lazy.RAW;
    }

    /**
     * Network namespaces usable through iproute2: root, {@code ip} on the PATH, {@code ip netns list} works.
     * Cached.
     */
    public static Probe netns() {
        return Lazy.NETNS;
    }

    /** Holder: computed on first use only. */
    private static final class Lazy {
        static final Probe TUN = probeTun();
        static final Probe RAW = probeRaw();
        static final Probe NETNS = probeNetns();
    }

    private static Probe probeTun() {
        try {
            TunDevice.open("dsrprobe%d", true, true).close();
            return Probe.ok();
        } catch (LinuxException e) {
            return Probe.unavailable(e.getMessage());
        }
    }

    private static Probe probeRaw() {
        try {
            RawSocket.ipv4Raw().close();
            return Probe.ok();
        } catch (LinuxException e) {
            return Probe.unavailable(e.getMessage());
        }
    }

    private static Probe probeNetns() {
        Probe root = root();
        if (!root.available()) {
            return root;
        }
        Path ip = findExecutable("ip");
        if (ip == null) {
            return Probe.unavailable("iproute2 'ip' not found on PATH " + System.getenv("PATH")
                    + " nor in /usr/sbin, /sbin");
        }
        try {
            Process p = new ProcessBuilder(ip.toString(), "netns", "list").redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Probe.unavailable(ip + " netns list: no answer within 10 s");
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                return Probe.unavailable(ip + " netns list: exit " + p.exitValue() + ": " + output);
            }
            return Probe.ok();
        } catch (IOException e) {
            return Probe.unavailable(ip + " netns list: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Probe.unavailable(ip + " netns list: interrupted");
        }
    }

    static Path findExecutable(String name) {
        String path = System.getenv("PATH");
        String dirs = (path == null ? "" : path) + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String dir : dirs.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
