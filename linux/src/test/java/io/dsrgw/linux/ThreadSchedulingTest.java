package io.dsrgw.linux;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ThreadSchedulingTest {
    /** Runs {@code body} on a fresh thread, so that a policy change cannot leak into the test runner's threads. */
    private static void onOwnThread(ThrowingRunnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "scheduling-test");
        t.start();
        t.join();
        if (failure.get() instanceof Exception e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void shouldPutOnlyTheCallingThreadInSchedFifoAndBackInSchedOther() throws Exception {
        TestSupport.assumeRoot();
        int mine = ThreadScheduling.policy();
        onOwnThread(() -> {
            assertEquals(ThreadScheduling.SCHED_OTHER, ThreadScheduling.policy());
            ThreadScheduling.fifo(1);
            assertEquals(ThreadScheduling.SCHED_FIFO, ThreadScheduling.policy());
            ThreadScheduling.other();
            assertEquals(ThreadScheduling.SCHED_OTHER, ThreadScheduling.policy());
            ThreadScheduling.fifo(1); // and ends in SCHED_FIFO
        });
        assertEquals(mine, ThreadScheduling.policy(), "the test thread's own policy changed");
        onOwnThread(() -> assertEquals(ThreadScheduling.SCHED_OTHER, ThreadScheduling.policy(),
                "a new thread inherited SCHED_FIFO"));
    }

    @Test
    void shouldRefusePrioritiesOutsideTheSchedFifoRange() {
        assertEquals("SCHED_FIFO priority 0 (expected: 1..99)",
                assertThrows(IllegalArgumentException.class, () -> ThreadScheduling.fifo(0)).getMessage());
        assertEquals("SCHED_FIFO priority 100 (expected: 1..99)",
                assertThrows(IllegalArgumentException.class, () -> ThreadScheduling.fifo(100)).getMessage());
    }

    @Test
    void shouldNameTheCallAndErrnoWhenTheKernelRefuses() throws Exception {
        assumeTrue(Native.geteuid() != 0, "root may use SCHED_FIFO (CAP_SYS_NICE): nothing to refuse");
        onOwnThread(() -> {
            LinuxException e = assertThrows(LinuxException.class, () -> ThreadScheduling.fifo(1));
            assertEquals("sched_setscheduler(SCHED_FIFO, 1): EPERM (Operation not permitted)", e.getMessage());
        });
    }
}
