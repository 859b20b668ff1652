package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code poll(2)} for readability of up to 32 file descriptors (TUN queues, raw sockets).
 *
 * <p>Threading: any thread; each thread has its own pollfd array, allocated on its first call.
 */
public final class Poll {
    /** The result is a bitmask over the fds array, so at most 32. */
    public static final int MAX_FDS = 32;

    private static final long POLLFD_BYTES = Structs.POLLFD.byteSize();
    private static final ThreadLocal<MemorySegment> POLLFDS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Structs.POLLFD, MAX_FDS));

    private Poll() {
    }

    /**
     * Waits until at least one fd is readable (POLLIN) or has an error/hang-up condition (POLLERR, POLLHUP,
     * POLLNVAL: reported as ready so the caller's read surfaces the error), or the timeout passes. EINTR is
     * retried with the remaining time.
     *
     * @param fds       1..32 file descriptors; negative entries are ignored, as by poll(2)
     * @param timeoutMs milliseconds to wait; 0 = check only; -1 = forever
     * @return bit i set when fds[i] is ready; 0 on timeout
     * @throws LinuxException e.g. {@code "poll(2 fds): EINVAL (...)"}
     */
    public static int pollIn(int[] fds, int timeoutMs) throws LinuxException {
        if (fds.length < 1 || fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " fds (expected: 1.." + MAX_FDS + ")");
        }
        if (timeoutMs < -1) {
            throw new IllegalArgumentException("timeout " + timeoutMs + " ms (expected: -1 or >= 0)");
        }
        MemorySegment pollfds = POLLFDS.get();
        MemorySegment st = Native.state();
        for (int i = 0; i < fds.length; i++) {
            long p = i * POLLFD_BYTES;
            pollfds.set(JAVA_INT, p + Structs.POLLFD_FD, fds[i]);
            pollfds.set(JAVA_SHORT, p + Structs.POLLFD_EVENTS, Native.POLLIN);
            pollfds.set(JAVA_SHORT, p + Structs.POLLFD_REVENTS, (short) 0);
        }
        long deadlineNs = timeoutMs > 0 ? System.nanoTime() + timeoutMs * 1_000_000L : 0;
        int wait = timeoutMs;
        while (true) {
            int n = Native.poll(st, pollfds.address(), fds.length, wait);
            if (n >= 0) {
                break;
            }
            int errno = Native.errno(st);
            if (errno != Errno.EINTR) {
                throw new LinuxException("poll", fds.length + " fds", errno);
            }
            if (timeoutMs > 0) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    return 0;
                }
                wait = (int) Math.max(1, (leftNs + 999_999) / 1_000_000);
            }
        }
        int ready = 0;
        int mask = Native.POLLIN | Native.POLLERR | Native.POLLHUP | Native.POLLNVAL;
        for (int i = 0; i < fds.length; i++) {
            short revents = pollfds.get(JAVA_SHORT, i * POLLFD_BYTES + Structs.POLLFD_REVENTS);
            if ((revents & mask) != 0) {
                ready |= 1 << i;
            }
        }
        return ready;
    }
}
