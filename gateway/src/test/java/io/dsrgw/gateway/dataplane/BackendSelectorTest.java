package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Explain through the workers' own tables: questions handed to the owning thread, answered between batches. */
class BackendSelectorTest {
    private static final int VIP = Ipv4Addresses.parse("10.100.0.1");

    private final BackendIds ids = new BackendIds();

    private ForwardingSnapshot snapshot(long generation, String... backends) {
        List<ForwardingSnapshot.Ipv4Backend> list = new java.util.ArrayList<>();
        for (String b : backends) {
            list.add(new ForwardingSnapshot.Ipv4Backend(Ipv4Addresses.parse(b), 100, BackendState.ACTIVE));
        }
        return ForwardingSnapshot.builder("seed", 65537, Ipv4Addresses.parse("10.0.2.2"), 64, 1500)
                .generation(generation).backendIds(ids)
                .addVip("web", VIP, IpProtocol.TCP, new int[] {80}, list).build();
    }

    /** Stands in for a worker thread: serves its mailbox between "batches" until stopped. */
    private static Thread worker(FlowLookupMailbox mailbox, FlowSteering steering, AtomicBoolean running) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                mailbox.serve(steering, 1_000L);
                Thread.onSpinWait();
            }
        }, "test-worker");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void shouldAnswerFromTheWorkerWhoseTablePinsTheFlowElseFromMaglev() throws Exception {
        ForwardingSnapshot two = snapshot(1, "10.0.3.1", "10.0.3.2");
        ForwardingSnapshot three = snapshot(2, "10.0.3.1", "10.0.3.2", "10.0.3.3");
        FlowSteering w0 = new FlowSteering(new FlowTable(1024, FlowTimeouts.DEFAULT));
        FlowSteering w1 = new FlowSteering(new FlowTable(1024, FlowTimeouts.DEFAULT));
        // A flow worker 1 pinned under two backends whose Maglev slot now points at the third.
        FlowKey moved = null;
        int pinned = ForwardingSnapshot.NONE;
        for (int port = 1024; moved == null; port++) {
            FlowKey k = new FlowKey().setIpv4(Ipv4Addresses.parse("192.0.2.7"), VIP, IpProtocol.TCP, port, 80, false);
            int before = two.backendFor(0, two.flowHash().hash(k));
            int after = three.backendFor(0, three.flowHash().hash(k));
            if (!three.backendIdentity(after).equals(two.backendIdentity(before))) {
                moved = k;
                pinned = w1.backendFor(two, 0, k, two.flowHash().hash(k), FlowSteering.TCP_ACK, 1_000L);
            }
        }
        String pinnedTo = two.backendIdentity(pinned);
        FlowLookupMailbox m0 = new FlowLookupMailbox(0);
        FlowLookupMailbox m1 = new FlowLookupMailbox(1);
        BackendSelector selector = new BackendSelector();
        selector.attach(m0);
        selector.attach(m1);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread t0 = worker(m0, w0, running);
        Thread t1 = worker(m1, w1, running);
        try {
            BackendSelection sel = selector.select(three, 0, moved);
            assertEquals(BackendSelection.Source.PINNED, sel.source());
            assertEquals(1, sel.table());
            assertEquals(pinnedTo, three.backendIdentity(sel.backend()), "the pinned backend, not the Maglev one");
            FlowKey other = new FlowKey().setIpv4(Ipv4Addresses.parse("192.0.2.8"), VIP, IpProtocol.TCP, 1, 80, false);
            long h = three.flowHash().hash(other);
            assertEquals(BackendSelection.maglev(three, 0, h), selector.select(three, 0, other));
        } finally {
            running.set(false);
            t0.join();
            t1.join();
        }
    }

    @Test
    void shouldReportATableWhoseWorkerDoesNotAnswer() {
        FlowLookupMailbox silent = new FlowLookupMailbox(3);
        ForwardingSnapshot s = snapshot(1, "10.0.3.1");
        FlowKey k = new FlowKey().setIpv4(1, VIP, IpProtocol.TCP, 1, 80, false);
        FlowTableLookup.FlowLookupException e = assertThrows(FlowTableLookup.FlowLookupException.class,
                () -> silent.lookup(s, 0, k, s.flowHash().hash(k), 20_000_000L));
        assertEquals("flow table 3: no answer within 20 ms (expected: its worker to answer between batches; "
                + "is it running?)", e.getMessage());
        // The question was withdrawn: a worker that comes back later finds nothing to answer.
        assertEquals(0, silent.serve(new FlowSteering(new FlowTable(64, FlowTimeouts.DEFAULT)), 0));
    }

    @Test
    void shouldAnswerWithMaglevWithoutTablesOrForAStatelessVip() throws Exception {
        BackendSelector selector = new BackendSelector();
        ForwardingSnapshot s = snapshot(1, "10.0.3.1", "10.0.3.2");
        FlowKey k = new FlowKey().setIpv4(5, VIP, IpProtocol.TCP, 5, 80, false);
        BackendSelection sel = selector.select(s, 0, k);
        assertEquals(BackendSelection.Source.MAGLEV, sel.source());
        assertEquals(s.backendFor(0, s.flowHash().hash(k)), sel.backend());
        // A stateless VIP never asks the tables (this silent one would throw after the timeout).
        selector.attach(new FlowLookupMailbox(0));
        ForwardingSnapshot stateless = ForwardingSnapshot.builder("seed", 65537, 1, 64, 1500)
                .statelessVips(java.util.Set.of("web"))
                .addVip("web", VIP, IpProtocol.TCP, new int[] {80},
                        List.of(new ForwardingSnapshot.Ipv4Backend(7, 1, BackendState.ACTIVE))).build();
        assertEquals(BackendSelection.Source.MAGLEV, selector.select(stateless, 0, k).source());
    }
}
