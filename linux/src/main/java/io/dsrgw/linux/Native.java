package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles for the libc functions this module uses, all linked once with
 * {@code Linker.Option.captureCallState("errno")}: every handle takes the capture-state segment as its first
 * argument and the caller reads errno from it with {@link #errno(MemorySegment)} right after a failed call.
 *
 * <p>Pointer arguments of the per-packet calls (read, write, recvfrom, sendto, sendmmsg, recvmmsg, poll) are passed
 * as {@code long} addresses, not as {@code MemorySegment}s: on x86_64 and aarch64 a pointer and a 64-bit integer
 * travel in the same register, and a raw address needs no slice object per call, which keeps those paths free of
 * allocation. The public classes check bounds, nativeness and liveness of the segment before taking its address.
 *
 * <p>Every handle is {@code static final} and invoked with {@code invokeExact}, so the JIT binds the call site once.
 */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();

    /** Layout of the capture-state segment; contains at least {@code errno} ({@code int}). */
    static final StructLayout CAPTURE_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // <fcntl.h> / <asm-generic/fcntl.h> (x86_64, aarch64)
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;         // 04000 octal
    static final int O_CLOEXEC = 0x80000;        // 02000000 octal
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    // <bits/socket.h>, <bits/socket_type.h>
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_WAITFORONE = 0x10000;

    // <asm-generic/socket.h>
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_BINDTODEVICE = 25;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;

    // <linux/if_packet.h>, <linux/netlink.h>
    static final int SOL_PACKET = 263;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int NETLINK_ROUTE = 0;

    // <netinet/in.h>
    static final int IPPROTO_RAW = 255;

    // <poll.h> / <asm-generic/poll.h>
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    private static final MethodHandle OPEN = capture("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capture("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = capture("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = capture("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IOCTL = capture("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = capture("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = capture("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = capture("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = capture("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = capture("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVFROM = capture("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SENDTO = capture("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMMSG = capture("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVMMSG = capture("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle POLL = capture("poll",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = capture("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IF_INDEXTONAME = capture("if_indextoname",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle SETNS = capture("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SCHED_SETSCHEDULER = capture("sched_setscheduler",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SCHED_GETSCHEDULER = capture("sched_getscheduler",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code long syscall(long number, ...)}: the io_uring calls have no glibc wrapper. Every argument a long. */
    private static final MethodHandle SYSCALL2 = capture("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL6 = capture("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = capture("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = capture("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETEUID = LINKER.downcallHandle(find("geteuid"),
            FunctionDescriptor.of(JAVA_INT));

    /**
     * One capture-state segment per thread, so that any thread may make a call and read its own errno. The
     * segment lives as long as the thread references it ({@link Arena#ofAuto()}); {@code get()} does not allocate.
     */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(Native::newState);

    private Native() {
    }

    private static MemorySegment find(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
    }

    private static MethodHandle capture(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(find(name), fd, options);
    }

    /** A new capture-state segment, freed when unreachable. */
    static MemorySegment newState() {
        return Arena.ofAuto().allocate(CAPTURE_STATE);
    }

    /** This thread's capture-state segment. */
    static MemorySegment state() {
        return STATE.get();
    }

    /** errno captured by the last call made with {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * The result convention of the non-throwing packet calls ({@code tryRead}, {@code tryWrite},
     * {@code tryReceive}, {@code ReceiveBatch.receive}): the count {@code n} (bytes or messages) of a successful call, 0 when it would block (EAGAIN) or
     * was interrupted (EINTR), otherwise {@code -errno} as captured in {@code state}.
     */
    static int countOrNegativeErrno(MemorySegment state, long n) {
        if (n >= 0) {
            return (int) n;
        }
        int errno = errno(state);
        return errno == Errno.EAGAIN || errno == Errno.EINTR ? 0 : -errno;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /**
     * Address of {@code seg[offset, offset + length)} after checking it may be handed to the kernel: native,
     * alive, in bounds. A heap segment or a closed arena is a programming error, not a packet error.
     */
    static long address(MemorySegment seg, long offset, long length) {
        if (!seg.isNative()) {
            throw new IllegalArgumentException("heap segment (expected: native memory for a system call)");
        }
        if (!seg.scope().isAlive()) {
            throw new IllegalStateException("segment's arena is closed");
        }
        Objects.checkFromIndexSize(offset, length, seg.byteSize());
        return seg.address() + offset;
    }

    static int open(MemorySegment st, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(st, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment st, int fd) {
        try {
            return (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setns(MemorySegment st, int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) READ.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fcntl(MemorySegment st, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(st, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bind(MemorySegment st, int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(st, fd, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value,
                          MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long recvfrom(MemorySegment st, int fd, long buf, long len, int flags, long addr, long addrLen) {
        try {
            return (long) RECVFROM.invokeExact(st, fd, buf, len, flags, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long sendto(MemorySegment st, int fd, long buf, long len, int flags, long addr, int addrLen) {
        try {
            return (long) SENDTO.invokeExact(st, fd, buf, len, flags, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sendmmsg(MemorySegment st, int fd, long msgvec, int vlen, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(st, fd, msgvec, vlen, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int recvmmsg(MemorySegment st, int fd, long msgvec, int vlen, int flags, long timeout) {
        try {
            return (int) RECVMMSG.invokeExact(st, fd, msgvec, vlen, flags, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int poll(MemorySegment st, long fds, long nfds, int timeoutMs) {
        try {
            return (int) POLL.invokeExact(st, fds, nfds, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ifNameToIndex(MemorySegment st, MemorySegment name) {
        try {
            return (int) IF_NAMETOINDEX.invokeExact(st, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment ifIndexToName(MemorySegment st, int ifindex, MemorySegment name) {
        try {
            return (MemorySegment) IF_INDEXTONAME.invokeExact(st, ifindex, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int schedSetscheduler(MemorySegment st, int pid, int policy, MemorySegment param) {
        try {
            return (int) SCHED_SETSCHEDULER.invokeExact(st, pid, policy, param);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int schedGetscheduler(MemorySegment st, int pid) {
        try {
            return (int) SCHED_GETSCHEDULER.invokeExact(st, pid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long syscall(MemorySegment st, long number, long a, long b) {
        try {
            return (long) SYSCALL2.invokeExact(st, number, a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long syscall(MemorySegment st, long number, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL6.invokeExact(st, number, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** @return the mapping's address, or -1 (MAP_FAILED) with errno in {@code st} */
    static long mmap(MemorySegment st, long address, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) MMAP.invokeExact(st, address, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(MemorySegment st, long address, long length) {
        try {
            return (int) MUNMAP.invokeExact(st, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes {@code fd}, ignoring errors: used on the failure path of an open, where the first error matters. */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            close(state(), fd);
        }
    }

    /** Sets or clears O_NONBLOCK with fcntl; {@code what} names the descriptor in the error message. */
    static void nonBlocking(int fd, boolean on, String what) throws LinuxException {
        MemorySegment st = state();
        int flags = fcntl(st, fd, F_GETFL, 0);
        if (flags < 0) {
            throw new LinuxException("fcntl", "F_GETFL, " + what, errno(st));
        }
        int wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags && fcntl(st, fd, F_SETFL, wanted) < 0) {
            throw new LinuxException("fcntl", "F_SETFL, " + what, errno(st));
        }
    }
}
