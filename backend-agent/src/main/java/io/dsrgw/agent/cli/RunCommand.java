package io.dsrgw.agent.cli;

import io.dsrgw.agent.health.AgentHealth;
import io.dsrgw.agent.health.DrainFile;
import io.dsrgw.agent.health.DrainWatcher;
import io.dsrgw.agent.health.HealthServer;
import io.dsrgw.agent.health.KernelCounters;
import io.dsrgw.agent.kernel.DecapModes;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.Operation;
import io.dsrgw.agent.plan.PlanException;
import io.dsrgw.agent.plan.PlanExecutionException;
import io.dsrgw.agent.plan.Reconciler;
import io.dsrgw.agent.userspace.DecapCounters;
import io.dsrgw.agent.userspace.DecapLoop;
import io.dsrgw.agent.userspace.GreKeySet;
import io.dsrgw.agent.userspace.Ipv4AddressSet;
import io.dsrgw.agent.userspace.Ipv6AddressSet;
import io.dsrgw.agent.userspace.TunPacketSink;
import io.dsrgw.agent.userspace.UserspaceDecapsulator;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.UdpSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code dsr-agent run}: apply, start the userspace decapsulator, then re-check every
 * reconcile-interval and repair drift. SIGTERM/SIGINT stop decapsulation and print the final
 * counters; the applied configuration (VIPs, decap TUN, sysctls) deliberately stays, so that a
 * restart or upgrade of the agent does not take the VIPs away; {@code dsr-agent down} removes it.
 *
 * <p>While it runs, the readiness endpoint on {@code health.listen} answers from the read-back that follows
 * every apply ({@link AgentHealth}) and from the drain flag, polled every
 * {@value io.dsrgw.agent.health.DrainWatcher#POLL_INTERVAL_MS} ms.
 */
final class RunCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    /** Packets per wakeup of the decapsulating thread. */
    static final int DECAP_BUDGET = 64;
    /** Raw socket receive buffer: absorbs bursts while the thread is descheduled (2 cores). */
    static final int RECEIVE_BUFFER_BYTES = 4 << 20;

    private final AgentConfig config;
    private final DecapModes modes;
    private final Reconciler reconciler;
    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    /** Issue 13: systemd notifications; nothing without NOTIFY_SOCKET. */
    private final io.dsrgw.agent.health.AgentService service = io.dsrgw.agent.health.AgentService.fromEnvironment();
    private final AgentHealth health;
    /** How old the convergence loop's latest pass may be before it counts as stuck (readiness and watchdog). */
    private final Duration staleAfter;
    /** Kernel mode: where the tunnel devices' and the filter's counters are read (null: none). */
    private final Host host;
    private final List<String> kernelDevices;
    private volatile Map<String, Long> kernelCounters = Map.of();
    private volatile DecapCounters userspaceCounters;

    RunCommand(AgentConfig config, DecapModes modes, Reconciler reconciler, PrintStream out, PrintStream err) {
        this(config, modes, reconciler, null, List.of(), out, err);
    }

    /**
     * @param host          read for kernel mode's counters once per reconcile (null: no kernel counters)
     * @param kernelDevices the kernel tunnel devices the agent manages
     */
    RunCommand(AgentConfig config, DecapModes modes, Reconciler reconciler, Host host, List<String> kernelDevices,
               PrintStream out, PrintStream err) {
        this.host = host;
        this.kernelDevices = List.copyOf(kernelDevices);
        this.config = config;
        this.modes = modes;
        this.reconciler = reconciler;
        this.out = out;
        this.err = err;
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("mode", modes.describe());
        info.put("vips", config.vips().stream().map(InetAddress::getHostAddress).toList());
        info.put("listen", config.healthListen());
        // A read-back older than a few reconcile intervals means the loop is stuck (e.g. on a hung command).
        this.staleAfter = config.reconcileInterval().multipliedBy(3).plusSeconds(30);
        this.health = new AgentHealth(new DrainWatcher(DrainFile.forStateFile(config.stateFile())),
                Clock.systemUTC(), staleAfter, info);
        health.counters(this::counters);
    }

    /** For {@code /status}: the decapsulator's last published counters, then kernel mode's last read ones. */
    private Map<String, Long> counters() {
        Map<String, Long> all = new LinkedHashMap<>();
        DecapCounters u = userspaceCounters;
        if (u != null) {
            all.putAll(u.snapshot());
        }
        kernelCounters.forEach((k, v) -> all.merge(k, v, Long::sum));
        return all;
    }

    /**
     * Serves the readiness endpoint (bound first: a port conflict fails before the host is changed), then
     * applies and decapsulates until stopped.
     */
    int run() throws IOException, PlanException, PlanExecutionException {
        LOG.info(modes.describe());
        HealthServer server;
        try {
            server = HealthServer.start(config.healthListen(), health, config.statusClients());
        } catch (IOException e) {
            err.println("dsr-agent run: " + e.getMessage());
            return AgentCli.EXIT_ERROR;
        }
        try (server) {
            server.every(DrainWatcher.POLL_INTERVAL_MS, health::pollDrain);
            LOG.info("readiness endpoint on http://{}/ready (and /healthz, /status)", config.healthListen());
            return applyAndDecapsulate();
        }
    }

    private int applyAndDecapsulate() throws IOException, PlanException, PlanExecutionException {
        installSignalHandlers();
        service.startWatchdog(staleAfter); // issue 13: WATCHDOG=1 while the loop below makes progress
        reconciler.apply(op -> LOG.info("applied: {}", op.describe()));
        if (stopRequested.getCount() == 0) {
            LOG.info("stopped before decapsulation started; the configuration stays applied");
            return AgentCli.EXIT_OK;
        }
        if (modes.userKinds().isEmpty()) {
            return kernelOnly();
        }

        String device = config.decapDevice();
        TunPacketSink sink;
        try {
            sink = new TunPacketSink(TunDevice.open(device, false, true));
        } catch (LinuxException e) {
            err.println("dsr-agent run: cannot attach to the decap TUN: " + e.getMessage());
            return AgentCli.EXIT_ERROR;
        }
        List<RawSocket> sockets = new ArrayList<>();
        List<UdpSocket> gueSockets = new ArrayList<>();
        try {
            for (int[] fp : socketsFor(config, modes.userKinds())) {
                if (fp[1] == IpProtocol.UDP) {
                    // gue / gue6: a UDP socket bound to gue-port delivers the inner packet (variant 1)
                    UdpSocket socket = UdpSocket.bindAny(fp[0], config.guePort());
                    gueSockets.add(socket);
                    socket.nonBlocking(true);
                    socket.receiveBufferBytes(RECEIVE_BUFFER_BYTES);
                    continue;
                }
                RawSocket socket = fp[0] == 4 ? RawSocket.ipv4Protocol(fp[1]) : RawSocket.ipv6Protocol(fp[1]);
                sockets.add(socket);
                socket.nonBlocking(true);
                socket.receiveBufferBytes(RECEIVE_BUFFER_BYTES);
            }
        } catch (LinuxException e) {
            sockets.forEach(RawSocket::close);
            gueSockets.forEach(UdpSocket::close);
            sink.close();
            err.println("dsr-agent run: cannot open a tunnel socket: " + e.getMessage()
                    + (e.getMessage().startsWith("bind(") ? " (expected: gue-port " + config.guePort()
                    + " free on this host: no other program and no kernel fou port on it)" : ""));
            return AgentCli.EXIT_ERROR;
        }
        if (sockets.isEmpty() && gueSockets.isEmpty()) {
            sink.close();
            if (!modes.kernelKinds().isEmpty()) {
                // auto: the userspace kinds have no gateway of their outer family; the kernel does the rest.
                LOG.info("no userspace kind {} has a gateway of its outer family: no raw sockets", kindIds(modes
                        .userKinds()));
                return kernelOnly();
            }
            err.println("dsr-agent run: no configured tunnel kind has a gateway of its outer family"
                    + " (expected: an IPv4 gateway for ipip/sit/gre/gue, an IPv6 gateway for ip6tnl/ip6gre/gue)");
            return AgentCli.EXIT_ERROR;
        }

        DecapCounters counters = new DecapCounters();
        userspaceCounters = counters;
        UserspaceDecapsulator decapsulator = new UserspaceDecapsulator(Ipv4AddressSet.ofInet(config.gateways()),
                Ipv6AddressSet.ofInet(config.gateways()), Ipv4AddressSet.ofInet(config.vips()),
                Ipv6AddressSet.ofInet(config.vips()), GreKeySet.of(config.greKeys()), sink, counters);
        DecapLoop loop = new DecapLoop(sockets, gueSockets, decapsulator, DECAP_BUDGET);
        Thread thread = Thread.ofPlatform().name("dsr-agent-decap").start(loop);
        LOG.info("decapsulating {} in userspace ({} raw sockets, {} GUE UDP sockets on port {}) from {} gateway(s)"
                + " for {} VIP(s) into {}", kindIds(modes.userKinds()), sockets.size(), gueSockets.size(),
                config.guePort(), config.gateways().size(), config.vips().size(), device);
        readBack(); // ready for the endpoint only now that decapsulation runs
        out.println("dsr-agent: ready");
        out.flush();

        int exit = AgentCli.EXIT_OK;
        long intervalMs = Math.max(1, config.reconcileInterval().toMillis());
        try {
            while (!awaitStop(intervalMs)) {
                if (!loop.running()) {
                    err.println("dsr-agent run: decapsulation stopped: " + loop.failure());
                    exit = AgentCli.EXIT_ERROR;
                    break;
                }
                String txError = sink.takeLastError();
                if (txError != null) {
                    LOG.warn("decapsulated packets dropped: {}", txError);
                }
                reconcile(sink, device);
            }
        } finally {
            loop.stop();
            try {
                thread.join(10 * DecapLoop.POLL_TIMEOUT_MS + 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sink.close();
            sockets.forEach(RawSocket::close);
            gueSockets.forEach(UdpSocket::close);
        }
        for (Map.Entry<String, Long> c : counters.snapshot().entrySet()) {
            out.println(c.getKey() + " " + c.getValue());
        }
        LOG.info("stopped; the configuration stays applied (`dsr-agent down --config ...` removes it)");
        return exit;
    }

    /**
     * Kernel mode (no kind in userspace; also L2 DSR only, where nothing is decapsulated): the kernel's tunnel
     * devices, if any, decapsulate; this process only repairs
     * drift every reconcile-interval until SIGTERM/SIGINT.
     */
    private int kernelOnly() {
        if (modes.linkLayerOnly()) {
            LOG.info("{}: reconciling every {}", DecapModes.LINK_LAYER_ONLY, config.reconcileInterval());
        } else {
            LOG.info("kernel decapsulation for {}: reconciling every {}", kindIds(modes.kernelKinds()),
                    config.reconcileInterval());
        }
        readBack(); // ready for the endpoint only now that decapsulation runs
        out.println("dsr-agent: ready");
        out.flush();
        while (!awaitStop(Math.max(1, config.reconcileInterval().toMillis()))) {
            reconcile(null, config.decapDevice());
        }
        LOG.info("stopped; the configuration stays applied (`dsr-agent down --config ...` removes it)");
        return AgentCli.EXIT_OK;
    }

    private static List<String> kindIds(List<TunnelKind> kinds) {
        return kinds.stream().map(TunnelKind::id).toList();
    }

    /** {@link #socketsFor(AgentConfig, List)} for every configured kind. */
    static List<int[]> socketsFor(AgentConfig config) {
        return socketsFor(config, config.tunnels());
    }

    /**
     * (outer family, protocol) of every raw socket the {@code kinds} decapsulated in userspace need, for outer
     * families that have
     * a gateway (a socket nobody may send to would only collect drops): ipip (4, 4), sit (4, 41),
     * gre (4, 47), ip6tnl (6, 4) and (6, 41), ip6gre (6, 47); gue (4, 17) and gue6 (6, 17) stand for a UDP
     * socket bound to gue-port rather than a raw socket.
     */
    static List<int[]> socketsFor(AgentConfig config, List<TunnelKind> kinds) {
        boolean v4 = config.gateways().stream().anyMatch(g -> g instanceof Inet4Address);
        boolean v6 = config.gateways().stream().anyMatch(g -> g instanceof Inet6Address);
        Set<List<Integer>> seen = new LinkedHashSet<>();
        for (TunnelKind kind : kinds) {
            switch (kind) {
                case IPIP -> seen.add(List.of(4, IpProtocol.IPIP));
                case SIT -> seen.add(List.of(4, IpProtocol.IPV6));
                case GRE -> seen.add(List.of(4, IpProtocol.GRE));
                case IP6TNL -> {
                    seen.add(List.of(6, IpProtocol.IPIP));
                    seen.add(List.of(6, IpProtocol.IPV6));
                }
                case IP6GRE -> seen.add(List.of(6, IpProtocol.GRE));
                case GUE -> seen.add(List.of(4, IpProtocol.UDP));
                case GUE6 -> seen.add(List.of(6, IpProtocol.UDP));
            }
        }
        List<int[]> out = new ArrayList<>();
        for (List<Integer> fp : seen) {
            if (fp.get(0) == 4 ? v4 : v6) {
                out.add(new int[] {fp.get(0), fp.get(1)});
            }
        }
        return out;
    }

    /** One periodic re-check: repair drift, and re-attach to the TUN if it had to be re-created. */
    private void reconcile(TunPacketSink sink, String device) {
        try {
            List<Operation> repaired = reconciler.apply(op -> LOG.warn("drift repaired: {}", op.describe()));
            health.repaired(repaired.size());
            boolean recreated = repaired.stream().anyMatch(op -> op instanceof Operation.CreateTunDevice c
                    && c.name().equals(device));
            if (recreated && sink != null) {
                sink.replace(TunDevice.open(device, false, true));
                LOG.warn("re-attached the decapsulator to the re-created {}", device);
            }
        } catch (IOException | PlanException | PlanExecutionException e) {
            LOG.error("reconcile failed (retrying in {}): {}", config.reconcileInterval(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a control-plane pass must not stop decapsulation; keep it loud.
            LOG.error("reconcile failed with an internal error (retrying in {})", config.reconcileInterval(), e);
        }
        readBack();
    }

    /**
     * Reads the host back after an apply and publishes the result to the readiness endpoint: ready only when
     * nothing is left to change (a repair that failed, or drift that appeared meanwhile, shows as the plan).
     */
    private void readBack() {
        service.heartbeat(); // a pass of the convergence loop ended (systemd watchdog)
        try {
            io.dsrgw.agent.plan.Plan readBack = reconciler.plan();
            health.checked(readBack);
            service.checked(readBack); // issue 13: systemd READY=1 on the first clean read-back, STATUS=
        } catch (IOException | PlanException | RuntimeException e) {
            health.checkFailed(e.getMessage() == null ? e.toString() : e.getMessage());
            service.checkFailed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        if (host != null && !kernelDevices.isEmpty()) {
            try {
                kernelCounters = KernelCounters.read(host, kernelDevices);
            } catch (IOException | RuntimeException e) {
                LOG.warn("kernel decapsulation counters unavailable: {}", e.getMessage());
            }
        }
    }

    private boolean awaitStop(long timeoutMs) {
        try {
            return stopRequested.await(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Handles SIGTERM and SIGINT ourselves (instead of a shutdown hook) so that a requested stop ends
     * with status 0 after an orderly shutdown rather than the JVM's 143/130. A second signal while the
     * first is still being handled (e.g. a hung command) exits at once with 128 + 15.
     */
    private void installSignalHandlers() {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                if (stopRequested.getCount() == 0) {
                    System.err.println("dsr-agent run: second SIG" + name + ": exiting immediately");
                    Runtime.getRuntime().halt(128 + 15);
                }
                LOG.info("SIG{} received: stopping", name);
                service.stopping();
                stopRequested.countDown();
            });
        }
    }
}
