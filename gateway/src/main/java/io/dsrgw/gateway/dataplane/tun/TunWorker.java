package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.gateway.dataplane.FlowLookupMailbox;
import io.dsrgw.gateway.dataplane.FlowSteering;
import io.dsrgw.gateway.dataplane.PinnedFlows;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.PacketSocket;
import io.dsrgw.linux.Poll;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.SendBatch;
import io.dsrgw.linux.ThreadScheduling;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.TunReadBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One run-to-completion worker: TUN queue -> {@link PacketPipeline} -> {@code sendmmsg} on its own
 * {@code IPPROTO_RAW} sockets, one per family (AF_INET for IPv4 outers and ICMP to IPv4 clients, AF_INET6 for
 * IPv6 outers and ICMPv6 to IPv6 clients: an IPv6 raw send needs its destination in a sockaddr_in6). It owns its
 * packet slots, fragment slots, pipeline (flyweights), send batches, sockets and counters; nothing is shared with
 * other workers except the immutable snapshot, which it re-reads between batches.
 *
 * <h2>Why a dedicated thread blocking in poll(2), not a Netty EpollIoHandle</h2>
 * The recipe measured the same loop at ~340k pps on a dedicated thread and ~307k pps inside an EpollIoHandle on
 * this machine kind; the handle buys nothing for one fd per thread, and poll(2) with a 100 ms timeout keeps
 * shutdown prompt without a wake-up fd. Netty's event loops are kept for the control plane (health checks, HTTP).
 *
 * <h2>Batch cycle</h2>
 * Read up to batch-size packets (with one io_uring_enter for all of them, see below; else non-blocking read(2)s
 * until EAGAIN), each into its own slot behind
 * {@link PacketPipeline#HEADROOM_BYTES} of headroom, run each through the pipeline, which queues the
 * encapsulated packet in the {@link SendBatch} of its family (it points into the slot, no copy); then one
 * {@code sendmmsg} per non-empty batch, fix up the counters for packets the kernel refused, publish the counters,
 * answer a pending flow question ({@link FlowLookupMailbox}), pick up a new snapshot. A batch that fills up
 * mid-way (fragments add packets) is flushed at once; the slots it points into stay untouched until the next
 * batch. The pipeline's clock (too-big token bucket) is read once per batch. Only when a batch is empty does the
 * worker block in poll(2).
 *
 * <h2>Why io_uring for the reads</h2>
 * A TUN has no recvmmsg: one read(2) per packet, and on the benchmark's machine kind (a VM with page-table
 * isolation) the entry and exit of a system call alone cost ~1.2 us, more than the read's own work. A
 * {@link TunReadBatch} issues the batch's reads with one io_uring_enter; the TUN completes them at once (packet or
 * EAGAIN). The number of reads adapts: the batch size while the queue keeps them busy, else twice the packets the
 * last batch got (at least {@value #MIN_READS}), so a light load wastes few EAGAIN reads. Where io_uring is
 * unavailable (kernel.io_uring_disabled, a container's seccomp profile) the worker logs why and uses read(2).
 *
 * <h2>The new-flow queue (issue 14, floods)</h2>
 * With {@code ingress.new-flow-queue} in use the worker owns two queues of the TUN: its established queue and its
 * new-flow queue, into which the steering program ({@link TunSteering}) puts TCP SYNs without ACK and all ICMP (an
 * ICMP flood then does not compete with established connections either), and a third queue
 * for the SYNs of sources with an established flow in the last minute (which the program remembers). A SYN flood faster
 * than the worker then fills the new-flow queue, where the kernel drops it, and not the queue of the packets of
 * connections already up, which the kernel used to drop as often as the flood's SYNs. Each batch reads the known
 * sources' SYNs first, at most {@link #minNewFlowReads} (an eighth of the batch, at least 1: spoofed ACK-then-SYN
 * pairs can fill that queue, so it gets a capped share), then the established queue up to what the batch has left
 * less the new flows' minimum share (again an eighth), processes those packets, then reads the new-flow queue into the
 * slots the batch has left: under a flood of established traffic new connections still get an eighth of the worker,
 * under a SYN flood established traffic and returning clients get all they need first. Packets read from the two
 * queues count as {@link CounterSet#RX_KNOWN_SOURCE_PACKETS} and {@link CounterSet#RX_NEW_FLOW_PACKETS} (and
 * rx_packets). The worker blocks in poll(2) on its queues when all were empty.
 *
 * <h2>Why SCHED_FIFO</h2>
 * With {@code ingress.realtime-priority} N > 0 ({@link #realtimePriority(int)}; default {@value
 * #DEFAULT_REALTIME_PRIORITY}, off: a real-time thread that never sleeps starves its CPU's other threads, a choice the
 * operator makes) the worker thread asks for SCHED_FIFO priority N (without CAP_SYS_NICE it logs why and stays
 * time-shared) once it has forwarded
 * traffic for {@link #REALTIME_AFTER_NS} (2 s). The kernel work that
 * fills the TUN queue (receive, route, queue) often runs on the worker's CPU as a thread of its own (threaded
 * NAPI, ksoftirqd). Time-shared, both get about half of the CPU under overload and the kernel spends its half on
 * packets it then drops at the full TUN queue: measured on the forwarding benchmark (one CPU for all gateway work),
 * 57% of the CPU went to the NAPI thread and 40% to the worker, 0.08 Mpps delivered at 12.7 us of CPU per packet.
 * In SCHED_FIFO the worker runs whenever its queue holds packets and the kernel side only once it is drained, so
 * the kernel takes in what the worker consumes and refuses the rest where refusing is cheap: 0.22 Mpps at 4.5 us
 * per packet on the same path. The worker still sleeps in poll(2) whenever its queue is empty.
 * <p>Why only after 2 s of traffic: a real-time worker busy with still-interpreted code starves the JIT compiler
 * threads on its CPU, and the pipeline stayed slow for seconds (0.09 Mpps after a 3 s warm-up with SCHED_FIFO
 * from the start, 0.17-0.21 Mpps after 12 s). Time-shared, the compiler gets its share during the first seconds.
 */
public final class TunWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TunWorker.class);
    /** Largest IPv4 packet: any packet the TUN hands us fits, so nothing is truncated into "malformed". */
    private static final int MAX_PACKET_BYTES = 65535;
    private static final int SLOT_BYTES = PacketPipeline.HEADROOM_BYTES + MAX_PACKET_BYTES + 1;
    private static final int POLL_TIMEOUT_MS = 100;
    private static final long ERROR_LOG_INTERVAL_NS = 10_000_000_000L;
    private static final int MAX_FRAGMENT_SLOTS = 512;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    /** Fewest reads one io_uring batch issues (see the class comment). */
    static final int MIN_READS = 4;
    /** SCHED_FIFO priority of a worker unless {@link #realtimePriority(int)} says otherwise. */
    public static final int DEFAULT_REALTIME_PRIORITY = 0;
    /** Forwarding time after the first packet before the worker switches to SCHED_FIFO (see the class comment). */
    static final long REALTIME_AFTER_NS = 2_000_000_000L;

    private final int id;
    private final TunDevice tun;
    /** The worker's new-flow queue (steering program in use), or null: one queue. */
    private final TunDevice newFlows;
    /** The worker's queue of known sources' new flows (with newFlows), or null. */
    private final TunDevice knownSyns;
    /** Slots of a batch always offered to the new-flow queue: its minimum share of the worker. */
    private final int minNewFlowReads;
    private final RawSocket socket4;
    private final RawSocket socket6;
    private final SendBatch batch4;
    private final SendBatch batch6;
    /** Link-layer egress ({@link #packetEgress}); null: raw sockets only. */
    private PacketSocket packetSocket;
    private SendBatch batchLink;
    /** Tunnel packets go through the link-layer egress too (ingress.egress = packet); else only L2 DSR frames. */
    private boolean tunnelsViaLink;
    private NextHopResolver nextHops;
    /** The next-hop cache of the current batch and whether it was fresh when the batch began. */
    private NextHopCache hopCache = NextHopCache.EMPTY;
    private boolean hopsFresh;
    private final int batchSize;
    private final SnapshotHolder holder;
    private final PacketPipeline pipeline;
    private final WorkerCounters counters;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] slots;
    private final int[] pollFds;
    /** Batched reads through io_uring, or null when unavailable (then one read(2) per packet). */
    private final TunReadBatch reads;
    private int readsWanted;
    private int newFlowReadsWanted;
    private int knownReadsWanted;
    private final TxSink sink;
    private volatile boolean running = true;
    /** Issue 5: the worker's flow table, or null for pure Maglev. */
    private FlowTable flowTable;
    private FlowSteering steering;
    /** Questions about the flow table ({@code dsrctl explain}), answered between batches. */
    private final FlowLookupMailbox lookups;
    private long lastErrorLogNs;
    private int realtimePriority = DEFAULT_REALTIME_PRIORITY;
    /** When the worker forwarded its first packet (0: not yet); the SCHED_FIFO switch counts from it. */
    private long firstPacketNs;
    private boolean realtimePending = DEFAULT_REALTIME_PRIORITY != 0;
    /**
     * Liveness for systemd's watchdog ({@code io.dsrgw.gateway.service}): the clock of the worker's latest batch,
     * written once per batch (an idle worker still passes by every poll timeout, 100 ms). 0 before the first.
     */
    private volatile long heartbeatNs;
    /**
     * Tests only: worker 0 stops making progress (a stuck worker, as systemd's watchdog must notice) once this file
     * exists, checked at most every 100 ms. Set by the system property {@value #STALL_PROPERTY}; null (never) in
     * production, where the check is one comparison per batch.
     */
    private final java.nio.file.Path stallFile;
    private long stallCheckNs;
    /** System property (tests): the path of the file whose existence stalls worker 0. */
    public static final String STALL_PROPERTY = "dsrgw.test.stall-worker-file";

    /**
     * @param id        worker number (thread name, logs)
     * @param tun       the TUN queue this worker reads; stays owned by the ingress
     * @param socket4   the worker's own AF_INET IPPROTO_RAW socket; closed by the worker when it ends
     * @param socket6   the worker's own AF_INET6 IPPROTO_RAW socket, closed by the worker when it ends; null when
     *                  the configuration sends nothing over IPv6 and the host has no IPv6 (IPv6 sends then fail
     *                  and count as drop_tx_error)
     * @param batchSize packets per batch (config batch-size)
     */
    public TunWorker(int id, TunDevice tun, RawSocket socket4, RawSocket socket6, SnapshotHolder holder,
                     WorkerCounters counters, int batchSize) {
        this(id, tun, null, null, socket4, socket6, holder, counters, batchSize, true);
    }

    /**
     * A worker of two queues (see the class comment, "The new-flow queue").
     *
     * @param tun       the worker's established queue (queue 3w of a steered TUN)
     * @param newFlows  its new-flow queue (queue 3w+1), or null for a worker of one queue; owned by the ingress
     * @param knownSyns its queue of known sources' new flows (queue 3w+2), null exactly when newFlows is
     */
    public TunWorker(int id, TunDevice tun, TunDevice newFlows, TunDevice knownSyns, RawSocket socket4,
                     RawSocket socket6, SnapshotHolder holder, WorkerCounters counters, int configuredBatchSize) {
        this(id, tun, newFlows, knownSyns, socket4, socket6, holder, counters, configuredBatchSize, true);
    }

    /** As above; {@code ioUring} false: read(2) per packet, as where io_uring is unavailable (tests). */
    TunWorker(int id, TunDevice tun, TunDevice newFlows, TunDevice knownSyns, RawSocket socket4, RawSocket socket6,
              SnapshotHolder holder, WorkerCounters counters, int configuredBatchSize, boolean ioUring) {
        this.id = id;
        this.tun = Objects.requireNonNull(tun, "tun");
        if ((newFlows == null) != (knownSyns == null)) {
            throw new IllegalArgumentException("new-flow queue " + newFlows + ", known sources' queue " + knownSyns
                    + " (expected: both or neither)");
        }
        this.newFlows = newFlows;
        this.knownSyns = knownSyns;
        // Three queues need a slot each: a small batch-size reads up to one packet of each per batch.
        int batchSize = newFlows != null ? Math.max(3, configuredBatchSize) : configuredBatchSize;
        this.minNewFlowReads = minNewFlowReads(batchSize);
        this.socket4 = Objects.requireNonNull(socket4, "socket4");
        this.socket6 = socket6;
        this.holder = Objects.requireNonNull(holder, "holder");
        this.counters = Objects.requireNonNull(counters, "counters");
        // Room for the fragments of a 65535-byte packet (the TUN's MTU, TunIngress.DEVICE_MTU), and for 2 per packet
        // of a batch (a 1500-byte packet in an IPIP tunnel of 1500); a batch that needs more sends what it holds
        // and reuses them (BatchSink.flushPending).
        this.pipeline = new PacketPipeline(holder.get(), counters, Math.max(PacketPipeline.MAX_PACKET_FRAGMENT_SLOTS,
                Math.min(2 * batchSize, MAX_FRAGMENT_SLOTS)));
        this.batch4 = new SendBatch(batchSize);
        this.batch6 = new SendBatch(batchSize);
        this.batchSize = batchSize;
        this.slots = new MemorySegment[batchSize];
        for (int i = 0; i < batchSize; i++) {
            slots[i] = arena.allocate(SLOT_BYTES, 64);
        }
        this.pollFds = newFlows == null ? new int[] {tun.fd()} : new int[] {tun.fd(), newFlows.fd(), knownSyns.fd()};
        this.reads = ioUring ? openReads(id, tun, slots) : null;
        this.readsWanted = batchSize;
        this.newFlowReadsWanted = batchSize;
        this.knownReadsWanted = batchSize;
        this.sink = new BatchSink();
        this.lookups = new FlowLookupMailbox(id);
        String stall = id == 0 ? System.getProperty(STALL_PROPERTY) : null;
        this.stallFile = stall == null || stall.isEmpty() ? null : java.nio.file.Path.of(stall);
    }

    /** The new-flow queue's minimum share of a batch of {@code batchSize}: an eighth, at least 1. */
    static int minNewFlowReads(int batchSize) {
        return Math.max(1, batchSize / 8);
    }

    /** Whether this worker reads a new-flow queue too. */
    public boolean hasNewFlowQueue() {
        return newFlows != null;
    }

    private static TunReadBatch openReads(int id, TunDevice tun, MemorySegment[] slots) {
        try {
            return TunReadBatch.open(tun, slots, PacketPipeline.HEADROOM_BYTES, MAX_PACKET_BYTES + 1);
        } catch (LinuxException e) {
            LOG.info("worker {}: one read(2) per packet: {}", id, e.getMessage());
            return null;
        }
    }

    /**
     * Puts the worker's own flow table in front of Maglev (issue 5). Call before {@link #run()}; the table is
     * then used by the worker thread only (its counters are published once per batch).
     */
    public void flowTable(FlowTable table) {
        flowTable(table, null);
    }

    /**
     * As {@link #flowTable(FlowTable)}, with {@code shared} (the XDP program's flow table; null for none) asked
     * when the worker's table misses ({@link FlowSteering#pinnedFlows}), so the slow path keeps the fast path's pins.
     */
    public void flowTable(FlowTable table, PinnedFlows shared) {
        this.flowTable = table;
        this.steering = table == null ? null : new FlowSteering(table);
        if (steering != null) {
            steering.pinnedFlows(shared);
        }
        pipeline.flowSteering(steering);
    }

    /**
     * Sends packets whose destination has a usable next hop in {@code resolver}'s current cache as link-layer frames
     * through {@code socket} (ingress.egress = packet), all others through the raw sockets, counting
     * {@link CounterSet#TX_RAW_FALLBACK} for those to a destination without a usable next hop and for every packet
     * while the cache is not fresh. Call before {@link #run()}; the worker closes the socket when it ends.
     */
    public void packetEgress(PacketSocket socket, NextHopResolver resolver) {
        packetEgress(socket, resolver, true);
    }

    /**
     * As {@link #packetEgress(PacketSocket, NextHopResolver)}; with {@code tunnels} false only L2 DSR frames
     * ({@code tunnel = none} backends, which have no other way out) use the socket, tunnel packets the raw sockets.
     */
    public void packetEgress(PacketSocket socket, NextHopResolver resolver, boolean tunnels) {
        this.packetSocket = Objects.requireNonNull(socket, "socket");
        this.nextHops = Objects.requireNonNull(resolver, "resolver");
        this.batchLink = new SendBatch(batchSize);
        this.tunnelsViaLink = tunnels;
    }

    /**
     * The SCHED_FIFO priority the worker thread asks for after its first {@link #REALTIME_AFTER_NS} of traffic (see
     * the class comment), 1..99, or 0 to leave the thread's policy alone. Call before {@link #run()}.
     */
    public void realtimePriority(int priority) {
        if (priority < 0 || priority > 99) {
            throw new IllegalArgumentException("realtime priority " + priority + " (expected: 0 = off, or 1..99)");
        }
        this.realtimePriority = priority;
        this.realtimePending = priority != 0;
    }

    /**
     * The worker's flow table as the control plane may ask it: the question is answered on this worker's thread
     * between batches (the table is not thread-safe). Unanswered while no flow table is set or the worker stopped.
     */
    public FlowLookupMailbox lookups() {
        return lookups;
    }

    public int id() {
        return id;
    }

    public WorkerCounters counters() {
        return counters;
    }

    /** The System.nanoTime() of the worker's latest batch (at least every 100 ms while it runs); 0 before the first. */
    public long heartbeatNs() {
        return heartbeatNs;
    }

    /** Asks the loop to end; it does within one poll timeout (100 ms). */
    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (LinuxException e) {
            LOG.error("worker {}: {}", id, e.getMessage());
        } finally {
            counters.publish();
            if (reads != null) {
                reads.close();
            }
            batch4.close();
            batch6.close();
            if (batchLink != null) {
                batchLink.close();
                packetSocket.close();
            }
            socket4.close();
            if (socket6 != null) {
                socket6.close();
            }
            arena.close();
        }
    }

    private void loop() throws LinuxException {
        while (running) {
            // One clock read per batch: ICMP rate limit and flow-table timeouts.
            long nowNs = System.nanoTime();
            int n = cycle(nowNs);
            if (n == 0) {
                Poll.pollIn(pollFds, POLL_TIMEOUT_MS);
            } else if (realtimePending) {
                realtimeOnceWarm(nowNs);
            }
        }
    }

    /**
     * One batch: new snapshot, read and process, send, publish, flow-table upkeep. Returns the packets read (0: the
     * caller may block). Worker thread only (tests: the thread that would run it).
     */
    int cycle(long nowNs) {
        MemorySegment[] slots = this.slots;
        FlowTable flows = flowTable;
        pipeline.snapshot(holder.get());
        heartbeatNs = nowNs;
        if (stallFile != null && nowNs - stallCheckNs > 100_000_000L) {
            stallCheckNs = nowNs;
            if (java.nio.file.Files.exists(stallFile)) {
                stall();
            }
        }
        pipeline.beginBatch(nowNs);
        if (nextHops != null) {
            hopCache = nextHops.cache();
            hopsFresh = hopCache.fresh(nowNs);
        }
        int n = reads != null ? readBatch(slots) : readEach(slots);
        if (batchLink != null) {
            flushLink();
        }
        flush(batch4, socket4);
        if (socket6 != null) {
            flush(batch6, socket6);
        }
        counters.publish();
        if (flows != null) {
            // Free idle flows of a few buckets per batch: 64 buckets x 8 slots; a 2^20 table in 2048 batches.
            flows.sweep(nowNs, 64);
            flows.publishCounters();
            lookups.serve(steering, nowNs);
        }
        return n;
    }

    /** Tests only ({@link #STALL_PROPERTY}): no more batches, no heartbeat, until stopped. */
    private void stall() {
        LOG.warn("worker {}: stalled on purpose ({} exists); no more packets until stopped", id, stallFile);
        while (running) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Reads and processes one batch through io_uring: the known sources' SYNs (at most {@link #minNewFlowReads}), the
     * established queue, then the new-flow queue into the slots left (at least {@link #minNewFlowReads}); returns the
     * packets read.
     */
    private int readBatch(MemorySegment[] slots) {
        if (newFlows == null) {
            int wanted = Math.min(readsWanted, slots.length);
            int n = readQueue(tun, 0, wanted);
            if (n < 0) {
                return 0;
            }
            readsWanted = adapt(n, wanted, slots.length);
            return n;
        }
        int wantedKnown = Math.min(knownReadsWanted, minNewFlowReads);
        int k = readQueue(knownSyns, 0, wantedKnown);
        if (k < 0) {
            return 0;
        }
        knownReadsWanted = adapt(k, wantedKnown, slots.length);
        counters.add(CounterSet.RX_KNOWN_SOURCE_PACKETS, k);
        int wanted = Math.min(readsWanted, slots.length - k - minNewFlowReads);
        int n = readQueue(tun, k, wanted);
        if (n < 0) {
            return k;
        }
        readsWanted = adapt(n, wanted, slots.length);
        int wantedNew = Math.min(newFlowReadsWanted, slots.length - k - n);
        int m = readQueue(newFlows, k + n, wantedNew);
        if (m < 0) {
            return k + n;
        }
        newFlowReadsWanted = adapt(m, wantedNew, slots.length);
        counters.add(CounterSet.RX_NEW_FLOW_PACKETS, m);
        return k + n + m;
    }

    /** Reads up to {@code wanted} packets of {@code queue} into slots from {@code first} on and processes them. */
    private int readQueue(TunDevice queue, int first, int wanted) {
        int n = reads.read(queue, first, wanted);
        if (n < 0) {
            readError(-n);
            return n;
        }
        for (int k = 0; k < n; k++) {
            pipeline.process(slots[reads.slot(k)], PacketPipeline.HEADROOM_BYTES, reads.length(k), sink);
        }
        return n;
    }

    /**
     * The next number of reads for a queue: the batch size while the queue filled every read, else twice what it
     * gave (at least {@value #MIN_READS}), so a light load wastes few EAGAIN reads.
     */
    private static int adapt(int got, int wanted, int batch) {
        return got >= wanted ? batch : Math.min(batch, Math.max(MIN_READS, 2 * got));
    }

    /** Without io_uring: read(2) per packet, the queues in the order of {@link #readBatch}. */
    private int readEach(MemorySegment[] slots) {
        if (newFlows == null) {
            return readEach(tun, slots, 0, slots.length);
        }
        int k = readEach(knownSyns, slots, 0, minNewFlowReads);
        counters.add(CounterSet.RX_KNOWN_SOURCE_PACKETS, k);
        int n = readEach(tun, slots, k, slots.length - minNewFlowReads);
        int m = readEach(newFlows, slots, k + n, slots.length);
        counters.add(CounterSet.RX_NEW_FLOW_PACKETS, m);
        return k + n + m;
    }

    /** Reads and processes packets of {@code queue} into slots {@code from..to-1} until it is empty; returns them. */
    private int readEach(TunDevice queue, MemorySegment[] slots, int from, int to) {
        int i = from;
        while (i < to) {
            MemorySegment slot = slots[i];
            int length = queue.tryRead(slot, PacketPipeline.HEADROOM_BYTES, MAX_PACKET_BYTES + 1);
            if (length == 0) {
                break;
            }
            if (length < 0) {
                readError(-length);
                break;
            }
            pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, length, sink);
            i++;
        }
        return i - from;
    }

    /** Switches to SCHED_FIFO {@link #REALTIME_AFTER_NS} after the first packet (once; see the class comment). */
    private void realtimeOnceWarm(long nowNs) {
        if (firstPacketNs == 0) {
            firstPacketNs = nowNs | 1;
        } else if (nowNs - firstPacketNs >= REALTIME_AFTER_NS) {
            realtimePending = false;
            realtime();
        }
    }

    private void realtime() {
        try {
            ThreadScheduling.fifo(realtimePriority);
            LOG.info("worker {}: SCHED_FIFO priority {} (runs before the kernel work that feeds its queue)", id,
                    realtimePriority);
        } catch (LinuxException e) {
            LOG.warn("worker {}: stays time-shared: {} (grant CAP_SYS_NICE for SCHED_FIFO; without it the kernel "
                    + "may spend CPU on packets the full TUN queue then drops)", id, e.getMessage());
        }
    }

    private void flush(SendBatch batch, RawSocket socket) {
        int queued = batch.size();
        if (queued > 0) {
            sent(batch, queued, batch.flush(socket));
        }
    }

    private void flushLink() {
        int queued = batchLink.size();
        if (queued > 0) {
            sent(batchLink, queued, batchLink.flush(packetSocket));
        }
    }

    private void sent(SendBatch batch, int queued, int sent) {
        int failed = queued - sent;
        if (failed > 0) {
            // The pipeline counted them as transmitted when the batch accepted them; the kernel refused them.
            // The batch does not say which failed: counted against tx_packets (by far the most of them).
            counters.add(CounterSet.TX_PACKETS, -failed);
            counters.add(CounterSet.DROP_TX_ERROR, failed);
            sendError(batch, failed);
        }
    }

    /**
     * Queues into the link-layer batch when the destination has a usable next hop in a fresh cache, else into the
     * family's raw batch; a full batch is flushed first (fragments can outgrow it).
     */
    private final class BatchSink implements TxSink {
        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            if (tunnelsViaLink) {
                int e = hopCache.lookup4(destinationIpv4);
                if (e >= 0 && hopsFresh) {
                    return link(seg, offset, length, e, ETHERTYPE_IPV4);
                }
                if (e == NextHopCache.UNUSABLE || !hopsFresh) {
                    counters.increment(CounterSet.TX_RAW_FALLBACK);
                }
            }
            if (batch4.addIpv4(seg, offset, length, destinationIpv4)) {
                return true;
            }
            flush(batch4, socket4);
            return batch4.addIpv4(seg, offset, length, destinationIpv4);
        }

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
            if (tunnelsViaLink) {
                int e = hopCache.lookup6(destinationHi, destinationLo);
                if (e >= 0 && hopsFresh) {
                    return link(seg, offset, length, e, ETHERTYPE_IPV6);
                }
                if (e == NextHopCache.UNUSABLE || !hopsFresh) {
                    counters.increment(CounterSet.TX_RAW_FALLBACK);
                }
            }
            if (socket6 == null) {
                return false;
            }
            if (batch6.addIpv6(seg, offset, length, destinationHi, destinationLo)) {
                return true;
            }
            flush(batch6, socket6);
            return batch6.addIpv6(seg, offset, length, destinationHi, destinationLo);
        }

        /** L2 DSR: only ever as a frame to the backend's own MAC; never routed (the destination is the VIP). */
        @Override
        public int sendToNeighbour(MemorySegment seg, long offset, int length, int neighbourIpv4) {
            if (batchLink == null) {
                return REFUSED; // no AF_PACKET socket (logged at start: needs CAP_NET_RAW)
            }
            return linkLayer(seg, offset, length, hopCache.lookup4(neighbourIpv4), ETHERTYPE_IPV4);
        }

        @Override
        public int sendToNeighbour6(MemorySegment seg, long offset, int length, long neighbourHi, long neighbourLo) {
            if (batchLink == null) {
                return REFUSED;
            }
            return linkLayer(seg, offset, length, hopCache.lookup6(neighbourHi, neighbourLo), ETHERTYPE_IPV6);
        }

        private int linkLayer(MemorySegment seg, long offset, int length, int e, int etherType) {
            if (e < 0 || !hopsFresh) {
                return NO_NEIGHBOUR;
            }
            int mtu = hopCache.mtu(e);
            if (mtu > 0 && length > mtu) {
                return mtu;
            }
            return link(seg, offset, length, e, etherType) ? SENT : REFUSED;
        }

        @Override
        public boolean flushPending() {
            if (batchLink != null) {
                flushLink();
            }
            flush(batch4, socket4);
            if (socket6 != null) {
                flush(batch6, socket6);
            }
            return true;
        }

        private boolean link(MemorySegment seg, long offset, int length, int e, int etherType) {
            NextHopCache c = hopCache;
            if (batchLink.addLinkLayer(seg, offset, length, c.ifindex(e), etherType, c.mac(e))) {
                return true;
            }
            flushLink();
            return batchLink.addLinkLayer(seg, offset, length, c.ifindex(e), etherType, c.mac(e));
        }
    }

    private void readError(int errno) {
        long now = System.nanoTime();
        if (now - lastErrorLogNs > ERROR_LOG_INTERVAL_NS) {
            lastErrorLogNs = now;
            LOG.warn("worker {}: read({}): {} ({})", id, tun.name(), Errno.name(errno), Errno.describe(errno));
        }
        // A persistent error (device gone) would make poll return at once: do not spin on it.
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void sendError(SendBatch batch, int failed) {
        long now = System.nanoTime();
        if (now - lastErrorLogNs > ERROR_LOG_INTERVAL_NS) {
            lastErrorLogNs = now;
            int errno = batch.lastErrno();
            LOG.warn("worker {}: sendmmsg: {} packets refused, last error {} ({}) (logged at most every 10 s)",
                    id, failed, Errno.name(errno), Errno.describe(errno));
        }
    }
}
