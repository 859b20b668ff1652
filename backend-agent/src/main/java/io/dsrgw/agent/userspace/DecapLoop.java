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

    /** The poll set, raw sockets first: bit {@code s} of {@link Poll#pollIn}'s answer is {@code sources[s]}. */
    private final Source[] sources;
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
        this.sources = new Source[total];
        int s = 0;
        for (RawSocket socket : sockets) {
            sources[s++] = new RawSource(socket, socket.family() == AF_INET6, socket.protocol());
        }
        for (UdpSocket socket : gueSockets) {
            sources[s++] = new GueSource(socket, socket.family());
        }
        this.decapsulator = decapsulator;
        this.budget = budget;
    }

    /** One socket, for the IPv4-only callers of issue 2. */
    public DecapLoop(RawSocket socket, UserspaceDecapsulator decapsulator, int budget) {
        this(List.of(socket), decapsulator, budget);
    }

    @Override
    public void run() {
        int[] fds = new int[sources.length];
        for (int i = 0; i < sources.length; i++) {
            fds[i] = sources[i].fd();
        }
        DecapCounters counters = decapsulator.counters();
        PacketSink sink = decapsulator.sink();
        try (ReceiveBatch batch = new ReceiveBatch(Math.min(budget, BATCH_CAPACITY), BUFFER_BYTES)) {
            while (running) {
                try {
                    int ready = Poll.pollIn(fds, POLL_TIMEOUT_MS);
                    for (int s = 0; s < sources.length; s++) {
                        if ((ready & 1 << s) != 0) {
                            drain(sources[s], batch);
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
    private void drain(Source source, ReceiveBatch batch) throws LinuxException {
        int received = 0;
        while (received < budget) {
            int n = source.receive(batch);
            if (n == 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (batch.truncated(i)) {
                    decapsulator.onTruncated();
                } else {
                    source.handle(decapsulator, batch, i);
                }
            }
            received += n;
        }
    }

    /**
     * One socket of the poll set: how to receive a batch from it and which decapsulator entry a received slot goes
     * to. Built once per loop (per-socket facts such as family and protocol read then), so the per-packet path
     * allocates nothing: {@link #drain} makes one bimorphic call per datagram.
     */
    private sealed interface Source permits RawSource, GueSource {
        int fd();

        /** One recvmmsg into {@code batch}: datagrams received, 0 when none is waiting. */
        int receive(ReceiveBatch batch) throws LinuxException;

        /** Hands slot {@code i} (not truncated) to the decapsulator. */
        void handle(UserspaceDecapsulator decapsulator, ReceiveBatch batch, int i);
    }

    /**
     * A raw socket of one IP protocol: IPv4 sockets deliver the whole outer packet, IPv6 sockets only the payload
     * after the outer header (the source then comes from the slot's address).
     */
    private record RawSource(RawSocket socket, boolean ipv6, int protocol) implements Source {
        @Override
        public int fd() {
            return socket.fd();
        }

        @Override
        public int receive(ReceiveBatch batch) throws LinuxException {
            return batch.receive(socket);
        }

        @Override
        public void handle(UserspaceDecapsulator decapsulator, ReceiveBatch batch, int i) {
            if (ipv6) {
                decapsulator.onIpv6Payload(batch.buffer(), batch.offset(i), batch.length(i), protocol,
                        batch.sourceIpv6Hi(i), batch.sourceIpv6Lo(i));
            } else {
                decapsulator.onIpv4Packet(batch.buffer(), batch.offset(i), batch.length(i));
            }
        }
    }

    /** A GUE UDP socket of one family (4 or 6): each slot is an inner packet, its address the gateway. */
    private record GueSource(UdpSocket socket, int family) implements Source {
        @Override
        public int fd() {
            return socket.fd();
        }

        @Override
        public int receive(ReceiveBatch batch) throws LinuxException {
            return batch.receive(socket);
        }

        @Override
        public void handle(UserspaceDecapsulator decapsulator, ReceiveBatch batch, int i) {
            if (family == 4) {
                decapsulator.onGuePayload(batch.buffer(), batch.offset(i), batch.length(i), 4, 0,
                        batch.sourceIpv4(i) & 0xffff_ffffL);
            } else {
                decapsulator.onGuePayload(batch.buffer(), batch.offset(i), batch.length(i), 6,
                        batch.sourceIpv6Hi(i), batch.sourceIpv6Lo(i));
            }
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
