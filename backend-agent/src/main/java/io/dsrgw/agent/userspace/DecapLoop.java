package io.dsrgw.agent.userspace;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.Poll;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.ReceiveBatch;
import io.dsrgw.linux.UdpSocket;

import java.util.List;

/**
 * The decapsulating thread's duty cycle: poll all raw sockets (and the GUE UDP sockets) at once (with a timeout, so {@link #stop()}
 * is noticed), receive from each readable one up to {@code budget} packets with {@code recvmmsg} (so a
 * flood on one socket cannot starve the others), hand each to the {@link UserspaceDecapsulator}, publish
 * counters, give the sink its between-batches safe point. One {@link ReceiveBatch}, allocated once and
 * shared by the sockets (packets are handled before the next receive).
 */
public final class DecapLoop implements Runnable {
    /** Largest IP packet: raw IPv4 sockets deliver reassembled packets up to this size. */
    public static final int BUFFER_BYTES = 65_535;
    /** How long one poll may sleep: the upper bound on noticing {@link #stop()}. */
    public static final int POLL_TIMEOUT_MS = 100;
    /** Packets per recvmmsg: 32 slots of 64 KiB = 2 MiB of native memory. */
    public static final int BATCH_CAPACITY = 32;
    /** AF_INET6 as the sockets report it. */
    private static final int AF_INET6 = 10;

    private final RawSocket[] sockets;
    private final UdpSocket[] gueSockets;
    private final UserspaceDecapsulator decapsulator;
    private final int budget;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * @param sockets non-blocking raw sockets ({@link RawSocket#ipv4Protocol} / {@link RawSocket#ipv6Protocol}
     *                for 4, 41, 47), 1..32
     * @param budget  packets per socket per wakeup before moving on (fairness, and how often counters are
     *                published)
     */
    public DecapLoop(List<RawSocket> sockets, UserspaceDecapsulator decapsulator, int budget) {
        this(sockets, List.of(), decapsulator, budget);
    }

    /**
     * @param sockets    non-blocking raw sockets for the IP-protocol kinds (possibly none)
     * @param gueSockets non-blocking UDP sockets bound to gue-port, one per outer family (possibly none); together
     *                   with {@code sockets} 1..32
     * @param budget     packets per socket per wakeup
     */
    public DecapLoop(List<RawSocket> sockets, List<UdpSocket> gueSockets, UserspaceDecapsulator decapsulator,
                     int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget: " + budget + " (expected: >= 1)");
        }
        int total = sockets.size() + gueSockets.size();
        if (total == 0 || total > Poll.MAX_FDS) {
            throw new IllegalArgumentException(total + " sockets (expected: 1.." + Poll.MAX_FDS + ")");
        }
        this.sockets = sockets.toArray(RawSocket[]::new);
        this.gueSockets = gueSockets.toArray(UdpSocket[]::new);
        this.decapsulator = decapsulator;
        this.budget = budget;
    }

    /** One socket, for the IPv4-only callers of issue 2. */
    public DecapLoop(RawSocket socket, UserspaceDecapsulator decapsulator, int budget) {
        this(List.of(socket), decapsulator, budget);
    }

    @Override
    public void run() {
        int[] fds = new int[sockets.length + gueSockets.length];
        for (int i = 0; i < sockets.length; i++) {
            fds[i] = sockets[i].fd();
        }
        for (int i = 0; i < gueSockets.length; i++) {
            fds[sockets.length + i] = gueSockets[i].fd();
        }
        DecapCounters counters = decapsulator.counters();
        PacketSink sink = decapsulator.sink();
        try (ReceiveBatch batch = new ReceiveBatch(Math.min(budget, BATCH_CAPACITY), BUFFER_BYTES)) {
            while (running) {
                try {
                    int ready = Poll.pollIn(fds, POLL_TIMEOUT_MS);
                    for (int s = 0; s < sockets.length; s++) {
                        if ((ready & 1 << s) != 0) {
                            drain(sockets[s], batch);
                        }
                    }
                    for (int s = 0; s < gueSockets.length; s++) {
                        if ((ready & 1 << (sockets.length + s)) != 0) {
                            drain(gueSockets[s], batch);
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

    /** Up to {@link #budget} packets from one socket. */
    private void drain(RawSocket socket, ReceiveBatch batch) throws LinuxException {
        boolean ipv6 = socket.family() == AF_INET6;
        int protocol = socket.protocol();
        int received = 0;
        while (received < budget) {
            int n = batch.receive(socket);
            if (n == 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (batch.truncated(i)) {
                    decapsulator.onTruncated();
                } else if (ipv6) {
                    decapsulator.onIpv6Payload(batch.buffer(), batch.offset(i), batch.length(i), protocol,
                            batch.sourceIpv6Hi(i), batch.sourceIpv6Lo(i));
                } else {
                    decapsulator.onIpv4Packet(batch.buffer(), batch.offset(i), batch.length(i));
                }
            }
            received += n;
        }
    }

    /** Up to {@link #budget} datagrams from a GUE UDP socket: each slot is an inner packet, its name the gateway. */
    private void drain(UdpSocket socket, ReceiveBatch batch) throws LinuxException {
        int family = socket.family();
        int received = 0;
        while (received < budget) {
            int n = batch.receive(socket);
            if (n == 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (batch.truncated(i)) {
                    decapsulator.onTruncated();
                } else if (family == 4) {
                    decapsulator.onGuePayload(batch.buffer(), batch.offset(i), batch.length(i), 4, 0,
                            batch.sourceIpv4(i) & 0xffff_ffffL);
                } else {
                    decapsulator.onGuePayload(batch.buffer(), batch.offset(i), batch.length(i), 6,
                            batch.sourceIpv6Hi(i), batch.sourceIpv6Lo(i));
                }
            }
            received += n;
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
