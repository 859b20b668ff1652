package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.dataplane.BackendSelector;
import io.dsrgw.gateway.dataplane.FlowLookupMailbox;
import io.dsrgw.gateway.dataplane.FlowSteering;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.HealthState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code explain} answers with the data plane's own selection: a flow a worker's table pins is reported on its
 * pinned backend with {@code source pinned} and the worker's number, even where the Maglev slot now points
 * elsewhere; a SYN then re-hashes it, and explain follows.
 */
class AdminExplainTest {
    private static final String CONFIG = """
            dsrgw.gateway {
              tunnel-source { ipv4 = 10.0.2.2 }
              hash-seed = "explain-seed"
              vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                        backends = [%s] }]
            }
            """;

    @TempDir
    Path dir;

    @Test
    void shouldReportThePinnedBackendAndTheWorkerThatPinsIt() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, CONFIG.formatted("{ address = 10.0.3.10 }, { address = 10.0.3.11 }"));
        GatewayControl control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO,
                System::nanoTime, new HealthState(), ProbeRunner.NONE);
        FlowSteering worker = new FlowSteering(new FlowTable(1024, FlowTimeouts.DEFAULT));
        FlowLookupMailbox mailbox = new FlowLookupMailbox(0);
        BackendSelector selector = new BackendSelector();
        selector.attach(mailbox);
        AdminCommands admin = new AdminCommands(control, new MetricRegistry(), () -> 0, selector);
        try {
            ForwardingSnapshot two = control.holder().get();
            // Pin flows (ACK packets, as mid-stream traffic) under two backends, then add a third.
            int[] pinned = new int[400];
            for (int port = 0; port < pinned.length; port++) {
                FlowKey k = key(40000 + port);
                pinned[port] = worker.backendFor(two, 0, k, two.flowHash().hash(k), FlowSteering.TCP_ACK, 1_000L);
            }
            Files.writeString(file, CONFIG.formatted(
                    "{ address = 10.0.3.10 }, { address = 10.0.3.11 }, { address = 10.0.3.12 }"));
            assertTrue(control.reload().applied());
            ForwardingSnapshot three = control.holder().get();
            int port = -1;
            for (int p = 0; p < pinned.length && port < 0; p++) {
                int maglev = three.backendFor(0, three.flowHash().hash(key(40000 + p)));
                if (three.backendIdentity(maglev).equals("10.0.3.12")) {
                    port = 40000 + p;
                }
            }
            assertTrue(port >= 0, "some flow's Maglev slot moved to the new backend");
            String was = two.backendIdentity(pinned[port - 40000]);
            String pinnedOut = explainServed(admin, mailbox, worker, port);
            assertTrue(pinnedOut.contains("backend " + was + "\n"), pinnedOut);
            assertTrue(pinnedOut.contains("\nsource pinned\ntable 0\n"), pinnedOut);
            // The flow's next SYN re-hashes it (forwarding, on the worker); explain follows the re-bound entry.
            FlowKey k = key(port);
            worker.backendFor(three, 0, k, three.flowHash().hash(k), FlowSteering.TCP_SYN, 2_000L);
            String rehashed = explainServed(admin, mailbox, worker, port);
            assertTrue(rehashed.contains("backend 10.0.3.12\n"), rehashed);
            assertTrue(rehashed.contains("\nsource pinned\ntable 0\n"), rehashed);
            // A flow no table knows: the Maglev slot.
            String fresh = explainServed(admin, mailbox, worker, 1);
            assertTrue(fresh.contains("\nsource maglev\ntable -\n"), fresh);
        } finally {
            control.close();
        }
    }

    /** Runs explain while a thread stands in for the worker, answering between "batches"; returns the output. */
    private static String explainServed(AdminCommands admin, FlowLookupMailbox mailbox, FlowSteering worker,
                                        int port) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread t = new Thread(() -> {
            while (running.get()) {
                mailbox.serve(worker, 1_000L);
                Thread.onSpinWait();
            }
        }, "test-worker-0");
        t.start();
        try {
            AdminReply r = admin.execute("explain", List.of("tcp", "192.0.2.7:" + port, "10.100.0.1:80"));
            assertTrue(r.ok(), r.toString());
            return r.output();
        } finally {
            running.set(false);
            t.join();
        }
    }

    private static FlowKey key(int port) {
        return new FlowKey().setIpv4(Ipv4Addresses.parse("192.0.2.7"), Ipv4Addresses.parse("10.100.0.1"),
                IpProtocol.TCP, port, 80, false);
    }
}
