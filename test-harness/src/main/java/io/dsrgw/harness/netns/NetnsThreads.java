package io.dsrgw.harness.netns;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import io.dsrgw.linux.Errno;

/**
 * Moves the calling platform thread into a named network namespace ({@code setns(open("/run/netns/NAME"),
 * CLONE_NEWNET)}), so that a load generator can open its sockets from inside the client namespace without a
 * helper process. Namespace membership is per thread on Linux: only the calling thread moves, for the rest of its
 * life, and sockets created there belong to that namespace. Use dedicated platform threads, never virtual
 * threads or pooled threads that others share.
 */
public final class NetnsThreads {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle SETNS;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
        SETNS = linker.downcallHandle(libc.find("setns").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private NetnsThreads() {
    }

    /** Moves the calling thread into network namespace {@code ns}; throws with errno's name on failure. */
    public static void enter(Namespace ns) throws IOException {
        enter(ns.name());
    }

    /**
     * Moves the calling thread into the network namespace named {@code name} ({@code /run/netns/NAME}, as
     * {@code ip netns add} creates it); throws with errno's name on failure. For namespaces this JVM did not create
     * through {@link Topology} (the VM harness's).
     */
    public static void enter(String name) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier thread");
        }
        String path = "/run/netns/" + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException("open(" + path + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
            }
            try {
                int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
                if (rc != 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    throw new IOException("setns(" + path + ", CLONE_NEWNET): " + Errno.name(errno) + " ("
                            + Errno.describe(errno) + ")");
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("setns into " + name + ": " + e, e);
        }
    }
}
