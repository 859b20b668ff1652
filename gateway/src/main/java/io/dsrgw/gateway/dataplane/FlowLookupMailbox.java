package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.flow.FlowKey;

import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands a flow question to the worker that owns a {@link FlowTable} (Agrona style: a command the data thread picks
 * up between batches), because the table is not thread-safe: its arrays are written by the worker without fences,
 * and even {@link FlowTable#find} writes (hit/miss counters, freeing expired entries). A racy read from another
 * thread could see a slot half rewritten and name a backend the flow never had; asking the owner costs the packet
 * path nothing but one acquire read per batch ({@link #serve}), and no lock.
 *
 * <p>Askers ({@link #lookup}, any thread) are served one at a time per mailbox; the worker answers at its next
 * batch boundary, within its poll timeout when idle.
 */
public final class FlowLookupMailbox implements FlowTableLookup {
    private final int tableId;
    private final AtomicReference<Request> pending = new AtomicReference<>();
    /** One question at a time: the slot holds at most one request (askers are rare admin commands). */
    private final Object askLock = new Object();

    /** @param tableId the id answers carry as {@link BackendSelection#table()} (the worker's number) */
    public FlowLookupMailbox(int tableId) {
        this.tableId = tableId;
    }

    public int tableId() {
        return tableId;
    }

    @Override
    public BackendSelection lookup(ForwardingSnapshot s, int vip, FlowKey key, long hash, long timeoutNs)
            throws FlowLookupException, InterruptedException {
        Request r = new Request(Objects.requireNonNull(s, "s"), vip, new FlowKey().copyFrom(key), hash);
        synchronized (askLock) {
            pending.setRelease(r);
            if (!r.done.await(timeoutNs, TimeUnit.NANOSECONDS)) {
                if (pending.compareAndSet(r, null)) {
                    throw new FlowLookupException("flow table " + tableId + ": no answer within "
                            + timeoutNs / 1_000_000 + " ms (expected: its worker to answer between batches; "
                            + "is it running?)");
                }
                // Taken by the worker just now: the answer follows at once.
                r.done.await();
            }
        }
        return r.answer;
    }

    /**
     * Answers the pending question, if any, with {@code steering}'s table (worker thread, between batches;
     * {@code nowNs} is the batch's clock). Returns 1 when it answered, else 0 (a work count).
     */
    public int serve(FlowSteering steering, long nowNs) {
        Request r = pending.getAcquire();
        if (r == null || !pending.compareAndSet(r, null)) {
            return 0;
        }
        r.answer = steering.explain(r.snapshot, r.vip, r.key, r.hash, nowNs, tableId);
        r.done.countDown();
        return 1;
    }

    private static final class Request {
        final ForwardingSnapshot snapshot;
        final int vip;
        final FlowKey key;
        final long hash;
        final CountDownLatch done = new CountDownLatch(1);
        /** Written by the worker before {@code done} opens; read by the asker after (the latch orders them). */
        BackendSelection answer;

        Request(ForwardingSnapshot snapshot, int vip, FlowKey key, long hash) {
            this.snapshot = snapshot;
            this.vip = vip;
            this.key = key;
            this.hash = hash;
        }
    }
}
