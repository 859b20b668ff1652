package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The scheduling policy of the calling thread ({@code sched_setscheduler(2)} with pid 0, which on Linux means the
 * calling thread, not the whole process).
 *
 * <p>Why a packet worker wants {@link #fifo SCHED_FIFO}: when the worker shares a CPU with the kernel work that
 * feeds it (a threaded NAPI kthread or ksoftirqd), the fair scheduler gives both about half of the CPU under
 * overload, and the kernel spends its half receiving and routing packets that then find the worker's queue full
 * and are dropped, after all that work (receive livelock). With the worker at a real-time priority the kernel side
 * runs only while the worker has drained its queue and sleeps, so it takes in no more than the worker consumes and
 * the excess is refused early, where it is cheap. The kernel's real-time throttling
 * ({@code kernel.sched_rt_runtime_us}, 95% by default) still leaves every CPU to other threads for a share of time.
 *
 * <p>Threading: each method acts on the thread that calls it.
 */
public final class ThreadScheduling {
    /** {@code <linux/sched.h>} policies. */
    public static final int SCHED_OTHER = 0;
    public static final int SCHED_FIFO = 1;
    public static final int SCHED_RR = 2;
    public static final int SCHED_BATCH = 3;
    public static final int SCHED_IDLE = 5;

    private ThreadScheduling() {
    }

    /**
     * Puts the calling thread in SCHED_FIFO at {@code priority}.
     *
     * @param priority 1..99 ({@code sched_get_priority_min/max(SCHED_FIFO)} on Linux); 1 is enough to run before
     *                 every SCHED_OTHER thread, and leaves the kernel's own real-time threads above it
     * @throws LinuxException e.g. {@code "sched_setscheduler(SCHED_FIFO, 1): EPERM (Operation not permitted)"}
     *                        without CAP_SYS_NICE (and no RLIMIT_RTPRIO), or inside a cgroup without real-time budget
     */
    public static void fifo(int priority) throws LinuxException {
        if (priority < 1 || priority > 99) {
            throw new IllegalArgumentException("SCHED_FIFO priority " + priority + " (expected: 1..99)");
        }
        set(SCHED_FIFO, priority, "SCHED_FIFO, " + priority);
    }

    /** Puts the calling thread back in SCHED_OTHER (the default time-sharing policy). */
    public static void other() throws LinuxException {
        set(SCHED_OTHER, 0, "SCHED_OTHER, 0");
    }

    /** The calling thread's policy, e.g. {@link #SCHED_FIFO} (without the SCHED_RESET_ON_FORK flag). */
    public static int policy() throws LinuxException {
        MemorySegment st = Native.state();
        int policy = Native.schedGetscheduler(st, 0);
        if (policy < 0) {
            throw new LinuxException("sched_getscheduler", "0", Native.errno(st));
        }
        return policy & ~0x40000000; // SCHED_RESET_ON_FORK
    }

    private static void set(int policy, int priority, String what) throws LinuxException {
        MemorySegment st = Native.state();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(JAVA_INT); // struct sched_param { int sched_priority; }
            param.set(JAVA_INT, 0, priority);
            if (Native.schedSetscheduler(st, 0, policy, param) < 0) {
                throw new LinuxException("sched_setscheduler", what, Native.errno(st));
            }
        }
    }
}
