package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One queue of a TUN device opened with {@code IFF_TUN | IFF_NO_PI} (and {@code IFF_MULTI_QUEUE} when asked):
 * each {@link #read} returns one whole IP packet, no packet-information prefix.
 *
 * <p>Opening the first queue creates the device when it does not exist; it is not persistent, so closing the last
 * queue removes it (with its addresses and routes). Opening a multi-queue device again attaches one more queue;
 * the kernel spreads received flows over the queues by flow hash.
 *
 * <p>Threading: {@link #read} and {@link #write} may be called from any thread (errno is captured per thread),
 * typically one worker per queue. {@link #close} must not race with them: stop the worker first.
 */
public final class TunDevice implements AutoCloseable {
    // <linux/if_tun.h>: TUNSETIFF = _IOW('T', 202, int) = (1 << 30) | (4 << 16) | ('T' << 8) | 202
    static final long TUNSETIFF = 0x400454caL;
    // <linux/if_tun.h>: TUNSETSTEERINGEBPF = _IOR('T', 224, int) = (2 << 30) | (4 << 16) | ('T' << 8) | 224
    static final long TUNSETSTEERINGEBPF = 0x800454e0L;
    // <linux/if_tun.h>: TUNSETIFF ifr_flags
    static final short IFF_TUN = 0x0001;
    static final short IFF_MULTI_QUEUE = 0x0100;
    static final short IFF_NO_PI = 0x1000;

    private static final String CLONE_DEVICE = "/dev/net/tun";

    private final String name;
    private final boolean multiQueue;
    private volatile int fd;

    private TunDevice(String name, int fd, boolean multiQueue) {
        this.name = name;
        this.fd = fd;
        this.multiQueue = multiQueue;
    }

    /**
     * Opens (creating if needed) a queue of the TUN device {@code name}.
     *
     * @param name        1..15 bytes; a template such as {@code "dsr%d"} lets the kernel pick the number
     *                    ({@link #name()} returns the result)
     * @param multiQueue  IFF_MULTI_QUEUE: the device accepts further queues; every queue must ask for it
     * @param nonBlocking O_NONBLOCK: {@link #read} returns 0 instead of waiting
     * @throws LinuxException e.g. {@code "open(/dev/net/tun): ENOENT (...)"} without the tun module,
     *                        {@code "ioctl(TUNSETIFF, dsr0): EBUSY (...)"} when the name is taken by a device of
     *                        another kind or a single-queue TUN, {@code EPERM} without CAP_NET_ADMIN
     */
    public static TunDevice open(String name, boolean multiQueue, boolean nonBlocking) throws LinuxException {
        return open(CLONE_DEVICE, name, multiQueue, nonBlocking);
    }

    /** Opens through another clone device path (tests: the message of a missing device). */
    static TunDevice open(String cloneDevice, String name, boolean multiQueue, boolean nonBlocking)
            throws LinuxException {
        byte[] nameBytes = Structs.interfaceName(name);
        MemorySegment st = Native.state();
        try (Arena arena = Arena.ofConfined()) {
            int flags = Native.O_RDWR | Native.O_CLOEXEC | (nonBlocking ? Native.O_NONBLOCK : 0);
            int fd = Native.open(st, arena.allocateFrom(cloneDevice), flags, 0);
            if (fd < 0) {
                throw new LinuxException("open", cloneDevice, Native.errno(st));
            }
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            Structs.putName(ifreq, nameBytes);
            short ifrFlags = (short) (IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0));
            ifreq.set(JAVA_SHORT, Structs.IFR_FLAGS, ifrFlags);
            if (Native.ioctl(st, fd, TUNSETIFF, ifreq) < 0) {
                int errno = Native.errno(st);
                Native.closeQuietly(fd);
                throw new LinuxException("ioctl", "TUNSETIFF, " + name, errno);
            }
            return new TunDevice(Structs.getName(ifreq), fd, multiQueue);
        }
    }

    /** The device name the kernel assigned (the template expanded). */
    public String name() {
        return name;
    }

    /** The queue's file descriptor (for poll/epoll registration); -1 after close. */
    public int fd() {
        return fd;
    }

    /** Whether this queue was opened with IFF_MULTI_QUEUE. */
    public boolean multiQueue() {
        return multiQueue;
    }

    /** Switches O_NONBLOCK on this queue. */
    public void nonBlocking(boolean on) throws LinuxException {
        Native.nonBlocking(fd, on, name);
    }

    /**
     * Sets the device's queue steering program ({@code TUNSETSTEERINGEBPF}): from then on the kernel runs it on
     * every packet it transmits into the device and queues the packet on queue {@code return value % queues}
     * ({@code tun_ebpf_select_queue}, which keeps the value in 16 bits first), instead of spreading flows by their
     * hash. The setting belongs to the device, not to this queue, and the device holds its own reference to the
     * program: the caller may close its program afterwards. Queue numbers are the order the queues were attached.
     *
     * @param programFd a loaded {@code BPF_PROG_TYPE_SOCKET_FILTER} program, or -1 to remove the program
     * @throws LinuxException e.g. {@code "ioctl(TUNSETSTEERINGEBPF, dsr0): EINVAL (...)"} for a program of another
     *                        type, {@code EBADF} for a closed program, {@code EPERM} without CAP_NET_ADMIN
     */
    public void steeringProgram(int programFd) throws LinuxException {
        MemorySegment st = Native.state();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(JAVA_INT);
            arg.set(JAVA_INT, 0, programFd);
            if (Native.ioctl(st, fd, TUNSETSTEERINGEBPF, arg) < 0) {
                throw new LinuxException("ioctl", "TUNSETSTEERINGEBPF, " + name, Native.errno(st));
            }
        }
    }

    /**
     * Reads one packet into {@code seg[offset, offset + maxLength)} (native memory). A packet longer than
     * maxLength is cut to maxLength and the rest is lost (the return value does not tell), so size the buffer
     * above the device MTU and treat {@code n == maxLength} as possibly truncated.
     *
     * @return bytes read, or 0 when no packet is waiting (EAGAIN) or the call was interrupted (EINTR)
     * @throws LinuxException on any other error, e.g. {@code "read(dsr0): EBADFD (...)"} after the device was
     *                        deleted
     */
    public int read(MemorySegment seg, long offset, int maxLength) throws LinuxException {
        int n = tryRead(seg, offset, maxLength);
        if (n < 0) {
            throw new LinuxException("read", name, -n);
        }
        return n;
    }

    /**
     * Like {@link #read} but returns {@code -errno} instead of throwing: for loops that count errors.
     *
     * @return bytes read, 0 on EAGAIN/EINTR, or {@code -errno}
     */
    public int tryRead(MemorySegment seg, long offset, int maxLength) {
        long address = Native.address(seg, offset, maxLength);
        MemorySegment st = Native.state();
        long n = Native.read(st, fd, address, maxLength);
        return Native.countOrNegativeErrno(st, n);
    }

    /**
     * Writes one IP packet (no prefix) from {@code seg[offset, offset + length)}: the kernel receives it as if it
     * arrived on this device.
     *
     * @return bytes written ({@code length}), or 0 on EAGAIN/EINTR (packet not written)
     * @throws LinuxException on any other error: {@code "write(dsr0): EIO (...)"} while the device is down,
     *                        {@code EINVAL} for an empty packet or one whose version nibble is neither 4 nor 6
     *                        (without a packet-information prefix the kernel takes the protocol from it)
     */
    public int write(MemorySegment seg, long offset, int length) throws LinuxException {
        int n = tryWrite(seg, offset, length);
        if (n < 0) {
            throw new LinuxException("write", name, -n);
        }
        return n;
    }

    /**
     * Like {@link #write} but returns {@code -errno} instead of throwing.
     *
     * @return bytes written, 0 on EAGAIN/EINTR, or {@code -errno}
     */
    public int tryWrite(MemorySegment seg, long offset, int length) {
        long address = Native.address(seg, offset, length);
        MemorySegment st = Native.state();
        long n = Native.write(st, fd, address, length);
        return Native.countOrNegativeErrno(st, n);
    }

    /** Closes this queue; closing the last queue deletes the device. Idempotent. */
    @Override
    public synchronized void close() {
        int f = fd;
        if (f >= 0) {
            fd = -1;
            Native.close(Native.state(), f);
        }
    }

    @Override
    public String toString() {
        return "TunDevice[" + name + ", fd " + fd + (multiQueue ? ", multi-queue]" : "]");
    }
}
