package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * An {@code AF_UNIX SOCK_DGRAM} socket: the transport of systemd's notify protocol ({@link SystemdNotifier}), which
 * the JDK's channels do not offer (they have unix stream sockets only). Addresses are a file system path
 * ({@code /run/systemd/notify}) or, with a leading {@code @}, a name in the abstract namespace
 * ({@code @/org/freedesktop/systemd1/notify}), the convention of systemd and of {@code ss}.
 *
 * <p>Why not jnr-unixsocket: this module reaches the kernel through java.lang.foreign only (no JNI), it has no
 * dependencies, and the backend agent, which needs the notifier too, does not ship jnr. An abstract address must
 * also be passed with its exact length (the kernel takes every byte of the given length as the name), which a
 * sockaddr built here guarantees.
 *
 * <p>Threading: one thread at a time; control paths only.
 */
public final class UnixDatagramSocket implements AutoCloseable {
    /** {@code sizeof(struct sockaddr_un)}: 2 bytes of family, 108 of path. */
    static final int SOCKADDR_UN_BYTES = 110;
    private static final int SUN_PATH_BYTES = 108;

    private final int fd;
    private final String boundTo;
    private final Arena arena = Arena.ofShared();
    private MemorySegment receiveBuffer;
    private boolean closed;

    private UnixDatagramSocket(int fd, String boundTo) {
        this.fd = fd;
        this.boundTo = boundTo;
    }

    /** An unbound socket, for sending. */
    public static UnixDatagramSocket open() throws LinuxException {
        return new UnixDatagramSocket(newSocket(), null);
    }

    private static int newSocket() throws LinuxException {
        MemorySegment st = Native.state();
        int fd = Native.socket(st, Native.AF_UNIX, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new LinuxException("socket", "AF_UNIX, SOCK_DGRAM", Native.errno(st));
        }
        return fd;
    }

    /**
     * A socket bound to {@code address} (a path, or {@code @name} for the abstract namespace), for receiving. A path
     * must not exist yet; the caller deletes it after {@link #close()}.
     */
    public static UnixDatagramSocket bind(String address) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_UN_BYTES);
            int length = sockaddr(address, sa);
            int fd = newSocket();
            MemorySegment st = Native.state();
            if (Native.bind(st, fd, sa, length) < 0) {
                int errno = Native.errno(st);
                Native.closeQuietly(fd);
                throw new LinuxException("bind", "AF_UNIX, " + address, errno);
            }
            return new UnixDatagramSocket(fd, address);
        }
    }

    /**
     * Writes the {@code struct sockaddr_un} of {@code address} into {@code sa} (at least
     * {@value #SOCKADDR_UN_BYTES} bytes, zeroed) and returns the length to pass with it: family + path + its NUL, or
     * family + NUL + name (no terminator: an abstract name is exactly its bytes).
     *
     * @throws IllegalArgumentException for an empty address or one longer than sun_path allows
     */
    static int sockaddr(String address, MemorySegment sa) {
        if (address == null || address.isEmpty() || address.equals("@")) {
            throw new IllegalArgumentException("unix socket address: \"" + (address == null ? "" : address)
                    + "\" (expected: a path, or @name for the abstract namespace)");
        }
        boolean abstractName = address.charAt(0) == '@';
        byte[] name = (abstractName ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // abstract: a leading NUL then the name; path: the path then its NUL. Either way one byte more than the name.
        if (name.length + 1 > SUN_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket address: " + address + ": " + name.length
                    + " bytes (expected: at most " + (SUN_PATH_BYTES - 1) + ")");
        }
        sa.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) Native.AF_UNIX);
        MemorySegment.copy(name, 0, sa, ValueLayout.JAVA_BYTE, abstractName ? 3 : 2, name.length);
        sa.set(ValueLayout.JAVA_BYTE, abstractName ? 2 : 2 + name.length, (byte) 0);
        return 2 + 1 + name.length;
    }

    /** Sends {@code message} as one datagram to {@code address} (a path or {@code @name}). */
    public void send(String address, byte[] message) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_UN_BYTES);
            int length = sockaddr(address, sa);
            MemorySegment buf = a.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buf, ValueLayout.JAVA_BYTE, 0, message.length);
            MemorySegment st = Native.state();
            // Never blocks: a receiver that does not read (a hung manager) must not stop the sender's thread.
            long n = Native.sendto(st, fd, buf.address(), message.length, Native.MSG_DONTWAIT, sa.address(),
                    length);
            if (n < 0) {
                throw new LinuxException("sendto", "AF_UNIX, " + address, Native.errno(st));
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} for one datagram (at most 64 KiB) and returns it as UTF-8 text, or null when
     * none arrived in time.
     */
    public String receive(int timeoutMs) throws LinuxException {
        if (Poll.pollIn(new int[] {fd}, timeoutMs) == 0) {
            return null;
        }
        if (receiveBuffer == null) {
            receiveBuffer = arena.allocate(65536);
        }
        MemorySegment buf = receiveBuffer;
        MemorySegment st = Native.state();
        long n = Native.recvfrom(st, fd, buf.address(), buf.byteSize(), Native.MSG_DONTWAIT, 0L, 0L);
        if (n < 0) {
            int errno = Native.errno(st);
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return null;
            }
            throw new LinuxException("recvfrom", "AF_UNIX, " + boundTo, errno);
        }
        return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** The address this socket was bound to, or null for a sending socket. */
    public String address() {
        return boundTo;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Native.closeQuietly(fd);
            arena.close();
        }
    }
}
