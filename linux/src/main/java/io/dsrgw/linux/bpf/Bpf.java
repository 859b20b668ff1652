package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;

import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.Errno;
import io.dsrgw.linux.Probe;

/**
 * Whether BPF programs can be loaded here, in the style of Netty's {@code Epoll.isAvailable()} /
 * {@code unavailabilityCause()}: the probe runs once per JVM, on first use, and keeps its cause for error messages
 * and test skips.
 *
 * <p>The probe checks, in order: that {@code libbpf.so.1} can be loaded ("libbpf.so.1 not found (install the
 * Debian package libbpf1)") and has every function this package calls; that this process has CAP_BPF (or
 * CAP_SYS_ADMIN) and CAP_NET_ADMIN; that {@code bpf(2)} really creates a map (a one-entry array, closed again),
 * which is where seccomp filters, LSMs and container policies show up, e.g.
 * {@code "bpf_map_create(BPF_MAP_TYPE_ARRAY, dsrgw_probe): EPERM (Operation not permitted)"}.
 *
 * <p>Threading: any thread.
 */
public final class Bpf {
    private static final String PROBE_MAP = "dsrgw_probe";

    private Bpf() {
    }

    /** True when libbpf is loaded, the process has the capabilities and bpf(2) works. */
    public static boolean isAvailable() {
        return Lazy.PROBE.available();
    }

    /** Why BPF is unavailable, e.g. {@code "libbpf.so.1 not found (install the Debian package libbpf1)"}; null
     *  when available. */
    public static String unavailabilityCause() {
        return Lazy.PROBE.cause();
    }

    /** The probe as a value (for {@code Capabilities}-style reporting). */
    public static Probe probe() {
        return Lazy.PROBE;
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException with the cause, e.g. {@code "BPF is unavailable: effective uid 1000 lacks
     *                               CAP_BPF (or CAP_SYS_ADMIN), CAP_NET_ADMIN (...)"}
     */
    public static void ensureAvailable() {
        Probe probe = Lazy.PROBE;
        if (!probe.available()) {
            throw new IllegalStateException("BPF is unavailable: " + probe.cause());
        }
    }

    /**
     * Possible CPUs as libbpf counts them ({@code libbpf_num_possible_cpus()}, from
     * {@code /sys/devices/system/cpu/possible}): the number of values a per-CPU map returns per key. Can exceed
     * the online CPUs.
     */
    public static int possibleCpus() {
        ensureAvailable();
        return LibBpf.POSSIBLE_CPUS;
    }

    /** The loaded libbpf's version, e.g. {@code "1.1"}. */
    public static String libbpfVersion() {
        ensureAvailable();
        return LibBpf.version();
    }

    /** Holder: the probe runs on first use only. */
    private static final class Lazy {
        static final Probe PROBE = probe(LibBpf.LIBRARY);
    }

    static Probe probe(String library) {
        Probe found = probeLibrary(library);
        if (!found.available()) {
            return found;
        }
        try {
            if (LibBpf.POSSIBLE_CPUS <= 0) {
                return Probe.unavailable("libbpf_num_possible_cpus: " + LibBpf.POSSIBLE_CPUS);
            }
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Probe.unavailable(library + " unusable: " + cause.getMessage());
        } catch (LinkageError e) {
            // NoClassDefFoundError after a failed initialisation elsewhere, UnsatisfiedLinkError
            return Probe.unavailable(library + " unusable: " + e);
        }
        Probe privileges = Capabilities.bpfPrivileges();
        if (!privileges.available()) {
            return privileges;
        }
        return probeSyscall();
    }

    /** Whether {@code library} can be loaded by the dynamic linker. */
    static Probe probeLibrary(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return Probe.ok();
        } catch (IllegalArgumentException e) {
            return Probe.unavailable(library + " not found (install the Debian package libbpf1)");
        }
    }

    private static Probe probeSyscall() {
        try (Arena arena = Arena.ofConfined()) {
            int fd = LibBpf.mapCreate(BpfMapType.ARRAY.id(), arena.allocateFrom(PROBE_MAP), 4, 4, 1,
                    MemorySegment.NULL);
            if (fd < 0) {
                return Probe.unavailable("bpf_map_create(BPF_MAP_TYPE_ARRAY, " + PROBE_MAP + "): "
                        + Errno.format(-fd) + (-fd == Errno.EPERM
                        ? " (a seccomp filter, an LSM or the container's policy refuses bpf(2))" : ""));
            }
            LibBpf.close(fd);
            return Probe.ok();
        }
    }
}
