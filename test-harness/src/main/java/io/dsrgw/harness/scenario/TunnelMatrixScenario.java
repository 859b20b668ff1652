package io.dsrgw.harness.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NftCounters;
import io.dsrgw.harness.netns.SocketDir;
import io.dsrgw.harness.netns.TooBigFilter;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.traffic.BackendHttpServer;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.Ping;
import io.dsrgw.harness.traffic.UdpProbe;

/**
 * The issue-3 scenario: ONE dual-stack {@link Topology} with N backends and one VIP per {@link TunnelCombination}
 * (IPv4 or IPv6, the inner family), {@code dsr-gateway run} forwarding every VIP (TCP 80 and UDP 7) with the
 * combination's tunnel to the backends' IPv4 or IPv6 addresses (the outer family), {@code dsr-agent run} on every
 * backend accepting every kind from both gateway addresses, and on every backend one JVM with a
 * {@link BackendHttpServer} on {@code [::]:80} and a {@link io.dsrgw.harness.traffic.UdpEchoServer} per VIP.
 *
 * <p>Two phases, switched by {@link #enterClampPhase()}: A — agents without MSS clamping, ICMP too-big messages
 * flow (the gateway's too-big messages drive path-MTU discovery); B — agents restarted with MSS clamping and the
 * router dropping every ICMP frag-needed / ICMPv6 packet-too-big (a PMTUD black hole), client PMTU caches flushed.
 *
 * <p>nftables counters per VIP in client, router and gateway, and per outer header in gateway and backends, give
 * {@link TunnelEvidence} for one combination over a window started by {@link #resetCounters()}.
 */
public final class TunnelMatrixScenario implements AutoCloseable {
    private final Options options;
    private final List<ManagedProcess> agents = new ArrayList<>();
    private final List<ManagedProcess> servers = new ArrayList<>();
    private final Map<Namespace, NftCounters> counters = new LinkedHashMap<>();
    private Topology topology;
    private SocketDir sockets;
    private ManagedProcess gateway;
    private TooBigFilter tooBigFilter;
    private int agentGeneration;

    private TunnelMatrixScenario(Options options) {
        this.options = options;
    }

    /**
     * Options.
     *
     * @param combinations which VIPs to set up
     * @param backends     backend count
     * @param workDir      configs, state files, logs ({@code logs/})
     * @param distributions the dsrgw launchers
     * @param javaCommand  java executable for the backend servers and the UDP probe
     * @param classpath    their classpath (this module and its dependencies)
     * @param readyTimeout per process start
     */
    public record Options(List<TunnelCombination> combinations, int backends, Path workDir,
                          Distributions distributions, String javaCommand, String classpath, Duration readyTimeout) {
        /** Every combination, 3 backends, this JVM's java and classpath, 60 s ready timeout. */
        public static Options defaults(Path workDir) {
            return new Options(List.of(TunnelCombination.values()), 3, workDir, Distributions.fromSystemProperties(),
                    ProcessHandle.current().info().command().orElse("java"), System.getProperty("java.class.path"),
                    Duration.ofSeconds(60));
        }
    }

    /** Builds the topology and starts everything (phase A); on failure stops what it started and rethrows. */
    public static TunnelMatrixScenario start(Options options) throws IOException {
        String problem = options.distributions().problem();
        if (problem != null) {
            throw new IOException(problem);
        }
        TunnelMatrixScenario s = new TunnelMatrixScenario(options);
        try {
            s.startAll();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private Path work() {
        return options.workDir().toAbsolutePath();
    }

    /** The gateway's admin socket ({@code dsrctl --socket}), in the run's short {@link SocketDir}. */
    public Path adminSocket() {
        return sockets.socket("gateway.sock");
    }

    private void startAll() throws IOException {
        Files.createDirectories(work().resolve("logs"));
        sockets = SocketDir.create();
        Topology.Builder tb = Topology.builder().backends(options.backends());
        options.combinations().forEach(c -> tb.vip(c.vip()));
        topology = tb.build();
        installCounters();
        startAgents(false);
        for (Backend b : topology.backends()) {
            List<String> cmd = new ArrayList<>(List.of(options.javaCommand(), "-Xmx96m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", options.classpath(), BackendHttpServer.class.getName(),
                    "--name", b.name(), "--listen", "[::]:" + TunnelCombination.HTTP_PORT));
            for (TunnelCombination c : options.combinations()) {
                cmd.add("--udp-echo");
                cmd.add(hostPort(c.vip(), TunnelCombination.UDP_ECHO_PORT));
            }
            servers.add(ManagedProcess.start("servers-" + b.name(), b.namespace(), cmd,
                    work().resolve("logs/servers-" + b.name() + ".log"), Map.of()));
        }
        for (ManagedProcess s : servers) {
            s.awaitLine(DsrScenario.HTTP_READY, options.readyTimeout());
        }
        Path gatewayConf = work().resolve("gateway.conf");
        Files.writeString(gatewayConf, ScenarioConfigs.matrixGateway(options.combinations(), topology.backends(),
                adminSocket()));
        gateway = ManagedProcess.start("gateway", topology.gateway(),
                List.of(options.distributions().gatewayLauncher().toString(), "run", "--config",
                        gatewayConf.toString()),
                work().resolve("logs/gateway.log"), Map.of());
        gateway.awaitLine(DsrScenario.GATEWAY_READY, options.readyTimeout());
        resetCounters();
    }

    private void startAgents(boolean mssClamp) throws IOException {
        agentGeneration++;
        String suffix = mssClamp ? "clamp" : "noclamp";
        for (Backend b : topology.backends()) {
            Path dir = work().resolve(b.name());
            Files.createDirectories(dir);
            Path conf = dir.resolve("agent-" + suffix + ".conf");
            Files.writeString(conf, ScenarioConfigs.matrixAgent(options.combinations(), dir, mssClamp));
            agents.add(ManagedProcess.start("agent-" + b.name() + "-" + suffix, b.namespace(),
                    List.of(options.distributions().agentLauncher().toString(), "run", "--config", conf.toString()),
                    work().resolve("logs/agent-" + b.name() + "-" + agentGeneration + "-" + suffix + ".log"),
                    Map.of()));
        }
        for (ManagedProcess a : agents) {
            a.awaitLine(DsrScenario.AGENT_READY, options.readyTimeout());
        }
    }

    /**
     * Phase B: restarts every agent with MSS clamping on, makes the router drop every ICMP frag-needed and ICMPv6
     * packet-too-big, and flushes the client's cached path MTUs (learnt in phase A), so that only the clamp can
     * make large uploads work.
     */
    public void enterClampPhase() throws IOException {
        for (ManagedProcess a : agents) {
            a.stop(ManagedProcess.DEFAULT_GRACE);
        }
        agents.clear();
        startAgents(true);
        tooBigFilter = TooBigFilter.install(topology.router());
        topology.client().exec("ip", "route", "flush", "cache");
        topology.client().exec("ip", "-6", "route", "flush", "cache");
    }

    /** The router's drop filter of phase B (null in phase A). */
    public TooBigFilter tooBigFilter() {
        return tooBigFilter;
    }

    private void installCounters() throws CommandException {
        String dev = Topology.LEAF_DEVICE;
        Map<String, String> clientPost = new LinkedHashMap<>();
        Map<String, String> clientPre = new LinkedHashMap<>();
        Map<String, String> gwPre = new LinkedHashMap<>();
        Map<String, String> gwPost = new LinkedHashMap<>();
        Map<String, String> rtPre = new LinkedHashMap<>();
        Map<String, String> rtPost = new LinkedHashMap<>();
        // What the gateway sends (gwPost) is counted where it arrives, on the router's side of the gateway's veth:
        // the gateway's own POSTROUTING hook does not see the frames its workers send through AF_PACKET
        // (ingress.egress = packet bypasses netfilter on the gateway host, as documented).
        String fromGateway = "iifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" ";
        for (TunnelCombination c : options.combinations()) {
            String ip = c.innerFamily() == 4 ? "ip" : "ip6";
            String v = c.id() + "_";
            String to = ip + " daddr " + c.vip();
            String from = ip + " saddr " + c.vip();
            clientPost.put(v + "to_vip", "oifname \"" + dev + "\" " + to);
            clientPre.put(v + "from_vip", "iifname \"" + dev + "\" " + from);
            String synAck = "iifname \"" + dev + "\" " + from + " tcp flags & (syn | ack) == syn | ack";
            clientPre.put(v + "synack", synAck);
            clientPre.put(v + "synack_mss_over", synAck + " tcp option maxseg size > " + c.maxMssBytes());
            String tooBig = "iifname \"" + dev + "\" " + from + (c.innerFamily() == 4
                    ? " icmp type destination-unreachable icmp code frag-needed"
                    : " icmpv6 type packet-too-big");
            clientPre.put(v + "too_big", tooBig);
            clientPre.put(v + "too_big_exact", tooBig + (c.innerFamily() == 4 ? " icmp mtu " : " icmpv6 mtu ")
                    + c.innerMtuBytes());
            gwPre.put(v + "in_to_vip", "iifname \"" + dev + "\" " + to);
            // Counted here, not at the client: the client's postrouting hook sees the datagram before the kernel
            // fragments it.
            gwPre.put(v + "in_frag", "iifname \"" + dev + "\" " + to + (c.innerFamily() == 4
                    ? " ip frag-off & 0x3fff != 0" : " exthdr frag exists"));
            gwPre.put(v + "in_from_vip", "iifname \"" + dev + "\" " + from);
            gwPost.put(v + "out_from_vip", fromGateway + from);
            rtPre.put(v + "bridge", "iifname \"" + Topology.ROUTER_BRIDGE + "\" " + from);
            rtPost.put(v + "to_client", "oifname \"" + Topology.ROUTER_CLIENT_DEVICE + "\" " + from);
            rtPost.put(v + "to_gw", "oifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" " + from);
            rtPost.put(v + "too_big_to_vip", "oifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" " + to
                    + (c.innerFamily() == 4 ? " icmp type destination-unreachable icmp code frag-needed"
                    : " icmpv6 type packet-too-big"));
        }
        gwPost.putAll(outerMatches(fromGateway.strip(), null));
        // GRE flags (RFC 2890): C 0x8000, K 0x2000, S 0x1000 in the first 16 bits after the outer header.
        gwPost.put("out4_gre_key_csum", fromGateway + "ip protocol 47 @th,0,16 & 0xb000 == 0xa000");
        gwPost.put("out6_gre_key", fromGateway + "ip6 nexthdr 47 @th,0,16 & 0xb000 == 0x2000");
        rtPre.putAll(gwPost);
        counters.put(topology.client(), NftCounters.install(topology.client(), NftCounters.Hook.POSTROUTING,
                clientPost));
        NftCounters.install(topology.client(), NftCounters.Hook.PREROUTING, clientPre);
        counters.put(topology.gateway(), NftCounters.install(topology.gateway(), NftCounters.Hook.PREROUTING, gwPre));
        counters.put(topology.router(), NftCounters.install(topology.router(), NftCounters.Hook.PREROUTING, rtPre));
        NftCounters.install(topology.router(), NftCounters.Hook.POSTROUTING, rtPost);
        for (Backend b : topology.backends()) {
            counters.put(b.namespace(), NftCounters.install(b.namespace(), NftCounters.Hook.PREROUTING,
                    outerMatches("iifname \"" + b.device() + "\"", b)));
        }
    }

    /** The outer-header matches ({@link TunnelEvidence#OUTER_KEYS}); on a backend: only from the gateway. */
    private static Map<String, String> outerMatches(String iface, Backend onBackend) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int p : new int[] {4, 41, 47, 17}) {
            m.put("out4_p" + p, iface + (onBackend != null ? " ip saddr " + Topology.GATEWAY_ADDRESS : "")
                    + " ip protocol " + p + (p == 17 ? " udp dport " + TunnelCombination.GUE_PORT : ""));
        }
        for (int p : new int[] {4, 41, 47, 17}) {
            m.put("out6_p" + p, iface + (onBackend != null ? " ip6 saddr " + Topology.GATEWAY_ADDRESS6 : "")
                    + " ip6 nexthdr " + p + (p == 17 ? " udp dport " + TunnelCombination.GUE_PORT : ""));
        }
        return m;
    }

    /** Starts a new measurement window: zeroes every nft counter of the scenario. */
    public void resetCounters() throws CommandException {
        for (NftCounters c : counters.values()) {
            c.reset();
        }
    }

    /** Counts for {@code c}'s VIP since the last {@link #resetCounters()}. */
    public TunnelEvidence evidence(TunnelCombination c) throws CommandException {
        Map<String, NftCounters.Count> cl = counters.get(topology.client()).read();
        Map<String, NftCounters.Count> gw = counters.get(topology.gateway()).read();
        Map<String, NftCounters.Count> rt = counters.get(topology.router()).read();
        String v = c.id() + "_";
        Map<String, Long> gwOut = new TreeMap<>();
        for (String k : TunnelEvidence.OUTER_KEYS) {
            gwOut.put(k, rt.get(k).packets());
        }
        gwOut.put("out4_gre_key_csum", rt.get("out4_gre_key_csum").packets());
        gwOut.put("out6_gre_key", rt.get("out6_gre_key").packets());
        Map<String, Map<String, Long>> backendIn = new TreeMap<>();
        for (Backend b : topology.backends()) {
            Map<String, NftCounters.Count> bc = counters.get(b.namespace()).read();
            Map<String, Long> m = new TreeMap<>();
            for (String k : TunnelEvidence.OUTER_KEYS) {
                m.put(k, bc.get(k).packets());
            }
            backendIn.put(b.name(), m);
        }
        return new TunnelEvidence(cl.get(v + "to_vip").packets(), cl.get(v + "from_vip").packets(),
                gw.get(v + "in_to_vip").packets(), gw.get(v + "in_frag").packets(),
                gw.get(v + "in_from_vip").packets(), rt.get(v + "out_from_vip").packets(), gwOut, backendIn,
                rt.get(v + "bridge").packets(), rt.get(v + "to_client").packets(), rt.get(v + "to_gw").packets(),
                cl.get(v + "synack").packets(), cl.get(v + "synack_mss_over").packets(),
                cl.get(v + "too_big").packets(), cl.get(v + "too_big_exact").packets(),
                rt.get(v + "too_big_to_vip").packets());
    }

    /**
     * {@code requests} GETs of {@code http://VIP/}, each a new curl process and connection (3 s timeout), counted
     * by body. Gives up after the first 3 requests if all of them failed (a dead path would otherwise cost
     * {@code requests} timeouts); the failures then say so.
     */
    public DsrScenario.Spread spread(TunnelCombination c, int requests) throws CommandException {
        return DsrScenario.spread(topology, Curl.url(c.vip(), TunnelCombination.HTTP_PORT, "/"), requests,
                Duration.ofSeconds(3), true);
    }

    /**
     * Issue 15: the outer UDP source ports of a GUE combination's tunnel packets on the wire (the router's link from
     * the gateway), over {@code requests} new connections: a dynamic nft set of the source ports, and one of
     * (outer source port, inner TCP source port) pairs, read from the bytes after the UDP header (inner IPv4 without
     * options: TCP source port 28 bytes in; inner IPv6: 48). The table exists only during the call.
     *
     * @param spread     what the requests did
     * @param outerPorts distinct outer UDP source ports
     * @param pairs      distinct (outer source port, inner client port) pairs
     */
    public record GuePorts(DsrScenario.Spread spread, java.util.Set<Integer> outerPorts,
                           java.util.Set<List<Integer>> pairs) {
        /** Distinct inner client ports seen. */
        public java.util.Set<Integer> innerPorts() {
            java.util.Set<Integer> inner = new java.util.TreeSet<>();
            pairs.forEach(p -> inner.add(p.get(1)));
            return inner;
        }
    }

    /** See {@link GuePorts}. */
    public GuePorts guePorts(TunnelCombination c, int requests) throws CommandException {
        if (!c.kind().isGue()) {
            throw new IllegalArgumentException(c + " is not a GUE combination");
        }
        String t = "inet dsrgw_gue_ports";
        String outer = c.outerFamily() == 4 ? "ip protocol 17" : "ip6 nexthdr 17";
        String match = "iifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" " + outer + " udp dport "
                + TunnelCombination.GUE_PORT + " @th,64,4 " + c.innerFamily();
        int innerPortBits = (8 + (c.innerFamily() == 4 ? 20 : 40)) * 8;
        Namespace router = topology.router();
        router.exec("nft", "add table " + t + "; add set " + t + " sports { type inet_service; flags dynamic;"
                + " size 65535; }; add set " + t + " pairs { typeof udp sport . @th,224,16; flags dynamic;"
                + " size 65535; }; add chain " + t + " pre { type filter hook prerouting priority -300; };"
                + " add rule " + t + " pre " + match + " add @sports { udp sport };"
                + " add rule " + t + " pre " + match + " add @pairs { udp sport . @th," + innerPortBits + ",16 }");
        try {
            DsrScenario.Spread spread = spread(c, requests);
            java.util.Set<Integer> ports = new java.util.TreeSet<>();
            for (String e : setElements(router.exec("nft", "list", "set", "inet", "dsrgw_gue_ports", "sports")
                    .stdout())) {
                ports.add(Integer.parseInt(e));
            }
            java.util.Set<List<Integer>> pairs = new java.util.LinkedHashSet<>();
            for (String e : setElements(router.exec("nft", "list", "set", "inet", "dsrgw_gue_ports", "pairs")
                    .stdout())) {
                String[] kv = e.split("\\s*\\.\\s*");
                pairs.add(List.of(Integer.decode(kv[0].strip()), Integer.decode(kv[1].strip())));
            }
            return new GuePorts(spread, ports, pairs);
        } finally {
            router.exec("nft", "delete", "table", "inet", "dsrgw_gue_ports");
        }
    }

    /** The elements of {@code nft list set} output: {@code elements = { 49301, 51022 }} (may wrap lines). */
    static List<String> setElements(String listing) {
        int start = listing.indexOf("elements = {");
        if (start < 0) {
            return List.of();
        }
        int end = listing.indexOf('}', start);
        List<String> out = new ArrayList<>();
        for (String e : listing.substring(start + "elements = {".length(), end).split(",")) {
            if (!e.isBlank()) {
                out.add(e.strip());
            }
        }
        return out;
    }

    /**
     * Sets the MTU of the router's client-facing link (both families; 1500 restores it). Below 1500 the router
     * answers the backends' full-size replies with too-big messages addressed to the VIP, which the VIP route
     * carries to the gateway, which must forward them to the backend that owns the flow.
     */
    public void clientLinkMtu(int mtuBytes) throws CommandException {
        topology.router().ip("link", "set", Topology.ROUTER_CLIENT_DEVICE, "mtu", Integer.toString(mtuBytes));
    }

    /**
     * Forgets the path MTUs the backends learnt (IPv4 and IPv6 route caches): a learnt MTU towards the client also
     * lowers the MSS of the backends' later SYN-ACKs, which would leak one check's state into the next.
     */
    public void flushBackendPathMtus() throws CommandException {
        for (Backend b : topology.backends()) {
            b.namespace().exec("ip", "route", "flush", "cache");
            b.namespace().exec("ip", "-6", "route", "flush", "cache");
        }
    }

    /** GETs the {@link io.dsrgw.harness.traffic.Blob} of {@code bytes} from the VIP into {@code file}. */
    public Curl.Download download(TunnelCombination c, long bytes, Path file, Duration timeout) throws IOException {
        return Curl.download(topology.client(), Curl.url(c.vip(), TunnelCombination.HTTP_PORT, "/blob?bytes=" + bytes),
                file, timeout);
    }

    /** POSTs {@code file} to {@code http://VIP/upload}; the backend answers the digest of what it read. */
    public Curl.Upload upload(TunnelCombination c, Path file, Duration timeout) throws IOException {
        return Curl.upload(topology.client(), Curl.url(c.vip(), TunnelCombination.HTTP_PORT,
                BackendHttpServer.UPLOAD_PATH), file, timeout);
    }

    /** One UDP datagram of {@code bytes} to the VIP's echo port from the client (up to 5 attempts, 1 s each). */
    public UdpProbe.Result udp(TunnelCombination c, int bytes) throws CommandException {
        return UdpProbe.run(topology.client(), options.javaCommand(), options.classpath(), c.vip(),
                TunnelCombination.UDP_ECHO_PORT, bytes, 5, Duration.ofSeconds(1));
    }

    /** {@code count} pings of the VIP from the client, 0.2 s apart, 2 s wait for each reply. */
    public Ping.Result ping(TunnelCombination c, int count) throws CommandException {
        return Ping.ping(topology.client(), c.vip(), count, 56, Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    public Topology topology() {
        return topology;
    }

    public Namespace client() {
        return topology.client();
    }

    public ManagedProcess gateway() {
        return gateway;
    }

    public List<ManagedProcess> agents() {
        return List.copyOf(agents);
    }

    /** Log tails of gateway and agents (and the servers, whose logs are short), for failure messages. */
    public String logTails() {
        return DsrScenario.logTails(gateway, agents, servers);
    }

    static String hostPort(String address, int port) {
        return (Topology.isIpv6(address) ? "[" + address + "]" : address) + ":" + port;
    }

    /** Gateway, servers, agents (SIGTERM, grace, SIGKILL), then the namespaces. Idempotent. */
    @Override
    public void close() {
        DsrScenario.close(gateway, servers, agents, topology);
        if (sockets != null) {
            sockets.close();
        }
    }
}
