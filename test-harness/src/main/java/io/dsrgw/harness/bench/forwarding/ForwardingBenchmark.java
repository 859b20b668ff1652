package io.dsrgw.harness.bench.forwarding;

import io.dsrgw.harness.netns.SocketDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.ManagedProcess;

/**
 * {@code scripts/bench forwarding}: the forwarding rate of 64-byte UDP through the gateway namespace of a
 * {@link BenchNetwork}, for four configurations measured in interleaved rounds (K G X L K G X L ...):
 * <ul>
 *   <li>K: the kernel's own IPv4 forwarding (a route instead of the gateway), the baseline;</li>
 *   <li>G: {@code dsr-gateway run} with {@code ingress.kind = tun};</li>
 *   <li>X: {@code dsr-gateway run} with {@code ingress.kind = xdp} (native XDP on the ingress and egress veths); when the
 *       gateway refuses it, X is reported as "not measured" with the gateway's message, never with a number;</li>
 *   <li>L: the limit, bench_encap.o: IPIP + bpf_redirect with no lookups (test-harness/src/main/bpf).</li>
 * </ul>
 * The generator ({@link PacketGenerator}) runs on CPU0, everything the gateway does on CPU1 (the gateway's JVM
 * under {@code taskset -c 1}, the threaded NAPI kthread of the ingress veth pinned after every XDP attach and
 * detach; the sink's NAPI runs as softirq on the CPU that feeds it, CPU1). Per window: delivered packets of the
 * expected kind at the sink (IPIP for G, X, L; plain UDP for K) per second, and CPU1 busy time (/proc/stat) per
 * delivered packet. A calibration first measures what the generator offers into an XDP_DROP at the gateway's
 * ingress, so the report can say whether the generator offers clearly more than any configuration delivers.
 *
 * <p>Usage: {@code ForwardingBenchmark [--rounds N] [--seconds S] [--warmup S] [--flows F] [--configs KGXL]
 * [--gateway-home DIR] [--bpf-dir DIR] [--out DIR]}. Needs root, 2 CPUs, ip, ethtool, bpftool, taskset.
 */
public final class ForwardingBenchmark {
    static final Pattern GATEWAY_READY = Pattern.compile("dsr-gateway: forwarding \\d+ VIPs? on ");
    private static final Pattern GATEWAY_ERROR = Pattern.compile("dsr-gateway: (?:run: )?(.+)");
    private static final int GENERATOR_CPU = 0;
    /** CPU1 at least this busy, with refused sends, means the path (not the generator) set the window's rate. */
    static final double SATURATED_CPU = 0.95;

    /** Command-line options. */
    record Options(int rounds, double seconds, double warmup, int flows, EnumSet<ForwardingPath> configs,
                   Path gatewayHome, Path bpfDir, Path outDir, String newFlowQueue) {
        static Options parse(String[] args) {
            int rounds = 5;
            double seconds = 4;
            double warmup = 3;
            int flows = 1024;
            EnumSet<ForwardingPath> configs = EnumSet.allOf(ForwardingPath.class);
            Path gatewayHome = Path.of("gateway/target/dsr-gateway/dsr-gateway");
            Path bpfDir = Path.of("test-harness/target/bpf");
            Path outDir = Path.of("test-harness/target/bench");
            String newFlowQueue = "auto";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    throw new IllegalArgumentException(usage());
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + ": missing value\n" + usage());
                }
                String v = args[++i];
                switch (a) {
                    case "--rounds" -> rounds = intIn(a, v, 1, 100);
                    case "--seconds" -> seconds = doubleIn(a, v, 0.5, 600);
                    case "--warmup" -> warmup = doubleIn(a, v, 0, 600);
                    case "--flows" -> flows = intIn(a, v, 1, 65536 - BenchNetwork.FIRST_SOURCE_PORT);
                    case "--configs" -> {
                        configs = EnumSet.noneOf(ForwardingPath.class);
                        for (char c : v.toUpperCase(Locale.ROOT).toCharArray()) {
                            try {
                                configs.add(ForwardingPath.valueOf(String.valueOf(c)));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException("--configs: " + v + " (expected: letters of KGXL)");
                            }
                        }
                    }
                    case "--gateway-home" -> gatewayHome = Path.of(v);
                    case "--bpf-dir" -> bpfDir = Path.of(v);
                    case "--out" -> outDir = Path.of(v);
                    case "--new-flow-queue" -> {
                        if (!v.equals("auto") && !v.equals("on") && !v.equals("off")) {
                            throw new IllegalArgumentException("--new-flow-queue: " + v + " (expected: auto, on or off)");
                        }
                        newFlowQueue = v;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            return new Options(rounds, seconds, warmup, flows, configs, gatewayHome, bpfDir, outDir, newFlowQueue);
        }

        static String usage() {
            return "usage: scripts/bench forwarding [--rounds N (5)] [--seconds S (4)] [--warmup S (3)]"
                    + " [--flows F (1024)] [--configs KGXL] [--new-flow-queue auto|on|off (auto), G's ingress]"
                    + " [--gateway-home DIR] [--bpf-dir DIR] [--out DIR]";
        }

        private static int intIn(String opt, String v, int min, int max) {
            try {
                int n = Integer.parseInt(v);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(opt + ": " + v + " (expected: an integer " + min + ".." + max + ")");
        }

        private static double doubleIn(String opt, String v, double min, double max) {
            try {
                double d = Double.parseDouble(v);
                if (d >= min && d <= max) {
                    return d;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(opt + ": " + v + " (expected: seconds " + min + ".." + max + ")");
        }
    }

    private final Options options;
    private final String commandLine;
    private BenchNetwork net;
    private PacketGenerator generator;
    private Path workDir;
    /** The gateway's admin socket lives here, not under the (possibly long) checkout: see SocketDir. */
    private SocketDir socketDir;
    /** Set by a shutdown hook (Ctrl-C, SIGTERM): start nothing more, report nothing. */
    private volatile boolean stopping;

    private ForwardingBenchmark(Options options, String commandLine) {
        this.options = options;
        this.commandLine = commandLine;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String cmd = "scripts/bench forwarding" + (args.length == 0 ? "" : " " + String.join(" ", args));
        try {
            new ForwardingBenchmark(options, cmd).run();
        } catch (Exception e) {
            System.err.println("bench forwarding: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        checkHost();
        String prefix = BenchNetwork.randomPrefix();
        workDir = options.outDir().resolve("work-" + prefix).toAbsolutePath();
        Files.createDirectories(workDir);
        socketDir = SocketDir.create();
        log("path %s-{src,gw,dst}; %d rounds x (%.1f s warm-up + %.1f s window) of %s; %d flows", prefix,
                options.rounds(), options.warmup(), options.seconds(), options.configs(), options.flows());
        List<RoundResult> results = new ArrayList<>();
        List<String> header = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping = true, "bench-stopping"));
        try {
            net = BenchNetwork.create(prefix, options.bpfDir());
            generator = PacketGenerator.start(net.src(), BenchNetwork.LEAF_DEVICE, net.frames(options.flows()),
                    GENERATOR_CPU);
            double[] calibration = calibrate();
            for (int round = 1; round <= options.rounds(); round++) {
                for (ForwardingPath p : ForwardingPath.values()) {
                    if (!options.configs().contains(p)) {
                        continue;
                    }
                    if (stopping) {
                        throw new InterruptedException("interrupted: stopping, everything created is being removed");
                    }
                    RoundResult r = measure(p, round);
                    if (stopping) {
                        throw new InterruptedException("interrupted: stopping, everything created is being removed");
                    }
                    results.add(r);
                    log("round %d %s: %s", round, p.letter(), r.isMeasured()
                            ? String.format(Locale.ROOT, "%.3f Mpps delivered (offered %.3f), %.0f ns CPU1/packet,"
                                    + " CPU1 %.0f%% busy, generator refused %.0f/s", r.deliveredPps() / 1e6,
                            r.offeredPps() / 1e6, r.cpuNsPerPacket(), r.cpuBusy() * 100, r.refusedPerSecond())
                            : "not measured: " + r.notMeasured());
                }
            }
            header.addAll(header(calibration, results));
        } finally {
            if (generator != null) {
                generator.close();
            }
            if (net != null) {
                net.close();
            }
            if (socketDir != null) {
                socketDir.close();
            }
        }
        ForwardingReport report = new ForwardingReport(options.rounds(), results);
        String md = report.markdown(header);
        System.out.println();
        System.out.println(md);
        Path mdFile = options.outDir().resolve("forwarding.md");
        Files.writeString(mdFile, md);
        Path png = options.outDir().resolve("forwarding.png");
        List<BarChart.Bar> pps = new ArrayList<>();
        List<BarChart.Bar> ns = new ArrayList<>();
        for (ForwardingPath p : ForwardingPath.values()) {
            Stats.Summary s = report.pps(p);
            pps.add(new BarChart.Bar(p.letter(), s.median() / 1e6, s.min() / 1e6, s.max() / 1e6));
            Stats.Summary n = report.nsPerPacket(p);
            ns.add(new BarChart.Bar(p.letter(), n.median(), n.min(), n.max()));
        }
        BarChart.writePng("dsrgw forwarding, 64-byte UDP, " + options.rounds() + " rounds (K kernel, G tun, X xdp,"
                + " L limit)", List.of(new BarChart.Panel("delivered Mpps", "%.2f", pps),
                new BarChart.Panel("CPU1 ns per packet", "%.0f", ns)), png);
        log("written %s and %s (gateway logs in %s)", mdFile, png, workDir);
    }

    private List<String> header(double[] calibration, List<RoundResult> results) {
        List<String> h = new ArrayList<>();
        h.add("Command: `" + commandLine + "` (" + Instant.now().toString().substring(0, 16) + "Z, revision "
                + System.getProperty("dsrgw.bench.revision", "unknown") + ", kernel " + System.getProperty("os.version")
                + ", CPUs online " + onlineCpus() + ", nice " + BenchNetwork.OWN_NICE + ")");
        h.add("");
        h.add(String.format(Locale.ROOT, "Method: %d flows (UDP source ports), generator (AF_PACKET, qdisc bypass,"
                + " sendmmsg x %d) on CPU0, all gateway work on CPU1; %.1f s warm-up then a %.1f s window per"
                + " configuration and round; delivered = frames of the expected kind counted by an XDP_DROP sink on"
                + " the destination veth; CPU1 ns/packet = CPU1 busy time (/proc/stat, anything else running on CPU1"
                + " included) / delivered; refused/s = generator sends the veth refused because the gateway side's"
                + " ring was full (0: the path kept up, so the generator set the rate).", options.flows(),
                PacketGenerator.BATCH, options.warmup(), options.seconds()));
        h.add("");
        h.add(String.format(Locale.ROOT, "Generator check: into an XDP_DROP on the gateway's ingress veth (the least"
                + " CPU1 work any XDP path can do here) it offered %.3f Mpps (refused %.0f/s, CPU0 %.0f%%, CPU1 %.0f%%"
                + " busy). %s", calibration[0] / 1e6, calibration[1], calibration[2] * 100, calibration[3] * 100,
                generatorVerdict(results)));
        return h;
    }

    /**
     * Whether the generator offered more than each window forwarded. It did when CPU1 was busy and either the veth
     * refused some of its sends (the gateway side's ring was full) or fewer packets arrived than it sent (dropped
     * further on, e.g. at a full TUN queue). Other windows were set by the generator: their rates are lower bounds.
     */
    static String generatorVerdict(List<RoundResult> results) {
        List<String> limited = new ArrayList<>();
        int measured = 0;
        for (RoundResult r : results) {
            if (!r.isMeasured()) {
                continue;
            }
            measured++;
            boolean saturated = r.refusedPerSecond() > 0 || r.deliveredPps() < 0.95 * r.offeredPps();
            if (!saturated || r.cpuBusy() < SATURATED_CPU) {
                limited.add(r.config() + " round " + r.round());
            }
        }
        if (measured == 0) {
            return "No window was measured.";
        }
        if (limited.isEmpty()) {
            return String.format(Locale.ROOT, "In every window CPU1 was at least %.0f%% busy and the path refused or"
                    + " dropped part of what the generator sent: the generator offered more than each configuration"
                    + " forwarded, so the path, not the generator, set every rate.", SATURATED_CPU * 100);
        }
        return "GENERATOR-LIMITED windows (nothing refused or dropped, or CPU1 below " + Math.round(SATURATED_CPU * 100)
                + "% busy: the path kept up with the generator, so their rates are lower bounds): "
                + String.join(", ", limited) + ".";
    }

    /** The generator into an XDP_DROP (bench_sink.o) on the gateway's ingress: what it can offer at most. */
    private double[] calibrate() throws Exception {
        int prog = net.attachXdp(net.gw(), net.inDevice(), options.bpfDir().resolve("bench_sink.o"));
        int map = BenchNetwork.mapIdOf(prog);
        try {
            net.pinNapi();
            generator.resume();
            sleep(1.0);
            long[] s0 = BenchNetwork.readSink(map);
            long g0 = generator.sent();
            long f0 = generator.stalls();
            CpuTimes c0 = CpuTimes.read(BenchNetwork.GATEWAY_CPU);
            CpuTimes gc0 = CpuTimes.read(GENERATOR_CPU);
            long t0 = System.nanoTime();
            sleep(2.0);
            long[] s1 = BenchNetwork.readSink(map);
            long g1 = generator.sent();
            long f1 = generator.stalls();
            CpuTimes c1 = CpuTimes.read(BenchNetwork.GATEWAY_CPU);
            CpuTimes gc1 = CpuTimes.read(GENERATOR_CPU);
            long t1 = System.nanoTime();
            generator.pause();
            double secs = (t1 - t0) / 1e9;
            double offered = (g1 - g0) / secs;
            double dropped = (s1[SinkCounters.ALL] - s0[SinkCounters.ALL]) / secs;
            log("generator check: offers %.3f Mpps into an XDP_DROP on %s (%.3f Mpps dropped there, refused %.0f/s,"
                    + " CPU0 %.0f%% busy, CPU1 %.0f%% busy)", offered / 1e6, net.inDevice(), dropped / 1e6,
                    (f1 - f0) / secs, gc1.busyFractionSince(gc0) * 100, c1.busyFractionSince(c0) * 100);
            if (generator.failure() != null) {
                throw new IOException("generator stopped: " + generator.failure());
            }
            return new double[] {offered, (f1 - f0) / secs, gc1.busyFractionSince(gc0), c1.busyFractionSince(c0)};
        } finally {
            generator.pause();
            sleep(0.2);
            net.detachXdp(net.gw(), net.inDevice());
        }
    }

    private RoundResult measure(ForwardingPath path, int round) throws Exception {
        return switch (path) {
            case K -> {
                net.addKernelRoute();
                try {
                    yield window(path, round, SinkCounters.PLAIN_UDP, null);
                } finally {
                    net.deleteKernelRoute();
                }
            }
            case G -> gateway(path, round, BenchConfigs.tun(socketDir.socket("gateway.sock"),
                    options.newFlowQueue()));
            case X -> gateway(path, round, BenchConfigs.xdp(net.inDevice(), net.outDevice(),
                    socketDir.socket("gateway.sock")));
            case L -> {
                int prog = net.attachXdp(net.gw(), net.inDevice(), options.bpfDir().resolve("bench_encap.o"));
                try {
                    net.writeEncapConfig(BenchNetwork.mapIdOf(prog));
                    yield window(path, round, SinkCounters.IPIP_UDP, null);
                } finally {
                    net.detachXdp(net.gw(), net.inDevice());
                    net.pinNapi();
                }
            }
        };
    }

    private RoundResult gateway(ForwardingPath path, int round, String config) throws Exception {
        Path conf = workDir.resolve("gateway-" + path.letter() + ".conf");
        Files.writeString(conf, config);
        Path launcher = options.gatewayHome().resolve("bin/dsr-gateway").toAbsolutePath();
        Path log = workDir.resolve("gateway-" + path.letter() + "-round" + round + ".log");
        ManagedProcess gw = ManagedProcess.start("gateway-" + path.letter(), net.gw(),
                List.of("taskset", "-c", String.valueOf(BenchNetwork.GATEWAY_CPU), launcher.toString(), "run",
                        "--config", conf.toString()), log, Map.of());
        try {
            try {
                gw.awaitLine(GATEWAY_READY, Duration.ofSeconds(90));
            } catch (IOException e) {
                gw.stop(Duration.ofSeconds(5));
                return RoundResult.notMeasured(path.letter(), round, gatewayError(gw));
            }
            RoundResult r = window(path, round, SinkCounters.IPIP_UDP, gw);
            if (!gw.alive()) {
                return RoundResult.notMeasured(path.letter(), round, "the gateway exited during the window: "
                        + gatewayError(gw));
            }
            return r;
        } finally {
            gw.stop(ManagedProcess.DEFAULT_GRACE);
            // The gateway's XDP program (X) is gone with it: a new NAPI kthread to pin.
            net.pinNapi();
        }
    }

    /** The gateway's own error line ("dsr-gateway: run: ..."), else its first ERROR or exception line. */
    static String gatewayError(ManagedProcess gw) {
        Integer code = null;
        try {
            code = gw.awaitExit(Duration.ofMillis(100));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gatewayError(gw.tail(40), "the gateway " + (code == null ? "stopped answering" : "exited with code "
                + code) + " (log " + gw.log() + ")");
    }

    /**
     * The message of the last "dsr-gateway: [run: ]MESSAGE" line of {@code logTail} that is not the ready line; else
     * its first line with ERROR or Exception; else {@code otherwise}.
     */
    static String gatewayError(String logTail, String otherwise) {
        String error = null;
        String exception = null;
        for (String line : logTail.split("\n")) {
            String l = line.strip();
            var m = GATEWAY_ERROR.matcher(l);
            if (m.matches() && !GATEWAY_READY.matcher(l).find()) {
                error = m.group(1).strip();
            } else if (exception == null && (l.contains("ERROR") || l.contains("Exception"))) {
                exception = l;
            }
        }
        return error != null ? error : exception != null ? exception : otherwise;
    }

    /**
     * Warm-up, then one window: sink counter {@code kind} and CPU1 time before and after, generator paused again at
     * the end.
     */
    private RoundResult window(ForwardingPath path, int round, int kind, ManagedProcess gateway) throws Exception {
        net.pinNapi();
        generator.resume();
        try {
            sleep(options.warmup());
            if (gateway != null && !gateway.alive()) {
                return RoundResult.notMeasured(path.letter(), round, "the gateway exited during the warm-up: "
                        + gatewayError(gateway));
            }
            // Again: a gateway may attach its XDP program after its ready line, which re-creates the kthread.
            net.pinNapi();
            long t0 = System.nanoTime();
            CpuTimes c0 = CpuTimes.read(BenchNetwork.GATEWAY_CPU);
            long[] s0 = net.readSink();
            long g0 = generator.sent();
            long f0 = generator.stalls();
            sleep(options.seconds());
            long t1 = System.nanoTime();
            CpuTimes c1 = CpuTimes.read(BenchNetwork.GATEWAY_CPU);
            long[] s1 = net.readSink();
            long g1 = generator.sent();
            long f1 = generator.stalls();
            double secs = (t1 - t0) / 1e9;
            long delivered = s1[kind] - s0[kind];
            if (generator.failure() != null) {
                throw new IOException("generator stopped: " + generator.failure());
            }
            if (delivered <= 0) {
                long other = s1[SinkCounters.ALL] - s0[SinkCounters.ALL];
                return RoundResult.notMeasured(path.letter(), round, "nothing of the expected kind ("
                        + (kind == SinkCounters.IPIP_UDP ? "IPIP" : "plain UDP") + ") reached the sink; " + other
                        + " frames of other kinds did");
            }
            return RoundResult.measured(path.letter(), round, delivered / secs, (g1 - g0) / secs,
                    (double) c1.busyNsSince(c0) / delivered, c1.busyFractionSince(c0), (f1 - f0) / secs);
        } finally {
            generator.pause();
            sleep(0.3); // let the rings drain before the next configuration
        }
    }

    private void checkHost() throws IOException, CommandException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IOException("needs root (namespaces, XDP, AF_PACKET): run as root");
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            // availableProcessors honours the affinity mask: scripts/bench pins this JVM to CPU0, so count all.
            String online = Files.readString(Path.of("/sys/devices/system/cpu/online")).strip();
            if (online.equals("0")) {
                throw new IOException("needs 2 CPUs (generator on CPU0, gateway on CPU1); online: " + online);
            }
        }
        for (String tool : List.of("ip", "ethtool", "bpftool", "taskset")) {
            if (!Commands.run(List.of("sh", "-c", "command -v " + tool)).ok()) {
                throw new IOException(tool + " not found (expected: Debian packages iproute2, ethtool, bpftool,"
                        + " util-linux)");
            }
        }
        for (String obj : List.of("bench_sink.o", "bench_encap.o")) {
            if (!Files.isRegularFile(options.bpfDir().resolve(obj))) {
                throw new IOException(options.bpfDir().resolve(obj) + " not found (expected: built by"
                        + " `mvn package` of test-harness, which needs clang)");
            }
        }
        EnumSet<ForwardingPath> needGateway = EnumSet.of(ForwardingPath.G, ForwardingPath.X);
        needGateway.retainAll(options.configs());
        if (!needGateway.isEmpty() && !Files.isExecutable(options.gatewayHome().resolve("bin/dsr-gateway"))) {
            throw new IOException(options.gatewayHome().resolve("bin/dsr-gateway") + " not found (expected: the"
                    + " gateway distribution built by `mvn package`, or --gateway-home DIR)");
        }
    }

    private static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }

    private static void log(String format, Object... args) {
        System.err.println("bench forwarding: " + String.format(Locale.ROOT, format, args));
    }
}
