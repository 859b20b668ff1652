package io.dsrgw.harness.bench.floods;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.harness.bench.forwarding.PacketGenerator;
import io.dsrgw.harness.bench.forwarding.UdpFrames;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.LinkCounters;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.DsrScenario;
import io.dsrgw.harness.scenario.PrometheusText;
import io.dsrgw.harness.scenario.ScenarioConfigs;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.RequestLoad;

/**
 * {@code scripts/bench floods}: the issue-14 floods against a real {@link DsrScenario} (client, router, gateway
 * with {@code ingress.kind = tun}, or xdp with {@code --ingress xdp}, 3 backends with agents and HTTP servers, all
 * in namespaces of this run) while {@link RequestLoad} sends a steady stream of legitimate HTTP requests from the
 * client. Each phase runs for
 * {@code --seconds}: a no-flood baseline, then one flood each, sent at the highest rate the {@link PacketGenerator}
 * reaches from the router's namespace straight onto the gateway's veth (AF_PACKET, {@link FloodFrames}). Per
 * phase: legitimate requests completed and failed, their latency p50/p99/max, the gateway's RSS before and after,
 * the flow table's entries and the deltas of the gateway's {@code /metrics} counters (drops by reason, too-big and
 * echo replies sent). Report printed and written to {@code test-harness/target/bench/floods.md}
 * ({@code floods-xdp.md} with {@code --ingress xdp}). Every namespace
 * and process it created is removed at exit, also on SIGTERM / Ctrl-C (shutdown hook).
 * <pre>
 *   scripts/bench floods [--seconds S] [--threads T] [--capacity C] [--ingress tun|xdp] [--phases baseline,syn,...]
 *                        [--realtime-priority N] [--tun-txqueuelen N] [--new-flow-queue auto|on|off]
 * </pre>
 */
public final class FloodBenchmark {
    /**
     * The non-VIP flood's destination: the gateway host's own address (a closed UDP port). Not an address the router
     * merely routes via the gateway: the gateway's namespace forwards (ip_forward=1, as the topology needs), so such
     * packets loop between router and gateway until their TTL runs out (seen in a trial: 40 x the sent rate).
     */
    static final String NON_VIP = Topology.GATEWAY_ADDRESS;
    static final int GENERATOR_CPU = 0;
    static final String ADMIN_HTTP = "http://127.0.0.1:9180";

    /** One measured window: a flood (or none) while the legitimate load runs. */
    enum Phase {
        BASELINE("baseline", "no flood", null),
        NON_VIP("non-vip", "(b) UDP to the gateway's own address (not a VIP)", FloodFrames.Kind.NON_VIP),
        ICMP("icmp", "(c) ICMP echo requests + fragmentation-needed to the VIP", FloodFrames.Kind.ICMP),
        TOO_BIG("too-big", "(c') 1500-byte DF segments to the VIP (too-big triggers)", FloodFrames.Kind.TOO_BIG),
        MARTIAN("martian", "(bonus) SYNs from martian, VIP and backend sources", FloodFrames.Kind.MARTIAN),
        SYN("syn", "(a) SYN flood, random sources (flow table fills)", FloodFrames.Kind.SYN),
        SYN_FULL("syn-full", "(a) SYN flood, flow table full from the start", FloodFrames.Kind.SYN),
        BASELINE_FULL("baseline-full", "no flood, flow table full of flood entries", null);

        final String id;
        final String description;
        final FloodFrames.Kind kind;

        Phase(String id, String description, FloodFrames.Kind kind) {
            this.id = id;
            this.description = description;
            this.kind = kind;
        }

        static Phase of(String id) {
            for (Phase p : values()) {
                if (p.id.equals(id)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("phase: " + id + " (expected: one of baseline, non-vip, icmp, too-big,"
                    + " martian, syn, syn-full, baseline-full)");
        }
    }

    /**
     * @param realtimePriority {@code ingress.realtime-priority} of the gateway (0: the default, time-shared)
     * @param tunTxQueueLen    txqueuelen of the gateway's TUN device (0: the driver's default, 500), set once it runs
     * @param newFlowQueue     {@code ingress.new-flow-queue} of the gateway (auto, on, off), or null for the
     *                         gateway's default (auto)
     */
    record Options(double seconds, int threads, int capacity, List<Phase> phases, String ingress, Path outDir,
                   int realtimePriority, int tunTxQueueLen, String newFlowQueue) {
        Options(double seconds, int threads, int capacity, List<Phase> phases, String ingress, Path outDir) {
            this(seconds, threads, capacity, phases, ingress, outDir, 0, 0, null);
        }

        static Options parse(String[] args) {
            String ingress = "tun";
            int realtime = 0;
            int txqueuelen = 0;
            String newFlowQueue = null;
            double seconds = 20;
            int threads = 4;
            int capacity = 65536;
            List<Phase> phases = List.of(Phase.values());
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + ": missing value (usage: scripts/bench floods [--seconds S]"
                            + " [--threads T] [--capacity C] [--phases a,b,...])");
                }
                String v = args[++i];
                switch (a) {
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--capacity" -> capacity = Integer.parseInt(v);
                    case "--ingress" -> ingress = v;
                    case "--phases" -> phases = java.util.Arrays.stream(v.split(",")).map(Phase::of).toList();
                    case "--realtime-priority" -> realtime = Integer.parseInt(v);
                    case "--tun-txqueuelen" -> txqueuelen = Integer.parseInt(v);
                    case "--new-flow-queue" -> newFlowQueue = v;
                    default -> throw new IllegalArgumentException("unknown option " + a
                            + " (expected: --seconds, --threads, --capacity, --phases, --ingress, --realtime-priority,"
                            + " --tun-txqueuelen, --new-flow-queue)");
                }
            }
            if (!(seconds > 0 && seconds <= 600)) {
                throw new IllegalArgumentException("--seconds " + seconds + " (expected: 0 < S <= 600)");
            }
            if (threads < 1 || threads > 64) {
                throw new IllegalArgumentException("--threads " + threads + " (expected: 1..64)");
            }
            if (!ingress.equals("tun") && !ingress.equals("xdp")) {
                throw new IllegalArgumentException("--ingress " + ingress + " (expected: tun or xdp)");
            }
            if (realtime < 0 || realtime > 99 || txqueuelen < 0) {
                throw new IllegalArgumentException("--realtime-priority " + realtime + " (expected: 0..99), "
                        + "--tun-txqueuelen " + txqueuelen + " (expected: >= 0)");
            }
            if (newFlowQueue != null && !List.of("auto", "on", "off").contains(newFlowQueue)) {
                throw new IllegalArgumentException("--new-flow-queue " + newFlowQueue + " (expected: auto, on or off)");
            }
            return new Options(seconds, threads, capacity, phases, ingress, Path.of("test-harness/target/bench"),
                    realtime, txqueuelen, newFlowQueue);
        }
    }

    /** What one phase measured. */
    record Result(Phase phase, double seconds, long framesSent, long refused, int requestsOk, int requestsFailed,
                  List<String> failureSamples, Latencies latencyMs, long rssBeforeKib, long rssAfterKib,
                  double flowEntriesAfter, double flowCapacity, Map<String, Double> counterDeltas,
                  LinkCounters gatewayVeth,
                  LinkCounters tunDevice, Map<String, Long> kernelIcmpOut) {
        double counter(String name) {
            return counterDeltas.getOrDefault(name, 0.0);
        }
    }

    private final Options options;
    private DsrScenario scenario;
    private PacketGenerator generator;
    private RequestLoad load;
    private volatile boolean stopping;

    private FloodBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        FloodBenchmark b;
        try {
            b = new FloodBenchmark(Options.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("bench floods: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            b.stopping = true;
            b.cleanup();
        }, "bench-floods-cleanup"));
        try {
            b.run();
        } catch (Exception e) {
            System.err.println("bench floods: " + e.getMessage());
            b.cleanup();
            System.exit(1);
        }
        b.cleanup();
        System.exit(0);
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[floods %s] %s%n", Instant.now().toString().substring(11, 19),
                String.format(Locale.ROOT, format, args));
    }

    private synchronized void cleanup() {
        if (generator != null) {
            generator.close();
            generator = null;
        }
        if (load != null) {
            load.close();
            load = null;
        }
        if (scenario != null) {
            scenario.close();
            scenario = null;
        }
    }

    private void run() throws Exception {
        Files.createDirectories(options.outDir());
        Path work = Files.createTempDirectory(options.outDir().toAbsolutePath(), "work-floods-");
        String noise = machineNoise();
        int capacity = options.capacity();
        log("starting the scenario (3 backends, ingress %s, flow-table capacity %d); logs in %s", options.ingress(),
                capacity, work);
        synchronized (this) {
            if (stopping) {
                return;
            }
            boolean xdp = options.ingress().equals("xdp");
            DsrScenario.Builder b = DsrScenario.builder().backends(3).workDir(work)
                    .gatewayConfig((backends, socket) -> {
                        String c = withFlowTable(ScenarioConfigs.gateway(DsrScenario.VIP,
                                List.of(DsrScenario.VIP_PORT), backends, socket), capacity);
                        if (options.realtimePriority() > 0) {
                            c = c.replace("hash-seed = \"dsrgw-harness\"", "hash-seed = \"dsrgw-harness\"\n"
                                    + "  ingress.realtime-priority = " + options.realtimePriority());
                        }
                        if (options.newFlowQueue() != null) {
                            c = c.replace("hash-seed = \"dsrgw-harness\"", "hash-seed = \"dsrgw-harness\"\n"
                                    + "  ingress.new-flow-queue = " + options.newFlowQueue());
                        }
                        return xdp ? ScenarioConfigs.xdpIngress(c, List.of(Topology.LEAF_DEVICE), "native") : c;
                    });
            if (xdp) {
                b.xdpGatewayLink();
            }
            scenario = b.start();
        }
        Topology t = scenario.topology();
        if (options.tunTxQueueLen() > 0) {
            t.gateway().ip("link", "set", "dev", ScenarioConfigs.GATEWAY_DEVICE, "txqueuelen",
                    Integer.toString(options.tunTxQueueLen()));
        }
        String gatewayMac = mac(t.gateway(), Topology.LEAF_DEVICE);
        String routerMac = mac(t.router(), Topology.ROUTER_GATEWAY_DEVICE);
        long gatewayPid = javaPid(scenario.gateway().pid());
        // Warm-up (discarded): the gateway's, the agents' and the servers' JITs, ARP/neighbour entries.
        try (RequestLoad warm = RequestLoad.start(t.client(), new InetSocketAddress(DsrScenario.VIP,
                DsrScenario.VIP_PORT), options.threads(), Duration.ofSeconds(10), Duration.ofMillis(20))) {
            Thread.sleep(5000);
        }
        List<Result> results = new ArrayList<>();
        for (Phase phase : options.phases()) {
            if (stopping) {
                throw new InterruptedException("interrupted: everything created is being removed");
            }
            Result r = measure(phase, gatewayMac, routerMac, gatewayPid, t);
            results.add(r);
            log("%s: %d ok, %d failed, p50 %.1f ms, p99 %.1f ms; flood %.0f kpps sent; RSS %d -> %d MiB;"
                            + " flow entries %.0f", phase.id, r.requestsOk(), r.requestsFailed(),
                    r.latencyMs().percentile(50), r.latencyMs().percentile(99), r.framesSent() / r.seconds() / 1e3,
                    r.rssBeforeKib() >> 10, r.rssAfterKib() >> 10, r.flowEntriesAfter());
        }
        cleanup();
        String md = FloodReport.markdown(results, capacity, options, noise, Commands.run(List.of("git", "describe",
                "--always", "--dirty")).stdout().strip());
        System.out.println();
        System.out.println(md);
        Path file = options.outDir().resolve(options.ingress().equals("tun") ? "floods.md" : "floods-xdp.md");
        Files.writeString(file, md);
        log("written to %s", file);
    }

    private Result measure(Phase phase, String gatewayMac, String routerMac, long gatewayPid, Topology t)
            throws Exception {
        if (phase.kind != null) {
            int count = phase.kind == FloodFrames.Kind.TOO_BIG ? 16384 : 262144;
            FloodFrames frames = new FloodFrames(new FloodFrames.Spec(phase.kind, UdpFrames.mac(gatewayMac),
                    UdpFrames.mac(routerMac), Ipv4Addresses.parse(DsrScenario.VIP), DsrScenario.VIP_PORT,
                    Ipv4Addresses.parse(NON_VIP), Ipv4Addresses.parse(t.backends().get(0).address()), count));
            synchronized (this) {
                generator = PacketGenerator.start(t.router(), Topology.ROUTER_GATEWAY_DEVICE, frames, GENERATOR_CPU);
            }
        }
        Thread.sleep(1000); // the previous phase's last packets drain
        long rssBefore = rssKib(gatewayPid);
        Map<String, Double> before = metrics(t);
        LinkCounters vethBefore = t.gateway().counters(Topology.LEAF_DEVICE);
        LinkCounters tunBefore = t.gateway().counters(ScenarioConfigs.GATEWAY_DEVICE);
        Map<String, Long> icmpBefore = KernelIcmp.parse(t.gateway().exec("cat", "/proc/net/snmp").stdout());
        long sentBefore = generator == null ? 0 : generator.sent();
        long refusedBefore = generator == null ? 0 : generator.stalls();
        RequestLoad l = RequestLoad.start(t.client(), new InetSocketAddress(DsrScenario.VIP, DsrScenario.VIP_PORT),
                options.threads(), Duration.ofSeconds(10), Duration.ofMillis(20));
        synchronized (this) {
            load = l;
        }
        long start = System.nanoTime();
        if (generator != null) {
            generator.resume();
        }
        Thread.sleep((long) (options.seconds() * 1000));
        if (generator != null) {
            generator.pause();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long sent = generator == null ? 0 : generator.sent() - sentBefore;
        long refused = generator == null ? 0 : generator.stalls() - refusedBefore;
        LinkCounters veth = t.gateway().counters(Topology.LEAF_DEVICE).minus(vethBefore);
        LinkCounters tun = t.gateway().counters(ScenarioConfigs.GATEWAY_DEVICE).minus(tunBefore);
        Map<String, Long> icmp = KernelIcmp.minus(KernelIcmp.parse(t.gateway().exec("cat", "/proc/net/snmp")
                .stdout()), icmpBefore);
        // The requests started during the flood; those still in flight finish (or time out) after it.
        List<RequestLoad.Request> all = l.stop();
        synchronized (this) {
            load = null;
        }
        Thread.sleep(500);
        Map<String, Double> after = metrics(t);
        long rssAfter = rssKib(gatewayPid);
        synchronized (this) {
            if (generator != null) {
                generator.close();
                generator = null;
            }
        }
        List<Double> ms = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int ok = 0;
        for (RequestLoad.Request r : all) {
            if (r.ok()) {
                ok++;
                ms.add((r.endNs() - r.startNs()) / 1e6);
            } else if (failures.size() < 5) {
                failures.add(r.describe(start));
            }
        }
        int failed = all.size() - ok;
        Map<String, Double> deltas = new TreeMap<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            if (e.getKey().endsWith("_total")) {
                double d = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
                if (d != 0) {
                    deltas.put(e.getKey(), d);
                }
            }
        }
        return new Result(phase, seconds, sent, refused, ok, failed, failures,
                new Latencies(ms.stream().mapToDouble(Double::doubleValue).toArray()), rssBefore, rssAfter,
                after.getOrDefault("dsrgw_flow_table_entries", Double.NaN),
                after.getOrDefault("dsrgw_flow_table_capacity", Double.NaN), deltas, veth, tun, icmp);
    }

    /** The gateway's config with a flow table of {@code capacity} entries (one worker: one ingress queue). */
    static String withFlowTable(String config, int capacity) {
        String anchor = "hash-seed = \"dsrgw-harness\"";
        if (!config.contains(anchor)) {
            throw new IllegalArgumentException("not a ScenarioConfigs gateway config (no " + anchor + ")");
        }
        return config.replace(anchor, anchor + "\n  flow-table { capacity = " + capacity + " }");
    }

    /**
     * Every sample of the gateway's /metrics, summed over labels, by name; except that a {@code reason} label stays
     * apart ({@code dsrgw_packets_dropped_total{reason="echo_rate_limited"}} as
     * {@code dsrgw_packets_dropped_echo_rate_limited_total}), so that the report shows each rate limit holding.
     */
    private static Map<String, Double> metrics(Topology t) throws IOException {
        Curl.Response r = Curl.get(t.gateway(), ADMIN_HTTP + "/metrics", Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IOException("gateway /metrics: " + r.describe());
        }
        PrometheusText m = PrometheusText.parse(r.body(), "dsrgw_");
        Map<String, Double> sums = new LinkedHashMap<>();
        for (PrometheusText.Sample s : m.samples()) {
            String reason = s.labels().get("reason");
            String name = reason != null && s.name().endsWith("_total")
                    ? s.name().substring(0, s.name().length() - "_total".length()) + "_" + reason + "_total" : s.name();
            sums.merge(name, s.value(), Double::sum);
        }
        return sums;
    }

    private static String mac(io.dsrgw.harness.netns.Namespace ns, String device) throws IOException {
        String out = ns.ip("-o", "link", "show", "dev", device).stdout();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(out);
        if (!m.find()) {
            throw new IOException("no MAC address in `ip link show dev " + device + "` of " + ns.name() + ": " + out);
        }
        return m.group(1);
    }

    /** The JVM of the gateway: the launched process itself or its first descendant whose command is java. */
    static long javaPid(long launched) {
        Optional<ProcessHandle> self = ProcessHandle.of(launched);
        if (self.isPresent() && self.get().info().command().map(c -> c.endsWith("/java")).orElse(false)) {
            return launched;
        }
        return self.flatMap(p -> p.descendants().filter(d -> d.info().command().map(c -> c.endsWith("/java"))
                .orElse(false)).findFirst()).map(ProcessHandle::pid).orElse(launched);
    }

    /** VmRSS of {@code pid} in KiB, -1 when it cannot be read. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).strip().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Load average, CPUs and the busiest other processes right now (the measurement's noise). */
    private static String machineNoise() {
        StringBuilder sb = new StringBuilder();
        try {
            sb.append("load average (1/5/15 min) ").append(Files.readString(Path.of("/proc/loadavg")).strip())
                    .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs");
            String top = Commands.run(List.of("sh", "-c", "top -b -n 2 -d 1 -w 200 | awk '/^top -/{n++} n==2'"
                    + " | sed -n '8,13p'")).stdout();
            sb.append("; busiest processes over 1 s before the run (top: PID USER ... %CPU %MEM TIME COMMAND):\n");
            for (String line : top.strip().split("\n")) {
                sb.append("    ").append(line.strip()).append('\n');
            }
        } catch (IOException | RuntimeException e) {
            sb.append(" (top: ").append(e.getMessage()).append(')');
        }
        return sb.toString();
    }
}
