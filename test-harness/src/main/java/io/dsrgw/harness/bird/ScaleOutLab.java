package io.dsrgw.harness.bird;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Cleanup;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.OwnerMarkers;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.Distributions;
import io.dsrgw.harness.traffic.BackendHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The scale-out topology of issue 12, in namespaces {@code PFX-cl}, {@code PFX-rt}, {@code PFX-g1}, {@code PFX-g2},
 * {@code PFX-b1..3}:
 * <pre>
 *   client eth0 10.0.1.2/24 ── to-client 10.0.1.1 ┐ router: BIRD (examples/bird/router.conf), ECMP with
 *                                                    │ fib_multipath_hash_policy = 1, forwarding
 *   gateway gI eth0 10.0.2.(1+I)/24 ── to-gI ── br-gw 10.0.2.1 (bridge: the gateways share one segment)
 *     BIRD (examples/bird/gateway.conf), dsr-gateway run (announce.table = 200, withdraw-grace 2s)
 *                                                    └ br-backends 10.0.3.1/24
 *   backend bI eth0 10.0.3.(10+I)/24: dsr-agent run (userspace), HTTP server on 0.0.0.0:80
 * </pre>
 * Two VIPs: {@value #VIP_WEB} (every backend) and {@value #VIP_SOLO} (only b3), TCP port 80, TCP health checks
 * every 250 ms (rise 2, fall 3). The router has no static VIP route: it learns the VIPs from the gateways or not at
 * all. IPv4 only (the examples' IPv6 sessions stay idle: no IPv6 addresses here).
 */
public final class ScaleOutLab implements AutoCloseable {
    public static final String VIP_WEB = "10.100.0.1";
    public static final String VIP_SOLO = "10.100.0.2";
    public static final int PORT = 80;
    public static final long ANNOUNCE_TABLE = 200;
    public static final Duration WITHDRAW_GRACE = Duration.ofSeconds(2);
    public static final String ROUTER_ADDRESS = "10.0.2.1";
    public static final Path BIRD = Path.of("/usr/sbin/bird");
    static final Pattern GATEWAY_READY = Pattern.compile("dsr-gateway: forwarding \\d+ VIPs? on ");
    static final Pattern AGENT_READY = Pattern.compile("dsr-agent: ready");
    static final Pattern HTTP_READY = Pattern.compile(Pattern.quote(BackendHttpServer.READY_PREFIX));
    private static final Pattern NEXT_HOP = Pattern.compile("\"gateway\":\"([0-9.]+)\"");
    private static final Logger LOG = LoggerFactory.getLogger(ScaleOutLab.class);
    private static final Duration READY = Duration.ofSeconds(60);
    /** Whether this host lets us run BIRD at SCHED_FIFO (CAP_SYS_NICE); without it BIRD runs normally. */
    static final boolean REALTIME = realtimeAllowed();

    private final String prefix = Topology.randomPrefix();
    private final Path work;
    private final Distributions dists;
    private final Path examples;
    private final String javaCommand;
    private final String classpath;
    private final Namespace client;
    private final Namespace router;
    private final List<Namespace> gateways = new ArrayList<>();
    private final List<Backend> backends = new ArrayList<>();
    private final List<Namespace> created = new ArrayList<>();
    private final List<ManagedProcess> processes = new ArrayList<>();
    private ManagedProcess routerBird;
    private final ManagedProcess[] gatewayBirds = new ManagedProcess[2];
    private final ManagedProcess[] gatewayProcs = new ManagedProcess[2];
    private final ManagedProcess[] servers = new ManagedProcess[3];
    private int starts;
    private boolean closed;

    private ScaleOutLab(Path work, Distributions dists, Path examples, String javaCommand, String classpath) {
        this.work = work;
        this.dists = dists;
        this.examples = examples;
        this.javaCommand = javaCommand;
        this.classpath = classpath;
        this.client = Namespace.of(prefix + "-cl");
        this.router = Namespace.of(prefix + "-rt");
        for (int i = 1; i <= 2; i++) {
            gateways.add(Namespace.of(prefix + "-g" + i));
        }
        for (int i = 1; i <= 3; i++) {
            int host = Topology.FIRST_BACKEND_HOST + i - 1;
            backends.add(new Backend("b" + i, Namespace.of(prefix + "-b" + i), "10.0.3." + host, "eth0", "to-b" + i));
        }
    }

    /**
     * Builds the namespaces and starts everything: agents and HTTP servers, the router's BIRD, then per gateway its
     * BIRD and {@code dsr-gateway run}. On failure removes what it made and rethrows.
     *
     * @param examples the repository's examples/ directory (the BIRD configurations are taken from there)
     */
    public static ScaleOutLab start(Path work, Distributions dists, Path examples, String javaCommand,
                                    String classpath) throws IOException {
        ScaleOutLab lab = new ScaleOutLab(work.toAbsolutePath(), dists, examples, javaCommand, classpath);
        Cleanup.register(lab);
        try {
            lab.build();
            lab.startAll();
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** The address of gateway {@code i} (1 or 2) on the router segment, also its tunnel source and router id. */
    public static String gatewayAddress(int i) {
        return "10.0.2." + (1 + i);
    }

    private void build() throws CommandException {
        // A lab whose JVM was SIGKILLed is swept by the next lab or Topology on this host, through its marker.
        Topology.sweepStale();
        try {
            OwnerMarkers.create(prefix);
        } catch (IOException e) {
            throw new CommandException("cannot write the owner marker of " + prefix + ": " + e, e);
        }
        List<Namespace> all = new ArrayList<>(List.of(client, router));
        all.addAll(gateways);
        backends.forEach(b -> all.add(b.namespace()));
        for (Namespace ns : all) {
            Namespace.create(ns.name());
            created.add(ns);
        }
        router.ip("link", "add", "to-client", "type", "veth", "peer", "name", "eth0", "netns", client.name());
        router.ip("addr", "add", "10.0.1.1/24", "dev", "to-client");
        router.ip("link", "set", "to-client", "up");
        leaf(client, Topology.CLIENT_ADDRESS, "10.0.1.1");
        router.ip("link", "add", "br-gw", "type", "bridge");
        router.ip("addr", "add", ROUTER_ADDRESS + "/24", "dev", "br-gw");
        router.ip("link", "set", "br-gw", "up");
        for (int i = 1; i <= 2; i++) {
            Namespace g = gateways.get(i - 1);
            router.ip("link", "add", "to-g" + i, "type", "veth", "peer", "name", "eth0", "netns", g.name());
            router.ip("link", "set", "to-g" + i, "master", "br-gw");
            router.ip("link", "set", "to-g" + i, "up");
            leaf(g, gatewayAddress(i), ROUTER_ADDRESS);
            g.sysctl("net.ipv4.ip_forward", "1");
        }
        router.ip("link", "add", "br-backends", "type", "bridge");
        router.ip("addr", "add", "10.0.3.1/24", "dev", "br-backends");
        router.ip("link", "set", "br-backends", "up");
        for (Backend b : backends) {
            router.ip("link", "add", b.routerPort(), "type", "veth", "peer", "name", "eth0", "netns",
                    b.namespace().name());
            router.ip("link", "set", b.routerPort(), "master", "br-backends");
            router.ip("link", "set", b.routerPort(), "up");
            leaf(b.namespace(), b.address(), "10.0.3.1");
        }
        router.sysctl("net.ipv4.ip_forward", "1");
        router.sysctl("net.ipv4.conf.all.rp_filter", "0");
        router.sysctl("net.ipv4.conf.default.rp_filter", "0");
        // Replies come from the VIP on br-backends while the VIP's route points at the gateways: loose mode.
        router.sysctl("net.ipv4.conf.br-backends.rp_filter", "2");
        // ECMP on the 5-tuple (README "Scale out"): otherwise every flow of the client takes the same gateway.
        router.sysctl("net.ipv4.fib_multipath_hash_policy", "1");
    }

    private static void leaf(Namespace ns, String address, String via) throws CommandException {
        ns.ip("addr", "add", address + "/24", "dev", "eth0");
        ns.ip("link", "set", "eth0", "up");
        ns.ip("route", "add", "default", "via", via);
    }

    private void startAll() throws IOException {
        Files.createDirectories(work.resolve("logs"));
        for (Backend b : backends) {
            Path dir = work.resolve(b.name());
            Files.createDirectories(dir);
            Path conf = dir.resolve("agent.conf");
            Files.writeString(conf, agentConfig(dir));
            processes.add(ManagedProcess.start("agent-" + b.name(), b.namespace(),
                    List.of(dists.agentLauncher().toString(), "run", "--config", conf.toString()),
                    work.resolve("logs/agent-" + b.name() + ".log"), Map.of()));
        }
        for (ManagedProcess p : List.copyOf(processes)) {
            p.awaitLine(AGENT_READY, READY);
        }
        for (int i = 0; i < backends.size(); i++) {
            startServer(i + 1);
        }
        Path routerConf = work.resolve("bird-router.conf");
        Files.writeString(routerConf, birdConfig("router.conf", ROUTER_ADDRESS));
        routerBird = bird("bird-router", router, routerConf);
        for (int i = 1; i <= 2; i++) {
            Files.writeString(gatewayConfigFile(i), gatewayConfig(i));
            Path conf = work.resolve("bird-g" + i + ".conf");
            Files.writeString(conf, birdConfig("gateway.conf", gatewayAddress(i)));
            gatewayBirds[i - 1] = bird("bird-g" + i, gateways.get(i - 1), conf);
            startGateway(i);
        }
        LOG.info("scale-out lab {} up; logs in {}", prefix, work);
    }

    private static boolean realtimeAllowed() {
        try {
            boolean ok = Commands.run(List.of("chrt", "-f", "50", "true")).ok();
            if (!ok) {
                LOG.warn("chrt -f 50 refused: BIRD runs without real-time priority; BFD may flap on a loaded host");
            }
            return ok;
        } catch (CommandException e) {
            LOG.warn("chrt unavailable ({}): BIRD runs without real-time priority", e.getMessage());
            return false;
        }
    }

    /** An example BIRD config with this node's router id, logging to stderr (the process log). */
    private String birdConfig(String example, String routerId) throws IOException {
        String text = Files.readString(examples.resolve("bird").resolve(example));
        String changed = text.replace("log syslog all;", "log stderr all;")
                .replaceFirst("(?m)^router id [0-9.]+;", "router id " + routerId + ";");
        if (changed.equals(text)) {
            throw new IOException(example + ": no `log syslog all;` / `router id` line to adapt");
        }
        return changed;
    }

    private ManagedProcess bird(String name, Namespace ns, Path conf) throws IOException {
        // Real-time priority: BFD must send every 200 ms; on a loaded test machine (JVMs of other tests) a starved
        // BIRD misses its packets, and the sessions flap as if a gateway had died. Routers run BFD this way too.
        List<String> command = new ArrayList<>(REALTIME ? List.of("chrt", "-f", "50") : List.of());
        command.addAll(List.of(BIRD.toString(), "-f", "-c", conf.toString(), "-s", work.resolve(name + ".ctl")
                .toString(), "-P", work.resolve(name + ".pid").toString()));
        ManagedProcess p = ManagedProcess.start(name, ns, command, work.resolve("logs/" + name + ".log"), Map.of());
        processes.add(p);
        return p;
    }

    private String agentConfig(Path dir) {
        return """
                dsrgw.agent {
                  mode = userspace
                  gateways = [%s, %s]
                  vips = [%s, %s]
                  tunnels = [ipip]
                  decap-device = dsrdecap0
                  state-file = "%s"
                  health { listen = "0.0.0.0:9181" }
                }
                """.formatted(gatewayAddress(1), gatewayAddress(2), VIP_WEB, VIP_SOLO,
                dir.resolve("agent-state.conf"));
    }

    /** Gateway {@code i}'s config: both VIPs, the same hash-seed as the other gateway, announce.table 200. */
    String gatewayConfig(int i) {
        String hc = "health-check { type = tcp, port = 80, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
        String all = backends.stream().map(b -> "{ address = " + b.address() + " }").collect(Collectors.joining(", "));
        return """
                dsrgw.gateway {
                  ingress { kind = tun, device = dsr0, queues = 1 }
                  tunnel-source { ipv4 = %s }
                  hash-seed = "dsrgw-scale-out"
                  announce { table = %d, withdraw-grace = %ds }
                  vips = [
                    { name = web, address = %s, protocol = tcp, ports = [%d], %s, backends = [%s] }
                    { name = solo, address = %s, protocol = tcp, ports = [%d], %s, backends = [{ address = %s }] }
                  ]
                  admin { socket = "%s", http = "127.0.0.1:9180" }
                }
                """.formatted(gatewayAddress(i), ANNOUNCE_TABLE, WITHDRAW_GRACE.toSeconds(), VIP_WEB, PORT, hc, all,
                VIP_SOLO, PORT, hc, backends.get(2).address(), adminSocket(i));
    }

    public Path gatewayConfigFile(int i) {
        return work.resolve("gateway-g" + i + ".conf");
    }

    public Path adminSocket(int i) {
        return work.resolve("g" + i + ".sock");
    }

    /** Starts {@code dsr-gateway run} on gateway {@code i} (again after a stop) and waits for its ready line. */
    public void startGateway(int i) throws IOException {
        ManagedProcess old = gatewayProcs[i - 1];
        if (old != null && old.alive()) {
            throw new IllegalStateException("gateway g" + i + " still running");
        }
        starts++;
        ManagedProcess p = ManagedProcess.start("gateway-g" + i, gateways.get(i - 1),
                List.of(dists.gatewayLauncher().toString(), "run", "--config", gatewayConfigFile(i).toString()),
                work.resolve("logs/gateway-g" + i + "-" + starts + ".log"), Map.of());
        processes.add(p);
        gatewayProcs[i - 1] = p;
        p.awaitLine(GATEWAY_READY, READY);
    }

    /** Starts the HTTP server of backend {@code i} (1..3; again after {@link #killServer}) and waits for it. */
    public void startServer(int i) throws IOException {
        Backend b = backends.get(i - 1);
        starts++;
        ManagedProcess p = ManagedProcess.start("http-" + b.name(), b.namespace(),
                List.of(javaCommand, "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                        BackendHttpServer.class.getName(), "--name", b.name(), "--listen", "0.0.0.0:" + PORT),
                work.resolve("logs/http-" + b.name() + "-" + starts + ".log"), Map.of());
        processes.add(p);
        servers[i - 1] = p;
        p.awaitLine(HTTP_READY, READY);
    }

    /** SIGKILLs the HTTP server of backend {@code i} (its health check then fails: connection refused). */
    public void killServer(int i) {
        servers[i - 1].kill();
    }

    public ManagedProcess gateway(int i) {
        return gatewayProcs[i - 1];
    }

    public ManagedProcess gatewayBird(int i) {
        return gatewayBirds[i - 1];
    }

    public Namespace gatewayNamespace(int i) {
        return gateways.get(i - 1);
    }

    public Namespace client() {
        return client;
    }

    public Namespace router() {
        return router;
    }

    public String prefix() {
        return prefix;
    }

    /** {@code dsrctl --socket S ARGS} inside gateway {@code i}'s namespace; the result whatever its exit code. */
    public Commands.Result dsrctl(int i, String... args) throws CommandException {
        List<String> c = new ArrayList<>(List.of(dists.gatewayHome().resolve("bin/dsrctl").toString(), "--socket",
                adminSocket(i).toString()));
        c.addAll(List.of(args));
        return gateways.get(i - 1).execUnchecked(Duration.ofSeconds(30), c.toArray(String[]::new));
    }

    /** The next hops of the router's kernel route to {@code vip} (empty when it has none). */
    public Set<String> nextHops(String vip) throws CommandException {
        String json = router.ip("-j", "route", "show", vip + "/32").stdout();
        Set<String> hops = new TreeSet<>();
        Matcher m = NEXT_HOP.matcher(json);
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    /**
     * Polls the router's route to {@code vip} every 10 ms until its next hops are exactly {@code expected}.
     *
     * @return milliseconds it took
     * @throws AssertionError with the last next hops and the BIRD log tails when {@code timeout} passes
     */
    public long awaitNextHops(String vip, Set<String> expected, Duration timeout) throws CommandException,
            InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Set<String> last;
        do {
            last = nextHops(vip);
            if (last.equals(expected)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("router: next hops of " + vip + " are " + last + " after " + timeout.toMillis()
                + " ms (expected: " + expected + ")\n" + logTails());
    }

    /**
     * Client ports (from {@code first} up) whose TCP flows from the client to {@code vip}:{@value #PORT} the router
     * sends through gateway {@code gatewayAddress}, asked from the router's own ECMP hash ({@code ip route get ...
     * ipproto tcp sport N dport 80 iif to-client}).
     */
    public List<Integer> clientPortsVia(String vip, String gatewayAddress, int first, int count)
            throws CommandException {
        List<Integer> ports = new ArrayList<>();
        for (int port = first; ports.size() < count && port < first + 1000; port++) {
            String out = router.ip("route", "get", vip, "from", Topology.CLIENT_ADDRESS, "iif", "to-client",
                    "ipproto", "tcp", "sport", Integer.toString(port), "dport", Integer.toString(PORT)).stdout();
            if (out.contains(" via " + gatewayAddress + " ")) {
                ports.add(port);
            }
        }
        if (ports.size() < count) {
            throw new AssertionError("router: fewer than " + count + " client ports from " + first + " hash to "
                    + gatewayAddress + " (found " + ports + ")");
        }
        return ports;
    }

    /**
     * Gateway {@code i}'s host "dies": an nftables table drops every packet it receives and every packet it sends,
     * before anything else sees them. Unlike a killed process (TCP resets, BGP notifications) or a link going
     * down (carrier loss), nothing tells the router: only BFD can notice. The namespace goes with the lab.
     */
    public void blackhole(int i) throws CommandException {
        gateways.get(i - 1).exec("nft", "add table inet dsrgw_dead { chain in { type filter hook prerouting priority "
                + "-500; policy drop; }; chain out { type filter hook output priority -500; policy drop; }; }");
    }

    /** The last lines of every BIRD and gateway log (for assertion messages). */
    public String logTails() {
        StringBuilder sb = new StringBuilder();
        for (ManagedProcess p : processes) {
            if (p.name().startsWith("bird") || p.name().startsWith("gateway")) {
                sb.append(p.tailBlock()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Stops every process (SIGTERM, then SIGKILL), then deletes the namespaces. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        boolean clean = true;
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                created.get(i).delete();
            } catch (CommandException e) {
                clean = false;
                LOG.warn("scale-out lab {}: {}", prefix, e.getMessage());
            }
        }
        if (clean) {
            OwnerMarkers.delete(prefix);
        }
        Cleanup.unregister(this);
    }
}
