package io.dsrgw.harness.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.HostRequirements;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.DsrEvidence;
import io.dsrgw.harness.scenario.DsrScenario;
import io.dsrgw.harness.scenario.ScenarioConfigs;
import io.dsrgw.harness.scenario.Distributions;
import io.dsrgw.harness.scenario.TunnelCombination;
import io.dsrgw.harness.scenario.TunnelEvidence;
import io.dsrgw.harness.scenario.TunnelMatrixScenario;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.Ping;
import io.dsrgw.harness.traffic.UdpProbe;

/**
 * Builds the DSR topology with N backends, starts the real {@code dsr-agent run} on every backend, an HTTP server
 * on the VIP of each, and {@code dsr-gateway run}; sends requests from the client and prints where they went and
 * the packet counts that show the replies bypassing the gateway; then removes everything (also on Ctrl-C).
 *
 * Options: {@link #USAGE}.
 * The distributions come from the system properties {@code dsrgw.gateway.home} and {@code dsrgw.agent.home}.
 */
public final class Demo {
    /**
     * The help of {@code scripts/demo}, which prints the same text itself before building anything (DemoTest
     * compares the two).
     */
    public static final String USAGE = """
            usage: scripts/demo [--requests N] [--backends N] [--tunnels | --xdp] [--hold] [--work DIR]
            Builds dsrgw, then runs a client, a router, dsr-gateway and backends with dsr-agent in
            network namespaces, sends HTTP requests to the VIP and shows that the replies bypass the
            gateway. Removes everything it created on exit (also on Ctrl-C). Needs root.
              --requests N   requests to send, each on a new TCP connection (default 30)
              --backends N   number of backends, 1..%d (default 3)
              --tunnels      instead: every tunnel kind (ipip, sit, gre, ip6tnl, ip6gre), one VIP each
              --xdp          the gateway with ingress.kind = xdp: its XDP program forwards the VIP in the kernel
              --hold         keep everything running until Ctrl-C, to explore with ip netns exec
              --work DIR     directory for configs and process logs (default test-harness/target/demo)
              -h, --help     print this help and exit
            Environment: DSRGW_DEMO_NO_BUILD=1 skips the build and reuses the jars of an earlier one.
            """.formatted(Topology.MAX_BACKENDS);

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        int requests = 30;
        int backends = 3;
        Path work = Path.of("test-harness/target/demo");
        boolean hold = false;
        boolean tunnels = false;
        boolean xdp = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--requests" -> requests = Integer.parseInt(args[++i]);
                    case "--backends" -> backends = Integer.parseInt(args[++i]);
                    case "--work" -> work = Path.of(args[++i]);
                    case "--hold" -> hold = true;
                    case "--tunnels" -> tunnels = true;
                    case "--xdp" -> xdp = true;
                    case "-h", "--help" -> {
                        usage(null);
                        return;
                    }
                    default -> usage("unknown argument: " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            usage("bad arguments: " + String.join(" ", args) + " (" + e.getMessage() + ")");
        }
        if (tunnels && xdp) {
            usage("--tunnels and --xdp are separate demos");
        }
        if (requests < 1 || backends < 1 || backends > Topology.MAX_BACKENDS) {
            usage("--requests must be >= 1 and --backends 1.." + Topology.MAX_BACKENDS);
        }
        HostRequirements.Check host = HostRequirements.netns();
        if (!host.available()) {
            fail("cannot build namespaces: " + host.cause());
        }
        String[] tools = xdp ? new String[] {"nft", "curl", "ping", "ethtool", "clang"} : new String[] {"nft", "curl", "ping"};
        for (String tool : tools) {
            HostRequirements.Check t = HostRequirements.tool(tool);
            if (!t.available()) {
                fail(t.cause());
            }
        }
        Distributions dists = Distributions.fromSystemProperties();
        if (dists.problem() != null) {
            fail(dists.problem());
        }
        Files.createDirectories(work);
        work = Files.createTempDirectory(work.toAbsolutePath(), "run-");
        if (tunnels) {
            runTunnels(dists, work, requests, backends, hold);
        } else {
            run(dists, work, requests, backends, hold, xdp);
        }
    }

    private static void runTunnels(Distributions dists, Path work, int requests, int backends, boolean hold)
            throws IOException, InterruptedException {
        say("dsrgw demo: every tunnel kind, one VIP each, " + backends + " dual-stack backends");
        say("  client 10.0.1.2 fd00:1::2 -> router --(VIP/32, VIP/128 via the gateway)--> gateway 10.0.2.2 fd00:2::2");
        say("  gateway --(outer IPv4 to 10.0.3.11.. or outer IPv6 to fd00:3::11..)--> backends; replies direct");
        say("starting; logs in " + work.resolve("logs"));
        long t0 = System.nanoTime();
        Path upload = work.resolve("upload.bin");
        try (java.io.OutputStream out = Files.newOutputStream(upload)) {
            Blob.write(2L << 20, out);
        }
        TunnelMatrixScenario.Options defaults = TunnelMatrixScenario.Options.defaults(work);
        boolean ok = true;
        try (TunnelMatrixScenario s = TunnelMatrixScenario.start(new TunnelMatrixScenario.Options(
                defaults.combinations(), backends, work, dists, defaults.javaCommand(), defaults.classpath(),
                defaults.readyTimeout()))) {
            say(String.format("ready in %.1f s: topology %s", (System.nanoTime() - t0) / 1e9, s.topology().prefix()));
            say("");
            say(String.format("%-24s %-12s %-21s %-23s %-12s %-11s %s", "combination", "VIP", "requests per backend",
                    "outer on the wire", "upload 2 MB", "udp 4000 B", "ping"));
            for (TunnelCombination c : defaults.combinations()) {
                s.resetCounters();
                DsrScenario.Spread spread = s.spread(c, requests);
                TunnelEvidence e = s.evidence(c);
                String outer = TunnelEvidence.outerKey(c);
                boolean dsr = e.gatewayInFromVip() == 0 && e.routerToGatewayFromVip() == 0
                        && e.gatewayOut(outer) == e.gatewayInToVip() && e.gatewayOut(outer) > 0;
                Curl.Upload u = s.upload(c, upload, Duration.ofSeconds(10));
                UdpProbe.Result udp = s.udp(c, 4000);
                Ping.Result ping = s.ping(c, 3);
                boolean row = dsr && spread.failures().isEmpty() && u.intact() && udp.ok() && ping.allAnswered()
                        && spread.perBackend().values().stream().allMatch(n -> n > 0);
                ok &= row;
                say(String.format("%-24s %-12s %-21s %-23s %-12s %-11s %s%s", c.label(), c.vip(),
                        spread.perBackend().values(), (dsr ? "" : "NOT DSR ") + outerName(c) + " x" + e.gatewayOut(
                                outer), u.intact() ? String.format("ok %.2f s", u.response().seconds()) : "FAILED",
                        udp.ok() ? "ok " + udp.backend() : "FAILED", ping.received() + "/" + ping.sent(),
                        row ? "" : "   <-- see " + work.resolve("logs")));
            }
            say("");
            say("outer on the wire: tunnel packets the gateway sent for the requests (nft counters);");
            say("no reply passed the gateway: they went backend -> router -> client.");
            if (hold) {
                say("holding; try: ip netns exec " + s.client().name() + " curl -g http://[fd00:100::7]/   (Ctrl-C to"
                        + " clean up)");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
        say(ok ? "done." : "demo FAILED; process logs: " + work.resolve("logs"));
        if (!ok) {
            System.exit(1);
        }
    }

    private static String outerName(TunnelCombination c) {
        String proto = switch (c.outerProtocol()) {
            case 4 -> "ipip";
            case 41 -> "ipv6";
            default -> "gre";
        };
        return "IPv" + c.outerFamily() + "/" + proto + (c.greKey() != null ? "+key" : "")
                + (c.greChecksum() ? "+csum" : "");
    }

    private static void run(Distributions dists, Path work, int requests, int backends, boolean hold, boolean xdp)
            throws IOException, InterruptedException {
        say("dsrgw demo: L3 direct server return with IP-in-IP, " + backends + " backends, VIP " + DsrScenario.VIP
                + ":" + DsrScenario.VIP_PORT);
        say("  client 10.0.1.2 -> router --(VIP/32 via 10.0.2.2)--> gateway 10.0.2.2 [dsr-gateway run]");
        say("                      ^                                    | IP-in-IP, outer 10.0.2.2 -> backend");
        say("                      |                                    v");
        say("                      +--- replies from the VIP, direct -- backends 10.0.3.11.. [dsr-agent + HTTP]");
        say("starting (namespaces, " + backends + " agents, " + backends + " HTTP servers, the gateway); logs in "
                + work.resolve("logs"));
        long t0 = System.nanoTime();
        if (xdp) {
            say("  ingress.kind = xdp: an XDP program on the gateway's eth0 encapsulates and sends back (XDP_TX) in the"
                    + " kernel; what it passes (ICMP, too big, ...) is routed into the TUN dsr0 (the Java slow path)");
        }
        DsrScenario.Builder builder = DsrScenario.builder().backends(backends).workDir(work).distributions(dists);
        if (xdp) {
            builder.xdpGatewayLink().gatewayConfig((b, socket) -> ScenarioConfigs.xdpIngress(ScenarioConfigs.gateway(
                    DsrScenario.VIP, List.of(DsrScenario.VIP_PORT), b, socket), List.of(Topology.LEAF_DEVICE), "native"));
        }
        try (DsrScenario s = builder.start()) {
            say(String.format("ready in %.1f s: topology %s, gateway pid %d, agents %s", (System.nanoTime() - t0) / 1e9,
                    s.topology().prefix(), s.gateway().pid(),
                    s.agents().stream().map(p -> p.name() + "=" + p.pid()).toList()));
            say("");
            say("$ for i in $(seq " + requests + "); do ip netns exec " + s.client().name() + " curl -s "
                    + DsrScenario.url("/") + "; done");
            s.resetCounters();
            DsrScenario.Spread spread = s.spread(requests);
            say("requests per backend (each request on a new TCP connection, Maglev on the 5-tuple):");
            for (Backend b : s.topology().backends()) {
                int n = spread.perBackend().getOrDefault(b.name(), 0);
                say(String.format("  %-3s %-10s %3d  %s", b.name(), b.address(), n, "#".repeat(n)));
            }
            for (Map.Entry<String, Integer> e : spread.perBackend().entrySet()) {
                if (s.topology().backends().stream().noneMatch(b -> b.name().equals(e.getKey()))) {
                    say("  unexpected answer " + e.getKey() + ": " + e.getValue());
                }
            }
            if (!spread.failures().isEmpty()) {
                say("  FAILED requests: " + spread.failures());
            }
            long blobBytes = 4L << 20;
            Curl.Download d = Curl.download(s.client(), DsrScenario.url("/blob?bytes=" + blobBytes),
                    work.resolve("blob.bin"), Duration.ofSeconds(60));
            boolean blobOk = d.response().ok() && d.sha256Hex().equals(Blob.sha256Hex(blobBytes));
            say(String.format("download of %d MiB from %s: %s in %.2f s, sha256 %s", blobBytes >> 20,
                    d.response().headers().getOrDefault("x-backend", "?"),
                    d.response().ok() ? "HTTP 200" : d.response().describe(), d.response().seconds(),
                    blobOk ? "matches" : "MISMATCH (" + d.sha256Hex() + ")"));
            Files.deleteIfExists(d.file());
            DsrEvidence e = s.evidence();
            say("");
            say("packet counts during the run (nftables counters in each namespace):");
            say(e.summary().indent(2).stripTrailing());
            // With XDP the program sends most packets before netfilter sees them: count at the backends instead.
            boolean dsr = xdp
                    ? e.gatewayInFromVip() == 0 && e.gatewayOutFromVip() == 0 && e.clientSentToVip() > 0
                    && e.backendIpipInTotal() == e.clientSentToVip() && e.routerRepliesToClient() > 0
                    : e.gatewayInFromVip() == 0 && e.gatewayOutFromVip() == 0 && e.gatewayInClientToVip() > 0
                    && e.gatewayOutIpip() == e.gatewayInClientToVip() && e.routerRepliesToClient() > 0;
            say("");
            say(xdp && dsr ? String.format("DSR with XDP: the client sent %d packets to the VIP, the backends received"
                    + " %d IP-in-IP from the gateway, only %d of them through the gateway's netfilter (the slow path);"
                    + " the %d bytes of replies went backend -> router -> client, 0 packets from the VIP touched the"
                    + " gateway.", e.clientSentToVip(), e.backendIpipInTotal(), e.gatewayInClientToVip(),
                    e.clientGotFromVipBytes())
                    : dsr ? String.format("DSR: the gateway took in %d client->VIP packets (%d bytes) and sent %d"
                    + " IP-in-IP;"
                    + " the %d bytes of replies went backend -> router -> client, 0 packets from the VIP touched"
                    + " the gateway.", e.gatewayInClientToVip(), e.gatewayInIpv4Bytes(), e.gatewayOutIpip(),
                    e.clientGotFromVipBytes())
                    : "NOT DSR as expected: see the counts above and the logs in " + work.resolve("logs"));
            boolean ok = dsr && blobOk && spread.failures().isEmpty()
                    && spread.perBackend().values().stream().allMatch(n -> n > 0);
            if (hold) {
                say("");
                say("holding; try: ip netns exec " + s.client().name() + " curl -s " + DsrScenario.url("/")
                        + "   (Ctrl-C to clean up)");
                Thread.sleep(Long.MAX_VALUE);
            }
            DsrScenario.GatewayExit exit = s.stopGateway();
            say("");
            say("gateway stopped (exit " + exit.exitCode() + "); the counters it printed (README: Counters):");
            for (Map.Entry<String, Long> c : exit.counters().entrySet()) {
                say(String.format("  %-27s %d", c.getKey(), c.getValue()));
            }
            explainNotVip(exit.counters(), e);
            if (xdp) {
                say("  xdp_* are the XDP program's (fast path: xdp_tx + xdp_redirect sent, xdp_pass_* handed to the"
                        + " kernel); rx_packets/tx_packets the TUN pipeline's (slow path)");
            }
            say("cleaning up: stopping agents and HTTP servers, deleting namespaces " + s.topology().prefix() + "-*");
            if (!ok) {
                say("demo FAILED; process logs: " + work.resolve("logs"));
                for (ManagedProcess p : s.agents()) {
                    System.out.println(p.tailBlock());
                }
                System.out.println(s.gateway().tailBlock());
                s.close();
                System.exit(1);
            }
        }
        say("done.");
    }

    /**
     * Says what the gateway's drop_not_vip packets were. Captured with tcpdump on the gateway's TUN during the demo:
     * two MLDv2 reports from :: to ff02::16 ("listening to ff02::2", the all-routers group a device joins when IPv6
     * forwarding is on), which the kernel writes into the TUN as it comes up (it has no address, addrgenmode none),
     * the second being the report's scheduled repetition. The counts below show they did not come from the client.
     */
    private static void explainNotVip(Map<String, Long> counters, DsrEvidence e) {
        long notVip = counters.getOrDefault("drop_not_vip", 0L);
        if (notVip == 0) {
            return;
        }
        long rx = counters.getOrDefault("rx_packets", 0L);
        long tx = counters.getOrDefault("tx_packets", 0L);
        if (tx == e.gatewayInClientToVip() && rx - tx == notVip) {
            say("drop_not_vip " + notVip + ": not from the client (all its " + tx + " packets to the VIP were"
                    + " forwarded); these are");
            say("  the kernel's own IPv6 multicast listener reports (MLDv2, from ::, joining ff02::2, sent twice),");
            say("  written into the gateway's TUN as it comes up with IPv6 forwarding on. The gateway reads");
            say("  whatever enters its TUN and forwards only packets to a configured VIP, protocol and port.");
        } else {
            say("drop_not_vip " + notVip + ": packets in the gateway's TUN not addressed to the VIP's TCP port 80"
                    + " (rx " + rx + ", tx " + tx + ", client->VIP " + e.gatewayInClientToVip() + ")");
        }
    }

    private static void say(String line) {
        System.out.println(line);
    }

    private static void fail(String why) {
        System.err.println("demo: " + why);
        System.exit(1);
    }

    private static void usage(String why) {
        if (why != null) {
            System.err.println("demo: " + why);
        }
        (why == null ? System.out : System.err).print(USAGE);
        if (why != null) {
            System.exit(2);
        }
    }
}
