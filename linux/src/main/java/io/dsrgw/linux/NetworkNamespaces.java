package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Moves the calling platform thread into a named network namespace: {@code setns(open("/run/netns/NAME"),
 * CLONE_NEWNET)}, the namespaces {@code ip netns add} creates. Namespace membership is per thread on Linux: only the
 * calling thread moves, for the rest of its life, and the sockets, interface lookups, BPF test runs and XDP
 * attachments it makes afterwards belong to that namespace. Use dedicated platform threads, never virtual threads
 * (setns would move their carrier) or pooled threads that others share.
 *
 * <p>The one setns binding of the project: the test harness's namespace threads, the gateway's XDP tests and the
 * benchmark's generator all enter namespaces through it.
 */
public final class NetworkNamespaces {
    /** {@code <sched.h>}: the namespace type of {@code setns}. */
    static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    private NetworkNamespaces() {
    }

    /**
     * Moves the calling thread into network namespace {@code name} ({@code /run/netns/NAME}).
     *
     * @throws LinuxException e.g. {@code open(/run/netns/x): ENOENT (...)} or {@code setns(/run/netns/x, CLONE_NEWNET):
     *                        EPERM (...)}
     * @throws IllegalStateException on a virtual thread
     */
    public static void enterCurrentThread(String name) throws LinuxException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier thread");
        }
        String path = "/run/netns/" + name;
        MemorySegment st = Native.state();
        try (Arena arena = Arena.ofConfined()) {
            int fd = Native.open(st, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new LinuxException("open", path, Native.errno(st));
            }
            try {
                if (Native.setns(st, fd, CLONE_NEWNET) != 0) {
                    throw new LinuxException("setns", path + ", CLONE_NEWNET", Native.errno(st));
                }
            } finally {
                Native.close(st, fd);
            }
        }
    }
}
