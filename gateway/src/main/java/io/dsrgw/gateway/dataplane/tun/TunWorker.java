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
import io.dsrgw.linux.Poll;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.SendBatch;
import io.dsrgw.linux.TunDevice;
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
 * Read up to batch-size packets (non-blocking reads until EAGAIN), each into its own slot behind
 * {@link PacketPipeline#HEADROOM_BYTES} of headroom, run each through the pipeline, which queues the
 * encapsulated packet in the {@link SendBatch} of its family (it points into the slot, no copy); then one
 * {@code sendmmsg} per non-empty batch, fix up the counters for packets the kernel refused, publish the counters,
 * answer a pending flow question ({@link FlowLookupMailbox}), pick up a new snapshot. A batch that fills up
 * mid-way (fragments add packets) is flushed at once; the slots it points into stay untouched until the next
 * batch. The pipeline's clock (too-big token bucket) is read once per batch. Only when a batch is empty does the
 * worker block in poll(2).
 */
public final class TunWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TunWorker.class);
    /** Largest IPv4 packet: any packet the TUN hands us fits, so nothing is truncated into "malformed". */
    private static final int MAX_PACKET_BYTES = 65535;
    private static final int SLOT_BYTES = PacketPipeline.HEADROOM_BYTES + MAX_PACKET_BYTES + 1;
    private static final int POLL_TIMEOUT_MS = 100;
    private static final long ERROR_LOG_INTERVAL_NS = 10_000_000_000L;
    private static final int MAX_FRAGMENT_SLOTS = 512;

    private final int id;
    private final TunDevice tun;
    private final RawSocket socket4;
    private final RawSocket socket6;
    private final SendBatch batch4;
    private final SendBatch batch6;
    private final SnapshotHolder holder;
    private final PacketPipeline pipeline;
    private final WorkerCounters counters;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] slots;
    private final int[] pollFds;
    private final TxSink sink;
    private volatile boolean running = true;
    /** Issue 5: the worker's flow table, or null for pure Maglev. */
    private FlowTable flowTable;
    private FlowSteering steering;
    /** Questions about the flow table ({@code dsrctl explain}), answered between batches. */
    private final FlowLookupMailbox lookups;
    private long lastErrorLogNs;

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
        this.id = id;
        this.tun = Objects.requireNonNull(tun, "tun");
        this.socket4 = Objects.requireNonNull(socket4, "socket4");
        this.socket6 = socket6;
        this.holder = Objects.requireNonNull(holder, "holder");
        this.counters = Objects.requireNonNull(counters, "counters");
        // From a TUN with MTU tunnel-mtu - 20 an inner packet needs at most 2 fragments: 2 spare slots per packet.
        this.pipeline = new PacketPipeline(holder.get(), counters, Math.min(2 * batchSize, MAX_FRAGMENT_SLOTS));
        this.batch4 = new SendBatch(batchSize);
        this.batch6 = new SendBatch(batchSize);
        this.slots = new MemorySegment[batchSize];
        for (int i = 0; i < batchSize; i++) {
            slots[i] = arena.allocate(SLOT_BYTES, 64);
        }
        this.pollFds = new int[] {tun.fd()};
        this.sink = new BatchSink();
        this.lookups = new FlowLookupMailbox(id);
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
            batch4.close();
            batch6.close();
            socket4.close();
            if (socket6 != null) {
                socket6.close();
            }
            arena.close();
        }
    }

    private void loop() throws LinuxException {
        MemorySegment[] slots = this.slots;
        FlowTable flows = flowTable;
        FlowSteering steering = this.steering;
        while (running) {
            pipeline.snapshot(holder.get());
            // One clock read per batch: ICMP rate limit and flow-table timeouts.
            long nowNs = System.nanoTime();
            pipeline.beginBatch(nowNs);
            int n = 0;
            while (n < slots.length) {
                MemorySegment slot = slots[n];
                int length = tun.tryRead(slot, PacketPipeline.HEADROOM_BYTES, MAX_PACKET_BYTES + 1);
                if (length == 0) {
                    break;
                }
                if (length < 0) {
                    readError(-length);
                    break;
                }
                pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, length, sink);
                n++;
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
            if (n == 0) {
                Poll.pollIn(pollFds, POLL_TIMEOUT_MS);
            }
        }
    }

    private void flush(SendBatch batch, RawSocket socket) {
        int queued = batch.size();
        if (queued > 0) {
            int sent = batch.flush(socket);
            int failed = queued - sent;
            if (failed > 0) {
                // The pipeline counted them as transmitted when the batch accepted them; the kernel refused them.
                // The batch does not say which failed: counted against tx_packets (by far the most of them).
                counters.add(CounterSet.TX_PACKETS, -failed);
                counters.add(CounterSet.DROP_TX_ERROR, failed);
                sendError(batch, failed);
            }
        }
    }

    /** Queues into the family's batch; a full batch is flushed first (fragments can outgrow it). */
    private final class BatchSink implements TxSink {
        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            if (batch4.addIpv4(seg, offset, length, destinationIpv4)) {
                return true;
            }
            flush(batch4, socket4);
            return batch4.addIpv4(seg, offset, length, destinationIpv4);
        }

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
            if (socket6 == null) {
                return false;
            }
            if (batch6.addIpv6(seg, offset, length, destinationHi, destinationLo)) {
                return true;
            }
            flush(batch6, socket6);
            return batch6.addIpv6(seg, offset, length, destinationHi, destinationLo);
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
