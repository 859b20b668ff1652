package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What {@link RawSocket}, {@link UdpSocket} and {@link PacketSocket} share: opening with {@code socket(2)}, the
 * descriptor ({@link #fd()}, -1 once closed), O_NONBLOCK, the SOL_SOCKET buffer options with their
 * {@code *FORCE} fallback, an idempotent {@link #close()}, and error messages "op(arg): ERRNO".
 *
 * <p>Why a package-private base class rather than a helper object: the subclasses' per-packet calls
 * ({@code tryReceive}, {@code trySendIpv4}, {@link SendBatch#flush}, {@link ReceiveBatch#receive}) read
 * {@link #fd} as a field of the socket itself, exactly as before; a helper held in a field would add a load per
 * call. The class is sealed: the set of socket kinds is this module's business, and it is not public API (the
 * public methods it declares show up on each subclass).
 *
 * <p>Threading: {@link #close} must not race with I/O (the subclasses' contracts say the same).
 */
abstract sealed class AbstractSocket implements AutoCloseable permits PacketSocket, RawSocket, UdpSocket {
    /** What the socket is, in error messages and {@link #toString()}, e.g. {@code "UDP [::]:6080"}. */
    final String description;
    /** The descriptor; -1 after close. Volatile: close may run on another thread than the one that opened. */
    volatile int fd;

    AbstractSocket(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /**
     * {@code socket(domain, type | SOCK_CLOEXEC, protocol)}.
     *
     * @param what the arguments as the error message shows them, e.g. {@code "AF_INET, SOCK_RAW, 47"}
     * @return the new descriptor
     * @throws LinuxException e.g. {@code "socket(AF_PACKET, SOCK_DGRAM, 0): EPERM (...)"}
     */
    static int socket(int domain, int type, int protocol, String what) throws LinuxException {
        MemorySegment st = Native.state();
        int fd = Native.socket(st, domain, type | Native.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new LinuxException("socket", what, Native.errno(st));
        }
        return fd;
    }

    /**
     * {@code setsockopt(fd, level, option, &value, 4)} on a descriptor that is not wrapped yet (set-up before the
     * constructor); on failure closes {@code fd}, so that a failed open leaks nothing.
     *
     * @param what the option and its argument as the error message shows them
     */
    static void setIntOptionOrClose(int fd, int level, int option, int value, String what) throws LinuxException {
        try {
            setIntOption(fd, level, option, value, what);
        } catch (LinuxException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    private static void setIntOption(int fd, int level, int option, int value, String what) throws LinuxException {
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            if (Native.setsockopt(st, fd, level, option, a.allocateFrom(JAVA_INT, value), 4) != 0) {
                throw new LinuxException("setsockopt", what, Native.errno(st));
            }
        }
    }

    /** {@code setsockopt(fd, level, option, &value, 4)}; {@code what} names option and value in the error. */
    final void setIntOption(int level, int option, int value, String what) throws LinuxException {
        setIntOption(fd, level, option, value, what);
    }

    /** The file descriptor; -1 after close. */
    public final int fd() {
        return fd;
    }

    /** Switches O_NONBLOCK. */
    public final void nonBlocking(boolean on) throws LinuxException {
        Native.nonBlocking(fd, on, description);
    }

    /**
     * Sets SO_RCVBUF or SO_SNDBUF: first the {@code *FORCE} option (may exceed net.core.rmem_max / wmem_max, needs
     * CAP_NET_ADMIN), then, when that is refused with EPERM, the plain option (capped at the sysctl maximum). The
     * kernel doubles the value for its bookkeeping, see socket(7).
     *
     * @param optionName "SO_RCVBUF" or "SO_SNDBUF", for the messages
     */
    final void setBuffer(int forceOption, int option, String optionName, int bytes) throws LinuxException {
        if (bytes <= 0) {
            throw new IllegalArgumentException(optionName + " " + bytes + " (expected: > 0)");
        }
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocateFrom(JAVA_INT, bytes);
            if (Native.setsockopt(st, fd, Native.SOL_SOCKET, forceOption, value, 4) == 0) {
                return;
            }
            int errno = Native.errno(st);
            if (errno != Errno.EPERM) {
                throw new LinuxException("setsockopt", optionName + "FORCE, " + bytes, errno);
            }
            if (Native.setsockopt(st, fd, Native.SOL_SOCKET, option, value, 4) != 0) {
                throw new LinuxException("setsockopt", optionName + ", " + bytes, Native.errno(st));
            }
        }
    }

    /** {@code getsockopt(fd, SOL_SOCKET, option)} as an int; {@code optionName} names it in the error. */
    final int getIntOption(int option, String optionName) throws LinuxException {
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment length = a.allocateFrom(JAVA_INT, 4);
            if (Native.getsockopt(st, fd, Native.SOL_SOCKET, option, value, length) != 0) {
                throw new LinuxException("getsockopt", optionName, Native.errno(st));
            }
            return value.get(JAVA_INT, 0);
        }
    }

    /**
     * Closes the socket. Idempotent: the descriptor is closed once, so a second call cannot close a number the
     * kernel has handed to someone else meanwhile.
     */
    @Override
    public final synchronized void close() {
        int f = fd;
        if (f >= 0) {
            fd = -1;
            Native.close(Native.state(), f);
            closed();
        }
    }

    /** Called once by the first {@link #close()}, after the descriptor: frees what the subclass owns. */
    void closed() {
    }

    /** {@code "RawSocket[AF_INET, SOCK_RAW, 47, fd 12]"}: class, description, descriptor (-1 once closed). */
    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[" + description + ", fd " + fd + "]";
    }
}
