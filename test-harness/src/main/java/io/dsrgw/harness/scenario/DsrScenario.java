package io.dsrgw.harness.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.LinkCounters;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NftCounters;
import io.dsrgw.harness.netns.SocketDir;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.traffic.BackendHttpServer;
import io.dsrgw.harness.traffic.Curl;

/**
 * The walking-skeleton scenario: a {@link Topology} with N backends, {@code dsr-agent run} (userspace mode) and
 * a {@link BackendHttpServer} on every backend, {@code dsr-gateway run} on the gateway, and nftables counters in
 * client, router, gateway and backends. Start order: agents (they put the VIP on lo), HTTP servers (bind to the
 * VIP), gateway. {@link #close()} stops the processes (SIGTERM, then SIGKILL), then deletes the namespaces.
 */
public final class DsrScenario implements AutoCloseable {
    public static final String VIP = "10.100.0.1";
    public static final int VIP_PORT = 80;
    public static final Pattern GATEWAY_READY = Pattern.compile("dsr-gateway: forwarding \\d+ VIPs? on ");
    /** The gateway's log line of an applied (or unchanged) reload. */
    public static final Pattern RELOADED = Pattern.compile("reloaded \\(generation \\d+\\)|reload: .*: no change");
    /** The gateway's log line of a rejected reload. */
    public static final Pattern REJECTED = Pattern.compile("reload of .* rejected");
    public static final Pattern AGENT_READY = Pattern.compile("dsr-agent: ready");
    public static final Pattern HTTP_READY = Pattern.compile(Pattern.quote(BackendHttpServer.READY_PREFIX));

    private final Builder options;
    private final List<ManagedProcess> agents = new ArrayList<>();
    private final List<ManagedProcess> servers = new ArrayList<>();
    private Topology topology;
    private SocketDir sockets;
    private ManagedProcess gateway;
    private int gatewayStarts;
    private int serverRestarts;
    // One nft table per namespace holds the counters of both hooks: one handle per namespace reads/resets all.
    private NftCounters clientCounters;
    private NftCounters gatewayCounters;
    private NftCounters routerCounters;
    private final Map<String, NftCounters> backendIn = new LinkedHashMap<>();
    private LinkCounters gatewayVethMark;

    private DsrScenario(Builder options) {
        this.options = options;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options; everything has a default except the work directory. */
    public static final class Builder {
        private int backends = 3;
        private Path workDir;
        private Distributions distributions = Distributions.fromSystemProperties();
        private final List<String> routesViaGateway = new ArrayList<>();
        private String javaCommand = ProcessHandle.current().info().command().orElse("java");
        private String classpath = System.getProperty("java.class.path");
        private Duration readyTimeout = Duration.ofSeconds(60);
        private GatewayConfigSource gatewayConfig = (backends, adminSocket) ->
                ScenarioConfigs.gateway(VIP, List.of(VIP_PORT), backends, adminSocket);
        private String httpListenHost = VIP;
        private boolean xdpGatewayLink;
        private boolean agentMssClamp = true;
        private boolean l2Dsr;
        private final List<String> extraVips = new ArrayList<>();
        private Map<String, String> gatewayEnvironment = Map.of();

        private Builder() {
        }

        /** Extra environment of the gateway process (e.g. NOTIFY_SOCKET, DSRGW_JAVA_OPTS); default none. */
        public Builder gatewayEnvironment(Map<String, String> env) {
            this.gatewayEnvironment = Map.copyOf(env);
            return this;
        }

        /** Whether the agents clamp the MSS of their SYN-ACKs to fit the tunnel (default true, the agent's default). */
        public Builder agentMssClamp(boolean on) {
            this.agentMssClamp = on;
            return this;
        }

        /**
         * Prepares the topology for an XDP program on the gateway's veth ({@link Topology.Builder#xdpGatewayLink});
         * the gateway's config chooses {@code ingress.kind = xdp} ({@link ScenarioConfigs#xdpIngress}).
         */
        public Builder xdpGatewayLink() {
            this.xdpGatewayLink = true;
            return this;
        }

        /**
         * L2 DSR: the gateway joins the backends' bridge ({@link Topology.Builder#gatewayOnBackendBridge}) and the
         * agents run with {@code tunnels = [none]} (VIP on lo, ARP sysctls, no decapsulation); the gateway config
         * (set by the caller) says {@code tunnel = none}.
         */
        public Builder l2Dsr() {
            this.l2Dsr = true;
            return this;
        }

        /**
         * A further VIP besides {@link #VIP} (e.g. an IPv6 one): the router routes it to the gateway and the agents
         * put it on lo too; the gateway's config (set by the caller) must name it.
         */
        public Builder extraVip(String address) {
            this.extraVips.add(address);
            return this;
        }

        public Builder backends(int n) {
            this.backends = n;
            return this;
        }

        /** Configs, state files and process logs go here (logs under {@code logs/}). */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        public Builder distributions(Distributions d) {
            this.distributions = d;
            return this;
        }

        /** Extra destinations the router sends to the gateway (for negative tests), besides the VIP. */
        public Builder routeViaGateway(String cidr) {
            routesViaGateway.add(cidr);
            return this;
        }

        /** Java executable and classpath for the backend HTTP servers (default: this JVM's). */
        public Builder java(String javaCommand, String classpath) {
            this.javaCommand = javaCommand;
            this.classpath = classpath;
            return this;
        }

        /**
         * The gateway's config, from the topology's backends and the admin socket's path (default:
         * {@link ScenarioConfigs#gateway} with the VIP on port 80 to every backend).
         */
        public Builder gatewayConfig(GatewayConfigSource source) {
            this.gatewayConfig = source;
            return this;
        }

        /**
         * Where the backend HTTP servers listen: the VIP (default) or e.g. "0.0.0.0", so that health checks to
         * the backend's own address on port 80 reach them too.
         */
        public Builder httpListenHost(String host) {
            this.httpListenHost = host;
            return this;
        }

        public Builder readyTimeout(Duration d) {
            this.readyTimeout = d;
            return this;
        }

        /** Builds the topology and starts everything; on failure stops what it started and rethrows. */
        public DsrScenario start() throws IOException {
            if (workDir == null) {
                throw new IllegalStateException("workDir not set");
            }
            String problem = distributions.problem();
            if (problem != null) {
                throw new IOException(problem);
            }
            DsrScenario s = new DsrScenario(this);
            try {
                s.startAll();
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            return s;
        }
    }

    /** Writes the gateway's config file for a topology's backends. */
    @FunctionalInterface
    public interface GatewayConfigSource {
        /** @param adminSocket the path for {@code admin.socket} ({@link #adminSocket()}) */
        String config(List<Backend> backends, Path adminSocket);
    }

    private void startAll() throws IOException {
        Path work = options.workDir.toAbsolutePath();
        Files.createDirectories(work.resolve("logs"));
        sockets = SocketDir.create();
        Topology.Builder tb = Topology.builder().backends(options.backends).vip(VIP);
        options.extraVips.forEach(tb::vip);
        options.routesViaGateway.forEach(tb::routeViaGateway);
        if (options.xdpGatewayLink) {
            tb.xdpGatewayLink();
        }
        if (options.l2Dsr) {
            tb.gatewayOnBackendBridge();
        }
        topology = tb.build();
        installCounters();

        for (Backend b : topology.backends()) {
            Path dir = work.resolve(b.name());
            Files.createDirectories(dir);
            Path conf = dir.resolve("agent.conf");
            List<String> vips = new ArrayList<>(List.of(VIP));
            vips.addAll(options.extraVips);
            Files.writeString(conf, ScenarioConfigs.agent(vips, dir, options.agentMssClamp,
                    options.l2Dsr ? "none" : "ipip"));
            agents.add(ManagedProcess.start("agent-" + b.name(), b.namespace(),
                    List.of(options.distributions.agentLauncher().toString(), "run", "--config", conf.toString()),
                    work.resolve("logs/agent-" + b.name() + ".log"), Map.of()));
        }
        for (ManagedProcess a : agents) {
            a.awaitLine(AGENT_READY, options.readyTimeout);
        }
        for (Backend b : topology.backends()) {
            servers.add(startServer(b, false));
        }
        for (ManagedProcess s : servers) {
            s.awaitLine(HTTP_READY, options.readyTimeout);
        }
        Files.writeString(gatewayConfigFile(), options.gatewayConfig.config(topology.backends(), adminSocket()));
        startGateway();
        resetCounters();
    }

    private ManagedProcess startServer(Backend b, boolean restart) throws IOException {
        return ManagedProcess.start("http-" + b.name(), b.namespace(),
                List.of(options.javaCommand, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-cp", options.classpath, BackendHttpServer.class.getName(),
                        "--name", b.name(), "--listen", options.httpListenHost + ":" + VIP_PORT),
                options.workDir.toAbsolutePath().resolve("logs/http-" + b.name()
                        + (restart ? "-restart" + (++serverRestarts) : "") + ".log"), Map.of());
    }

    /**
     * The gateway's admin socket ({@code dsrctl --socket}): in the run's {@link SocketDir}, not in the work
     * directory, whose path may be longer than a unix socket's can be.
     */
    public Path adminSocket() {
        return sockets.socket("gateway.sock");
    }

    /** The gateway's config file ({@code gateway.conf} in the work directory); rewrite it to reload. */
    public Path gatewayConfigFile() {
        return options.workDir.toAbsolutePath().resolve("gateway.conf");
    }

    /**
     * Starts {@code dsr-gateway run} (again, after {@link #stopGateway()}: each start logs to its own file,
     * {@code logs/gateway.log}, then {@code gateway-2.log}, ...) and waits for its ready line.
     */
    public void startGateway() throws IOException {
        if (gateway != null && gateway.alive()) {
            throw new IllegalStateException("gateway still running: " + gateway);
        }
        gatewayStarts++;
        Path log = options.workDir.toAbsolutePath().resolve(
                "logs/gateway" + (gatewayStarts == 1 ? "" : "-" + gatewayStarts) + ".log");
        gateway = ManagedProcess.start("gateway", topology.gateway(),
                List.of(options.distributions.gatewayLauncher().toString(), "run", "--config",
                        gatewayConfigFile().toString()), log, options.gatewayEnvironment);
        gateway.awaitLine(GATEWAY_READY, options.readyTimeout);
    }

    /** The backend named {@code name} ("b1"...). */
    public Backend backend(String name) {
        return topology.backends().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend " + name));
    }

    /** SIGKILLs the HTTP server of backend {@code name} (its agent and VIP stay: the kernel answers RST). */
    public void killServer(String name) {
        servers.get(topology.backends().indexOf(backend(name))).kill();
    }

    /** Starts the HTTP server of backend {@code name} again (after {@link #killServer}) and waits until ready. */
    public void restartServer(String name) throws IOException {
        int i = topology.backends().indexOf(backend(name));
        servers.get(i).close();
        ManagedProcess s = startServer(backend(name), true);
        servers.set(i, s);
        s.awaitLine(HTTP_READY, options.readyTimeout);
    }

    private void installCounters() throws CommandException {
        String dev = Topology.LEAF_DEVICE;
        clientCounters = NftCounters.install(topology.client(), NftCounters.Hook.POSTROUTING,
                Map.of("to_vip", "oifname \"" + dev + "\" ip daddr " + VIP));
        NftCounters.install(topology.client(), NftCounters.Hook.PREROUTING,
                Map.of("from_vip", "iifname \"" + dev + "\" ip saddr " + VIP));
        gatewayCounters = NftCounters.install(topology.gateway(), NftCounters.Hook.PREROUTING, ordered(
                "in_client_to_vip", "iifname \"" + dev + "\" ip saddr " + Topology.CLIENT_ADDRESS + " ip daddr " + VIP,
                "in_from_vip", "iifname \"" + dev + "\" ip saddr " + VIP,
                "in_ipv4", "iifname \"" + dev + "\" meta nfproto ipv4"));
        // What the gateway sends is counted where it arrives, on the router's side of the gateway's veth: the
        // gateway's own POSTROUTING hook does not see the frames its workers send through AF_PACKET
        // (ingress.egress = packet bypasses netfilter on the gateway host, as documented).
        String fromGateway = "iifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" ";
        routerCounters = NftCounters.install(topology.router(), NftCounters.Hook.PREROUTING, ordered(
                "bridge_from_vip", "iifname \"" + Topology.ROUTER_BRIDGE + "\" ip saddr " + VIP,
                "out_ipip", fromGateway + "ip protocol 4",
                "out_from_vip", fromGateway + "ip saddr " + VIP,
                "out_ipv4", fromGateway + "meta nfproto ipv4"));
        NftCounters.install(topology.router(), NftCounters.Hook.POSTROUTING, ordered(
                "client_from_vip", "oifname \"" + Topology.ROUTER_CLIENT_DEVICE + "\" ip saddr " + VIP,
                "gateway_from_vip", "oifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" ip saddr " + VIP));
        for (Backend b : topology.backends()) {
            backendIn.put(b.name(), NftCounters.install(b.namespace(), NftCounters.Hook.PREROUTING, Map.of(
                    "ipip_in", "iifname \"" + b.device() + "\" ip saddr " + Topology.GATEWAY_ADDRESS
                            + " ip protocol 4")));
        }
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Starts a new measurement window: zeroes every nft counter and remembers the gateway veth's counters. */
    public void resetCounters() throws CommandException {
        clientCounters.reset();
        gatewayCounters.reset();
        routerCounters.reset();
        for (NftCounters c : backendIn.values()) {
            c.reset();
        }
        gatewayVethMark = topology.gateway().counters(Topology.LEAF_DEVICE);
    }

    /** Counts since the last {@link #resetCounters()}. */
    public DsrEvidence evidence() throws CommandException {
        Map<String, NftCounters.Count> c = clientCounters.read();
        Map<String, NftCounters.Count> g = gatewayCounters.read();
        Map<String, NftCounters.Count> r = routerCounters.read();
        Map<String, Long> perBackend = new TreeMap<>();
        for (Map.Entry<String, NftCounters> e : backendIn.entrySet()) {
            perBackend.put(e.getKey(), e.getValue().read().get("ipip_in").packets());
        }
        return new DsrEvidence(c.get("to_vip").packets(), c.get("from_vip").packets(), c.get("from_vip").bytes(),
                g.get("in_client_to_vip").packets(), g.get("in_from_vip").packets(), g.get("in_ipv4").packets(),
                g.get("in_ipv4").bytes(), r.get("out_ipip").packets(), r.get("out_from_vip").packets(),
                r.get("out_ipv4").packets(), r.get("bridge_from_vip").packets(), r.get("client_from_vip").packets(),
                r.get("gateway_from_vip").packets(), perBackend,
                topology.gateway().counters(Topology.LEAF_DEVICE).minus(gatewayVethMark));
    }

    /** The outcome of {@link #spread(int)}. */
    public record Spread(int requests, Map<String, Integer> perBackend, List<String> failures, int distinctLocalPorts,
                         double seconds) {
        public String summary() {
            return requests + " requests in " + String.format("%.2f", seconds) + " s over " + distinctLocalPorts
                    + " distinct client ports: " + perBackend + (failures.isEmpty() ? "" : "; failures: " + failures);
        }
    }

    /** {@code requests} GETs of {@code http://VIP/}, each a new curl process and TCP connection, counted by body. */
    public Spread spread(int requests) throws CommandException {
        return spread(topology, url("/"), requests, Duration.ofSeconds(5), false);
    }

    /**
     * {@code requests} GETs of {@code url} from the topology's client, each a new curl process and TCP connection,
     * counted by body (the backend's name). With {@code giveUpAfterThreeFailures}, stops when the first 3 requests
     * all failed (a dead path would otherwise cost {@code requests} timeouts) and says so in the failures.
     */
    static Spread spread(Topology topology, String url, int requests, Duration timeout,
                         boolean giveUpAfterThreeFailures) throws CommandException {
        Map<String, Integer> per = new TreeMap<>();
        for (Backend b : topology.backends()) {
            per.put(b.name(), 0);
        }
        List<String> failures = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            Curl.Response r = Curl.get(topology.client(), url, timeout);
            if (r.ok()) {
                per.merge(r.body().strip(), 1, Integer::sum);
                ports.add(r.localPort());
            } else {
                failures.add("#" + i + " " + r.describe());
                if (giveUpAfterThreeFailures && failures.size() == 3 && i == 2) {
                    failures.add("gave up after 3 failed requests of " + requests);
                    break;
                }
            }
        }
        return new Spread(requests, per, failures, ports.size(), (System.nanoTime() - start) / 1e9);
    }

    /** {@code http://VIP:80} + path. */
    public static String url(String path) {
        return "http://" + VIP + ":" + VIP_PORT + path;
    }

    /**
     * Stops the gateway (SIGTERM; it removes its routes and device and prints its final counters) and returns
     * its exit code and the counters it printed.
     */
    public GatewayExit stopGateway() throws IOException {
        int code = gateway.stop(ManagedProcess.DEFAULT_GRACE);
        return new GatewayExit(code, GatewayCounters.parse(gateway.readLog()));
    }

    /** Exit code and final counters of the gateway process. */
    public record GatewayExit(int exitCode, Map<String, Long> counters) {
    }

    public Topology topology() {
        return topology;
    }

    public Namespace client() {
        return topology.client();
    }

    /**
     * SIGHUP to {@code gateway}, then its verdict from its log within 5 s: true when applied (or unchanged), false when
     * rejected; no verdict is an AssertionError with the log's tail.
     */
    public static boolean reloadBySighup(ManagedProcess gateway) throws IOException, InterruptedException {
        int ok = gateway.grep(RELOADED).size();
        int bad = gateway.grep(REJECTED).size();
        Commands.run(List.of("kill", "-HUP", Long.toString(gateway.pid()))).check();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (gateway.grep(RELOADED).size() > ok) {
                return true;
            }
            if (gateway.grep(REJECTED).size() > bad) {
                return false;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no reload verdict within 5 s of SIGHUP\n" + gateway.tailBlock());
    }

    public ManagedProcess gateway() {
        return gateway;
    }

    public List<ManagedProcess> agents() {
        return List.copyOf(agents);
    }

    public List<ManagedProcess> servers() {
        return List.copyOf(servers);
    }

    /** Log tails of every process, for failure messages. */
    public String logTails() {
        return logTails(gateway, agents, servers);
    }

    /** The tail blocks of the gateway (if started), the agents and the servers, in that order. */
    static String logTails(ManagedProcess gateway, List<ManagedProcess> agents, List<ManagedProcess> servers) {
        StringBuilder sb = new StringBuilder();
        List<ManagedProcess> all = new ArrayList<>();
        if (gateway != null) {
            all.add(gateway);
        }
        all.addAll(agents);
        all.addAll(servers);
        for (ManagedProcess p : all) {
            sb.append(p.tailBlock()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Gateway, then servers, then agents (SIGTERM, grace, SIGKILL); then the namespaces and the socket directory.
     * Idempotent.
     */
    @Override
    public void close() {
        close(gateway, servers, agents, topology);
        if (sockets != null) {
            sockets.close();
        }
    }

    /** Stops the gateway, then the servers, then the agents, then deletes the topology; nulls are not started yet. */
    static void close(ManagedProcess gateway, List<ManagedProcess> servers, List<ManagedProcess> agents,
                      Topology topology) {
        if (gateway != null) {
            gateway.close();
        }
        servers.forEach(ManagedProcess::close);
        agents.forEach(ManagedProcess::close);
        if (topology != null) {
            topology.close();
        }
    }
}
