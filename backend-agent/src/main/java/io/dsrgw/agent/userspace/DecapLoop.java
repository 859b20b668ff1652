package io.dsrgw.agent.userspace;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.Poll;
import io.dsrgw.linux.RawSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The decapsulating thread's duty cycle: poll the raw socket (with a timeout, so {@link #stop()} is
 * noticed), receive up to {@code budget} packets, hand each to the {@link UserspaceDecapsulator},
 * publish counters, give the sink its between-batches safe point. One receive buffer, allocated once.
 */
public final class DecapLoop implements Runnable {
    /** Largest IPv4 packet: the raw socket delivers reassembled packets up to this size. */
    public static final int BUFFER_BYTES = 65_535;
    /** How long one poll may sleep: the upper bound on noticing {@link #stop()}. */
    public static final int POLL_TIMEOUT_MS = 100;

    private final RawSocket socket;
    private final UserspaceDecapsulator decapsulator;
    private final int budget;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * @param socket       a non-blocking {@code IPPROTO_IPIP} raw socket
     * @param budget       packets per wakeup before counters are published (fairness with stop/swap)
     */
    public DecapLoop(RawSocket socket, UserspaceDecapsulator decapsulator, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget: " + budget + " (expected: >= 1)");
        }
        this.socket = socket;
        this.decapsulator = decapsulator;
        this.budget = budget;
    }

    @Override
    public void run() {
        int[] fds = {socket.fd()};
        DecapCounters counters = decapsulator.counters();
        PacketSink sink = decapsulator.sink();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER_BYTES, 8);
            while (running) {
                try {
                    if (Poll.pollIn(fds, POLL_TIMEOUT_MS) != 0) {
                        for (int i = 0; i < budget; i++) {
                            int n = socket.receive(buffer, 0, BUFFER_BYTES);
                            if (n <= 0) {
                                break;
                            }
                            decapsulator.onPacket(buffer, 0, n);
                        }
                    }
                } catch (LinuxException e) {
                    if (!transientError(e)) {
                        failure = e;
                        break;
                    }
                }
                counters.publish();
                sink.betweenBatches();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            counters.publish();
            running = false;
        }
    }

    /** Asks the loop to return; it does within {@link #POLL_TIMEOUT_MS}. */
    public void stop() {
        running = false;
    }

    /** False once stopped or failed. */
    public boolean running() {
        return running;
    }

    /** Why the loop ended on its own (a system call error), or null. */
    public Throwable failure() {
        return failure;
    }

    /** True for errors a retry cures (EINTR); used to decide whether a failure ends the loop. */
    static boolean transientError(LinuxException e) {
        return e.errno() == Errno.EINTR;
    }
}
