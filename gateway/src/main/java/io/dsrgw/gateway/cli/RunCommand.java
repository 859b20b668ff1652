package io.dsrgw.gateway.cli;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.admin.AdminCommands;
import io.dsrgw.gateway.admin.AdminHttpServer;
import io.dsrgw.gateway.admin.AdminSocketServer;
import io.dsrgw.gateway.announce.Announcer;
import io.dsrgw.gateway.announce.IpRouteTable;
import io.dsrgw.gateway.control.ConfigWatcher;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.SighupReload;
import io.dsrgw.gateway.dataplane.BackendSelector;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.control.SnapshotFactory;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.health.HealthChecker;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.TunnelProber;
import io.dsrgw.gateway.dataplane.tun.TunIngress;
import io.dsrgw.gateway.dataplane.tun.TunWorker;
import io.dsrgw.gateway.metrics.FlowTableMetrics;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.Probe;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.Sysctl;
import io.dsrgw.linux.TunDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code dsr-gateway run}: creates the ingress TUN and VIP routes, starts one worker thread per queue, and runs
 * until SIGTERM/SIGINT. Then, in the shutdown hook: stops the workers, removes the routes and the device, prints
 * the final counters and exits 0.
 *
 * <p>Why {@code Runtime.halt} at the end of the hook: a JVM ended by SIGTERM exits with status 143 even when every
 * hook completes; the contract (and systemd's clean-stop semantics) want 0 after a clean shutdown. Halting after
 * our own cleanup, with stdout/stderr flushed, gives that status; a failure path sets status 1 first.
 */
final class RunCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
    private static final long WORKER_JOIN_MS = 2_000;
    /** How often failed announce route commands are retried. */
    private static final long ANNOUNCE_RETRY_MS = 2_000;

    private final GatewayConfig config;
    private final Path configFile;
    private ForwardingSnapshot snapshot;
    private final PrintStream out;
    private final PrintStream err;
    private final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    // Issue 5: health checks, reload (file watch, SIGHUP), flow tables.
    private final FlowTableMetrics flowMetrics = new FlowTableMetrics(metrics.registry());
    private final HealthState health = new HealthState();
    private HealthChecker checker;
    private volatile GatewayControl control;
    private TunnelProber tunnelProber;
    private ConfigWatcher watcher;
    private final List<TunWorker> workers = new ArrayList<>();
    /** The data plane's backend selection over the workers' flow tables (dsrctl explain). */
    private final BackendSelector selector = new BackendSelector();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private TunIngress ingress;
    private AdminSocketServer adminSocket;
    private AdminHttpServer adminHttp;
    private final long startNs = System.nanoTime();
    private volatile int exitStatus = GatewayMain.EXIT_OK;
    /** Set by the shutdown hook before it stops the workers: from then on a dead worker is expected. */
    private volatile boolean shuttingDown;
    private boolean cleanedUp;
    /** Issue 12: the VIP routes BIRD announces (announce.table); withdrawn first on SIGTERM. */
    private volatile Announcer announcer;

    private RunCommand(GatewayConfig config, Path configFile, ForwardingSnapshot snapshot, PrintStream out,
                       PrintStream err) {
        this.config = config;
        this.configFile = configFile;
        this.snapshot = snapshot;
        this.out = out;
        this.err = err;
    }

    static int run(String configFile, PrintStream out, PrintStream err) {
        Startup.Loaded loaded = Startup.load(configFile, err);
        if (loaded == null) {
            return GatewayMain.EXIT_ERROR;
        }
        return new RunCommand(loaded.config(), Path.of(configFile), loaded.snapshot(), out, err).run();
    }

    private int run() {
        if (!"tun".equals(config.ingress().kind())) {
            err.println("dsr-gateway: run: ingress.kind: " + config.ingress().kind()
                    + " (expected: tun; pcap input is for dsr-gateway replay)");
            return GatewayMain.EXIT_ERROR;
        }
        for (Probe probe : new Probe[] {Capabilities.root(), Capabilities.tun(), Capabilities.rawSockets()}) {
            if (!probe.available()) {
                err.println("dsr-gateway: run: " + probe.cause());
                return GatewayMain.EXIT_ERROR;
            }
        }
        warnIfForwardingOff();
        checker = new HealthChecker(health, 1);
        // Tunnel checks: opened before the control plane starts probing; it reads the snapshot once there is one.
        try {
            tunnelProber = new TunnelProber(() -> control == null ? null : control.holder().get());
            checker.tunnelProber(tunnelProber, null);
        } catch (LinuxException e) {
            checker.tunnelProber(null, e.getMessage());
            LOG.warn("tunnel health checks unavailable: {}", e.getMessage());
        }
        try {
            control = new GatewayControl(configFile, config, config.removedBackendGrace(), System::nanoTime, health,
                    checker::apply);
        } catch (SnapshotFactory.SnapshotException | IllegalArgumentException e) {
            err.println("dsr-gateway: run: " + e.getMessage());
            checker.close();
            if (tunnelProber != null) {
                tunnelProber.close();
            }
            return GatewayMain.EXIT_ERROR;
        }
        control.registerMetrics(metrics.registry());
        snapshot = control.holder().get();
        String device = config.ingress().device();
        TreeSet<String> vipAddresses = vipAddresses(snapshot);
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "dsrgw-shutdown"));
        try {
            // tunnel-mtu - 20, not - the overhead of the kinds in use: see TunIngress.mtuFor.
            ingress = TunIngress.open(device, config.ingress().queues(), TunIngress.mtuFor(config.tunnelMtu()),
                    vipAddresses);
            SnapshotHolder holder = control.holder();
            List<TunDevice> queues = ingress.queues();
            for (int q = 0; q < queues.size(); q++) {
                WorkerCounters counters = new WorkerCounters();
                metrics.attach(counters);
                RawSocket socket4 = RawSocket.ipv4Raw();
                RawSocket socket6 = null;
                try {
                    socket6 = RawSocket.ipv6Raw();
                } catch (LinuxException | RuntimeException e) {
                    if (needsIpv6Egress()) {
                        socket4.close();
                        throw e;
                    }
                    // An IPv4-only configuration keeps working on a host without IPv6 (ipv6.disable=1).
                    LOG.info("worker {}: no IPv6 raw socket ({}); not needed: no IPv6 VIPs or backends", q,
                            e.getMessage());
                }
                TunWorker worker = new TunWorker(q, queues.get(q), socket4, socket6, holder, counters,
                        config.batchSize());
                FlowTable flows = new FlowTable(config.flowTable().capacity(), flowTimeouts(config.flowTable()));
                worker.flowTable(flows);
                flowMetrics.attach(flows);
                selector.attach(worker.lookups());
                workers.add(worker);
            }
        } catch (IOException e) {
            err.println("dsr-gateway: run: " + e.getMessage());
            return fail();
        }
        for (TunWorker w : workers) {
            Thread t = new Thread(w, "dsrgw-worker-" + w.id());
            threads.add(t);
            t.start();
        }
        // Routes follow the VIPs: a VIP address added by reload gets its route once the snapshot serving it is
        // published; a removed one loses it when its last VIP (including removal grace) leaves the snapshot.
        control.onSnapshot(s -> ingress.syncRoutes(vipAddresses(s)));
        // Announce routes follow the snapshots too (health, reloads), after the VIP routes they lead to.
        Announcer announce = new Announcer(new IpRouteTable(), device, System::nanoTime);
        control.onSnapshot(s -> announce.update(s, control.running()));
        announce.update(control.holder().get(), control.running());
        announcer = announce;
        AdminCommands admin = new AdminCommands(control, metrics.registry(),
                () -> (System.nanoTime() - startNs) / 1_000_000, selector).announcer(announce);
        try {
            adminSocket = AdminSocketServer.start(Path.of(config.admin().socket()), admin);
            adminHttp = AdminHttpServer.start(config.admin().http(), admin, control, metrics.registry());
        } catch (IOException e) {
            err.println("dsr-gateway: run: " + e.getMessage());
            return fail();
        }
        control.start();
        SighupReload.install(control);
        try {
            watcher = ConfigWatcher.start(configFile, control);
        } catch (IOException e) {
            LOG.warn("cannot watch {} for changes ({}): reload with SIGHUP", configFile, e.getMessage());
        }
        out.println("dsr-gateway: forwarding " + snapshot.vipCount() + " VIPs on " + device);
        out.flush();
        // The data plane forwards: only now may the routers send traffic here (a restart announces no earlier).
        announce.ready();
        Thread retry = new Thread(() -> {
            while (!shuttingDown) {
                try {
                    Thread.sleep(ANNOUNCE_RETRY_MS);
                } catch (InterruptedException e) {
                    return;
                }
                announce.retry();
            }
        }, "dsrgw-announce-retry");
        retry.setDaemon(true);
        retry.start();
        LOG.info("{} worker(s), routes {}", workers.size(), ingress.routes());
        // Wait for the shutdown hook, or for a worker that died (its error is logged): then fail.
        try {
            while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
                for (Thread t : threads) {
                    // Read the flag after seeing the dead thread: the hook sets it before stopping any worker.
                    if (!t.isAlive() && !shuttingDown) {
                        err.println("dsr-gateway: run: " + t.getName() + " stopped unexpectedly; shutting down");
                        return fail();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitStatus;
    }

    static FlowTimeouts flowTimeouts(io.dsrgw.conf.FlowTableConfig c) {
        return new FlowTimeouts(c.tcpSynTimeout(), c.tcpEstablishedTimeout(), c.tcpClosingTimeout(), c.udpTimeout(),
                c.otherTimeout());
    }

    private static TreeSet<String> vipAddresses(ForwardingSnapshot s) {
        TreeSet<String> out = new TreeSet<>();
        for (int vip = 0; vip < s.vipCount(); vip++) {
            out.add(s.vipAddressText(vip));
        }
        return out;
    }

    /** IPv6 packets leave the gateway only for IPv6 backends (outer) and IPv6 clients (ICMPv6 from IPv6 VIPs). */
    private boolean needsIpv6Egress() {
        for (int vip = 0; vip < snapshot.vipCount(); vip++) {
            if (snapshot.vipFamily(vip) == 6) {
                return true;
            }
        }
        for (int b = 0; b < snapshot.backendCount(); b++) {
            if (snapshot.backendFamily(b) == 6) {
                return true;
            }
        }
        return false;
    }

    private void warnIfForwardingOff() {
        boolean ipv4 = false;
        boolean ipv6 = false;
        for (int vip = 0; vip < snapshot.vipCount(); vip++) {
            ipv4 |= snapshot.vipFamily(vip) == 4;
            ipv6 |= snapshot.vipFamily(vip) == 6;
        }
        if (ipv4) {
            warnIfZero("net.ipv4.ip_forward", "IPv4");
        }
        if (ipv6) {
            warnIfZero("net.ipv6.conf.all.forwarding", "IPv6");
        }
    }

    private static void warnIfZero(String sysctl, String family) {
        try {
            if ("0".equals(Sysctl.read(sysctl).strip())) {
                LOG.warn("{} is 0: {} packets from other hosts will not be routed into the TUN "
                        + "(expected: 1 on a gateway with {} VIPs; the gateway does not change it)", sysctl, family,
                        family);
            }
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", sysctl, e.getMessage());
        }
    }

    /**
     * Issue 12, graceful stop: withdraw every announced route first, then keep forwarding for what remains of
     * announce.withdraw-grace while the routers converge; only then does cleanup stop the workers.
     */
    private void withdrawAndGrace() {
        Announcer a = announcer;
        if (a == null) {
            return;
        }
        long waitNs = a.stop();
        if (waitNs <= 0) {
            return;
        }
        LOG.info("routes withdrawn; forwarding for {} ms more while the routers converge (announce.withdraw-grace)",
                waitNs / 1_000_000);
        out.println("dsr-gateway: routes withdrawn, forwarding for " + waitNs / 1_000_000 + " ms more");
        out.flush();
        try {
            Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Error exit from the main thread: clean up now, the hook then only halts with status 1. */
    private int fail() {
        exitStatus = GatewayMain.EXIT_ERROR;
        cleanup();
        return GatewayMain.EXIT_ERROR;
    }

    private void onShutdown() {
        shuttingDown = true;
        withdrawAndGrace();
        cleanup();
        stopped.countDown();
        out.flush();
        err.flush();
        Runtime.getRuntime().halt(exitStatus);
    }

    private synchronized void cleanup() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        if (adminHttp != null) {
            adminHttp.close();
        }
        if (adminSocket != null) {
            adminSocket.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (control != null) {
            control.close();
        }
        if (checker != null) {
            checker.close();
        }
        if (tunnelProber != null) {
            tunnelProber.close();
        }
        for (TunWorker w : workers) {
            w.stop();
        }
        for (Thread t : threads) {
            try {
                t.join(WORKER_JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ingress != null) {
            ingress.close();
        }
        if (!workers.isEmpty()) {
            metrics.print(out);
            flowMetrics.print(out);
        }
        out.flush();
    }
}
