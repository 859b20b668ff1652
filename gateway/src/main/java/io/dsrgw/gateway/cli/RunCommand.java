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
import io.dsrgw.gateway.dataplane.PinnedFlows;
import io.dsrgw.gateway.control.LinkLayerBackends;
import io.dsrgw.gateway.control.SnapshotFactory;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.health.HealthChecker;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.TunnelProber;
import io.dsrgw.gateway.dataplane.tun.NextHopResolver;
import io.dsrgw.gateway.dataplane.tun.TunIngress;
import io.dsrgw.gateway.dataplane.tun.TunWorker;
import io.dsrgw.gateway.dataplane.xdp.XdpDataPlane;
import io.dsrgw.gateway.metrics.FlowTableMetrics;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import io.dsrgw.gateway.metrics.XdpBackendMetrics;
import io.dsrgw.gateway.metrics.XdpMetrics;
import io.dsrgw.gateway.service.GatewayService;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.conf.XdpConfig;
import io.dsrgw.linux.Capabilities;
import io.dsrgw.linux.Interfaces;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.NextHopLookup;
import io.dsrgw.linux.PacketSocket;
import io.dsrgw.linux.Probe;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.Sysctl;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.bpf.Bpf;
import io.dsrgw.linux.bpf.XdpMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code dsr-gateway run}: creates the ingress TUN and VIP routes, starts one worker thread per queue, and runs
 * until SIGTERM/SIGINT. Then, in the shutdown hook: stops the workers, removes the routes and the device, prints
 * the final counters and exits 0.
 *
 * <p>With {@code ingress.kind = xdp} (DESIGN.md decision 13) the TUN, its routes and workers are set up exactly
 * the same (they are the slow path), then the XDP program is loaded, given the first snapshot, and attached to
 * {@code ingress.xdp.interfaces} with BPF links; every later snapshot is published to its maps from the control
 * thread; the workers' flow steering asks the program's flow table when their own misses ({@link PinnedFlows}),
 * {@code dsrctl explain} asks it first, and its counters appear as {@code xdp_*}. On exit the program is detached
 * (links closed) before routes and TUN go; a crash detaches it too (a BPF link dies with its process).
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
    /** Next hops for the workers' link-layer egress (ingress.egress = packet), or null. */
    private NextHopResolver nextHops;
    /** The XDP fast path (ingress.kind = xdp), or null. */
    private volatile XdpDataPlane xdp;
    private XdpMetrics xdpMetrics;
    private AdminSocketServer adminSocket;
    private AdminSocketServer adminSocketReadOnly;
    private AdminHttpServer adminHttp;
    private final long startNs = System.nanoTime();
    private volatile int exitStatus = GatewayMain.EXIT_OK;
    /** Set by the shutdown hook before it stops the workers: from then on a dead worker is expected. */
    private volatile boolean shuttingDown;
    private boolean cleanedUp;
    /**
     * Set once "forwarding N VIPs" is printed: only then are the final counters worth printing (a start-up failure
     * must end with its error, not with a screen of zeros).
     */
    private volatile boolean forwarding;
    /** Issue 12: the VIP routes BIRD announces (announce.table); withdrawn first on SIGTERM. */
    private volatile Announcer announcer;
    /** Issue 13: systemd notifications (READY, STATUS, RELOADING, WATCHDOG); does nothing without NOTIFY_SOCKET. */
    private final GatewayService service = GatewayService.fromEnvironment();

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
        List<String> host = LinkLayerBackends.problems(loaded.config(), LinkLayerBackends.KERNEL);
        if (!host.isEmpty()) {
            for (String problem : host) {
                err.println(configFile + ": " + problem);
            }
            return GatewayMain.EXIT_ERROR;
        }
        return new RunCommand(loaded.config(), Path.of(configFile), loaded.snapshot(), out, err).run();
    }

    private int run() {
        boolean xdpIngress = config.ingress().isXdp();
        if (!"tun".equals(config.ingress().kind()) && !xdpIngress) {
            err.println("dsr-gateway: run: ingress.kind: " + config.ingress().kind()
                    + " (expected: tun or xdp; pcap input is for dsr-gateway replay)");
            return GatewayMain.EXIT_ERROR;
        }
        for (Probe probe : new Probe[] {Capabilities.root(), Capabilities.tun(), Capabilities.rawSockets()}) {
            if (!probe.available()) {
                err.println("dsr-gateway: run: " + probe.cause());
                return GatewayMain.EXIT_ERROR;
            }
        }
        if (xdpIngress) {
            String problem = xdpProblem(config.ingress().xdp());
            if (problem != null) {
                err.println("dsr-gateway: run: " + problem);
                return GatewayMain.EXIT_ERROR;
            }
        }
        warnIfForwardingOff();
        if (xdpIngress) {
            warnIfXdpForwardingOff(config.ingress().xdp().interfaces());
        }
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
        control.hostCheck(c -> LinkLayerBackends.problems(c, LinkLayerBackends.KERNEL));
        snapshot = control.holder().get();
        String device = config.ingress().device();
        TreeSet<String> vipAddresses = vipAddresses(snapshot);
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "dsrgw-shutdown"));
        try {
            // 65535, not tunnel-mtu: the pipeline, not the kernel, answers too-big packets (TunIngress.DEVICE_MTU),
            // with each backend's own limit (tunnel-mtu - overhead, or an L2 DSR backend's link MTU).
            // ingress.new-flow-queue (issue 14 floods): queues per worker for SYNs, or why not (logged there).
            ingress = TunIngress.open(device, config.ingress().queues(), TunIngress.DEVICE_MTU, vipAddresses,
                    config.ingress().newFlowQueue(), config.ingress().knownSourcesPerSecond());
            boolean newFlowQueue = ingress.hasNewFlowQueue();
            metrics.registry().register(GatewayMetrics.NEW_FLOW_QUEUE_GAUGE,
                    (com.codahale.metrics.Gauge<Integer>) () -> newFlowQueue ? 1 : 0);
            PinnedFlows shared = null;
            if (xdpIngress) {
                xdp = loadXdp();
                if (xdp == null) {
                    return fail();
                }
                // The program's table answers explain first: it sees nearly every packet of a flow.
                selector.attach(xdp.flowTable());
                shared = this::xdpPin;
            }
            SnapshotHolder holder = control.holder();
            // Always: L2 DSR backends (tunnel = none) have no way out but the link-layer egress, and a reload may
            // add one; with ingress.egress = raw the resolver only resolves those (none: an idle netlink thread).
            boolean tunnelsViaLink = config.ingress().packetEgress();
            nextHops = openNextHops(holder, tunnelsViaLink);
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
                TunWorker worker = new TunWorker(q, queues.get(q), ingress.newFlowQueue(q),
                        ingress.knownSourceQueue(q), socket4, socket6, holder, counters, config.batchSize());
                worker.realtimePriority(config.ingress().realtimePriority());
                if (nextHops != null) {
                    PacketSocket packets = packetSocket(q, tunnelsViaLink);
                    if (packets != null) {
                        worker.packetEgress(packets, nextHops, tunnelsViaLink);
                    }
                }
                FlowTable flows = new FlowTable(config.flowTable().capacity(), flowTimeouts(config.flowTable()));
                worker.flowTable(flows, shared);
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
        if (nextHops != null) {
            Thread t = new Thread(nextHops, "dsrgw-nexthops");
            t.setDaemon(true);
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
        if (xdp != null && !startXdp()) {
            return fail();
        }
        AdminCommands admin = new AdminCommands(control, metrics.registry(),
                () -> (System.nanoTime() - startNs) / 1_000_000, selector).announcer(announce);
        if (xdpMetrics != null) {
            admin.fastPathCounters(xdpMetrics::snapshot);
        }
        admin.flowsByBackendId(flowMetrics::flows);
        admin.newFlowQueue(ingress.hasNewFlowQueue(), ingress.newFlowQueueProblem());
        try {
            adminSocket = AdminSocketServer.start(Path.of(config.admin().socket()), admin);
            if (!config.admin().socketReadOnly().isEmpty()) {
                adminSocketReadOnly = AdminSocketServer.startReadOnly(Path.of(config.admin().socketReadOnly()),
                        admin);
            }
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
        if (xdp != null) {
            XdpConfig x = config.ingress().xdp();
            // Starts like the TUN line (scripts wait for "dsr-gateway: forwarding N VIPs on ").
            out.println("dsr-gateway: forwarding " + snapshot.vipCount() + " VIPs on " + String.join(",",
                    x.interfaces()) + " (XDP fast path, " + x.mode() + "); slow path: " + device);
        } else {
            out.println("dsr-gateway: forwarding " + snapshot.vipCount() + " VIPs on " + device);
        }
        out.flush();
        forwarding = true;
        // The data plane forwards: only now may the routers send traffic here (a restart announces no earlier).
        announce.ready();
        service.started(control, xdp == null ? device : String.join(",", config.ingress().xdp().interfaces())
                + " (XDP), slow path " + device, workers.stream().<java.util.function.LongSupplier>map(
                w -> w::heartbeatNs).toList());
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
        LOG.info("{} worker(s){}, routes {}", workers.size(), ingress.hasNewFlowQueue()
                ? " with a new-flow queue each" : "", ingress.routes());
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

    /**
     * Why the XDP fast path cannot start here, checked before anything is created (privileges, libbpf, bpf(2),
     * every configured interface present), or null.
     */
    static String xdpProblem(XdpConfig x) {
        String privileges = xdpPrivilegeProblem(Capabilities.bpfPrivileges());
        if (privileges != null) {
            return privileges;
        }
        if (!Bpf.isAvailable()) {
            return "ingress.kind = xdp: BPF is unavailable: " + Bpf.unavailabilityCause();
        }
        for (String name : x.interfaces()) {
            if (!Interfaces.exists(name)) {
                return "ingress.xdp.interfaces: " + name + ": no such network interface in this network namespace"
                        + " (expected: the interfaces VIP traffic arrives on, e.g. eth0; see ip link)";
            }
        }
        return null;
    }

    /**
     * The line of dist/systemd/dsr-gateway.service that grants what the gateway needs (RunCommandXdpTest keeps the
     * two equal): quoted in the privilege error, since a unit edited without CAP_BPF or CAP_PERFMON is its usual cause.
     */
    static final String UNIT_CAPABILITIES = "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_BPF CAP_PERFMON";

    /**
     * The error for {@code privileges} ({@link Capabilities#bpfPrivileges()}) lacking something, or null: names the
     * missing capabilities, why CAP_PERFMON is among them (the verifier's EACCES otherwise) and the unit's line.
     */
    static String xdpPrivilegeProblem(Probe privileges) {
        if (privileges.available()) {
            return null;
        }
        return "ingress.kind = xdp: " + privileges.cause() + " (the XDP fast path needs CAP_BPF to load its"
                + " program, CAP_PERFMON or the verifier rejects it with EACCES, and CAP_NET_ADMIN to attach it;"
                + " under systemd the unit dsr-gateway.service grants them with " + UNIT_CAPABILITIES
                + " and the same CapabilityBoundingSet=; ingress.kind = tun needs none of the three)";
    }

    static XdpMode xdpMode(String configName) {
        return XdpConfig.MODE_GENERIC.equals(configName) ? XdpMode.GENERIC : XdpMode.NATIVE;
    }

    /** Loads the program and its maps (nothing attached yet); null after printing why it failed. */
    private XdpDataPlane loadXdp() {
        try {
            // The BPF table is shared by all CPUs; it gets the per-worker capacity and the same timeouts as the TUN
            // workers' tables, so a flow expires alike on both paths.
            XdpDataPlane loaded = XdpDataPlane.load(config.flowTable().capacity(), flowTimeouts(config.flowTable()),
                    config.maglevTableSize());
            try {
                xdpMetrics = new XdpMetrics(metrics.registry(), () -> loaded.counters().values());
                // Per backend: the program's counts join the TUN workers' (same stable ids, same inner bytes).
                XdpBackendMetrics perBackend = new XdpBackendMetrics(loaded::backendStats);
                metrics.addBackendSource(perBackend::packets, perBackend::bytes);
            } catch (Exception e) {
                loaded.close();
                err.println("dsr-gateway: run: ingress.kind = xdp: cannot read the XDP counters: " + e.getMessage());
                return null;
            }
            return loaded;
        } catch (LinuxException | RuntimeException e) {
            err.println("dsr-gateway: run: ingress.kind = xdp: loading the XDP program failed: " + e.getMessage());
            return null;
        }
    }

    /**
     * Publishes the current snapshot to the program's maps, makes every later snapshot follow (control thread),
     * and attaches the program to the configured interfaces; false after printing why it failed.
     */
    private boolean startXdp() {
        XdpConfig x = config.ingress().xdp();
        try {
            xdp.publish(control.holder().get());
        } catch (LinuxException | RuntimeException e) {
            err.println("dsr-gateway: run: ingress.kind = xdp: writing the XDP maps failed: " + e.getMessage());
            return false;
        }
        // Registered before the control thread, the admin surfaces and the config watcher start: no snapshot can be
        // published between the first publish and this listener.
        control.onSnapshot(this::publishXdp);
        try {
            xdp.attach(x.interfaces(), xdpMode(x.mode()));
        } catch (LinuxException e) {
            // Already names the key: "ingress.xdp.interfaces: bpf_link_create(dsrgw_xdp, eth1 native): ...".
            err.println("dsr-gateway: run: " + e.getMessage());
            return false;
        } catch (RuntimeException e) {
            err.println("dsr-gateway: run: ingress.xdp.interfaces: " + e.getMessage());
            return false;
        }
        return true;
    }

    /** Snapshot listener (control thread): the fast path follows every reload, health change and override. */
    private void publishXdp(ForwardingSnapshot s) {
        XdpDataPlane plane = xdp;
        if (plane == null) {
            return;
        }
        try {
            plane.publish(s);
        } catch (LinuxException | RuntimeException e) {
            // The slow path follows the snapshot anyway; the fast path keeps the previous maps until the next one.
            LOG.error("XDP fast path: publishing generation {} failed: {} (the XDP program keeps forwarding with the"
                    + " previous generation)", s.generation(), e.getMessage());
        }
    }

    /** {@link PinnedFlows} over the program's flow table for the workers: no pin when the lookup fails. */
    private int xdpPin(io.dsrgw.encap.flow.FlowKey key, long nowNs) {
        XdpDataPlane plane = xdp;
        if (plane == null) {
            return PinnedFlows.NONE;
        }
        try {
            return plane.pinnedBackendId(key, nowNs);
        } catch (LinuxException | RuntimeException e) {
            return PinnedFlows.NONE;
        }
    }

    /**
     * The program hands every packet to the kernel when forwarding is off on its interface (bpf_fib_lookup refuses),
     * so the fast path silently becomes the slow path: say so.
     */
    private void warnIfXdpForwardingOff(List<String> interfaces) {
        boolean ipv6 = false;
        for (int vip = 0; vip < snapshot.vipCount(); vip++) {
            ipv6 |= snapshot.vipFamily(vip) == 6;
        }
        for (String name : interfaces) {
            for (String family : ipv6 ? List.of("ipv4", "ipv6") : List.of("ipv4")) {
                Path key = Sysctl.path("net", family, "conf", name, "forwarding");
                try {
                    if ("0".equals(Sysctl.read(key).strip())) {
                        LOG.warn("net.{}.conf.{}.forwarding is 0: the XDP program passes every {} VIP packet arriving"
                                + " on {} to the slow path (its FIB lookup needs forwarding; expected: 1)", family,
                                name, family.equals("ipv4") ? "IPv4" : "IPv6", name);
                        err.println("dsr-gateway: warning: net." + family + ".conf." + name + ".forwarding is 0: the"
                                + " XDP fast path will pass every packet on " + name + " to the slow path");
                    }
                } catch (IOException e) {
                    LOG.warn("cannot read {}: {}", key, e.getMessage());
                }
            }
        }
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
    /**
     * The resolver of the workers' next hops, resolved once already; null (raw sockets only, logged) when rtnetlink
     * cannot be opened.
     */
    private static NextHopResolver openNextHops(SnapshotHolder holder, boolean tunnels) {
        try {
            NextHopResolver r = new NextHopResolver(holder, NextHopLookup.open(), tunnels);
            r.resolveNow();
            return r;
        } catch (LinuxException e) {
            LOG.warn("{}: {}; sending through raw sockets only (L2 DSR backends, tunnel = none, get nothing)",
                    tunnels ? "ingress.egress = packet" : "next hops", e.getMessage());
            return null;
        }
    }

    /** A worker's AF_PACKET socket with qdisc bypass; null (raw sockets only, logged) when refused. */
    private static PacketSocket packetSocket(int worker, boolean tunnels) {
        PacketSocket s = null;
        try {
            s = PacketSocket.datagram();
            s.bypassQdisc();
            return s;
        } catch (LinuxException e) {
            if (s != null) {
                s.close();
            }
            LOG.warn("worker {}: {}: {} (needs CAP_NET_RAW); sending through raw sockets only (L2 DSR backends, "
                    + "tunnel = none, get nothing)", worker, tunnels ? "ingress.egress = packet" : "AF_PACKET egress",
                    e.getMessage());
            return null;
        }
    }

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
        service.stopping();
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
        if (adminSocketReadOnly != null) {
            adminSocketReadOnly.close();
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
        // The fast path goes first (its packets then take the slow path while it still exists): links closed, maps
        // freed. Its counters are read just before.
        Map<String, Long> xdpFinal = xdpMetrics == null ? Map.of() : xdpMetrics.readNow();
        XdpDataPlane plane = xdp;
        xdp = null; // workers and listeners stop asking it
        if (plane != null) {
            plane.close();
        }
        for (TunWorker w : workers) {
            w.stop();
        }
        if (nextHops != null) {
            nextHops.stop();
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
        if (forwarding && !workers.isEmpty()) {
            metrics.print(out);
            flowMetrics.print(out);
        }
        if (forwarding) {
            xdpFinal.forEach((name, value) -> out.println(name + " " + value));
        }
        out.flush();
    }
}
