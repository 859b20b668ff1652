package io.dsrgw.harness.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.SocketDir;
import io.dsrgw.harness.scenario.Distributions;

/**
 * The real-kernel DSR lab: the real {@code dsr-gateway run} in the gateway namespace of a {@link VmNetwork}, a
 * backend VM behind the tap with its DSR side configured by a {@link BackendSetup} and an HTTP server (busybox
 * httpd) on the VIPs, and a client namespace in front.
 * <pre>
 *  client ─► gateway ns: dsr0 (TUN) ─ dsr-gateway ─► raw socket ─► vtap0 ══► VM eth0 ─► tunnel dev ─► lo (VIP)
 *    ▲                                                                                                 │
 *    └────── forwarded by the gateway ns kernel (not the gateway) ◄── vtap0 ◄── eth0 ◄── reply ◄───────┘
 * </pre>
 * The JDK ({@code /jdk}) and the agent distribution ({@code /opt/dsr-agent}) are shared read-only into the VM over
 * 9p, so the agent's kernel mode can run there through {@link #agentCommand}. nftables counters on the tap of the
 * gateway namespace prove that replies leave the VM unencapsulated.
 */
public final class KernelLab implements AutoCloseable {
    public static final String GUEST_JDK = "/jdk";
    public static final String GUEST_AGENT_HOME = "/opt/dsr-agent";
    public static final String GATEWAY_DEVICE = "dsr0";
    public static final Pattern GATEWAY_READY = Pattern.compile("dsr-gateway: forwarding \\d+ VIPs? on ");
    /** What busybox httpd serves on the VIPs; followed by the guest's {@code uname -r}. */
    public static final String BODY_PREFIX = "hello from real-kernel backend ";
    static final String NFT_TABLE = "dsrgw_vm";
    private static final Pattern COUNTER = Pattern.compile(
            "counter\\s+(\\S+)\\s*\\{[^}]*?packets\\s+(\\d+)\\s+bytes\\s+(\\d+)", Pattern.DOTALL);
    private static final Logger LOG = LoggerFactory.getLogger(KernelLab.class);

    private final Path workDir;
    private final Distributions dists;
    private final BackendSetup setup;
    private VmNetwork network;
    private SocketDir sockets;
    private Vm vm;
    private ManagedProcess gateway;
    private TunnelCase gatewayCase;

    private KernelLab(Path workDir, Distributions dists, BackendSetup setup) {
        this.workDir = workDir;
        this.dists = dists;
        this.setup = setup;
    }

    /**
     * Prepares the kernel (cached), builds the initramfs, creates the namespaces, boots the VM, applies the backend
     * setup, starts the HTTP server and installs the counters. On failure everything created so far is removed.
     */
    public static KernelLab start(Path workDir, Distributions dists, BackendSetup setup) throws IOException {
        KernelLab lab = new KernelLab(workDir, dists, setup);
        try {
            lab.startAll();
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void startAll() throws IOException {
        Files.createDirectories(workDir);
        sockets = SocketDir.create();
        Path jdk = Path.of(System.getProperty("java.home"));
        KernelImage kernel = KernelImage.prepare();
        Path initramfs = workDir.resolve("initramfs.cpio");
        long bytes = Initramfs.builder(kernel).librariesFor(jdk).build(initramfs);
        LOG.info("initramfs {} ({} KiB)", initramfs, bytes / 1024);
        network = VmNetwork.create();
        Vm.Spec spec = new Vm.Spec(kernel, initramfs, network.gateway(), VmNetwork.TAP, 512,
                VmNetwork.GUEST4 + "/24", VmNetwork.HOST4, VmNetwork.GUEST6 + "/64", VmNetwork.HOST6,
                List.of(new Vm.Share(jdk, "jdk", GUEST_JDK),
                        new Vm.Share(dists.agentHome(), "agent", GUEST_AGENT_HOME)),
                workDir.resolve("vm"), Duration.ofSeconds(180));
        network.recordQemu(spec.pidFile());
        vm = Vm.boot(spec);
        setup.apply(vm);
        vm.check("mkdir -p /www && echo \"" + BODY_PREFIX + "$(uname -r)\" > /www/index.html && httpd -p "
                + TunnelCase.VIP_PORT + " -h /www");
        installCounters();
    }

    /**
     * The shell command that runs {@code dsr-agent ARGS} inside the VM from the shared distribution (its bash
     * launcher, the shared JDK). Quote the arguments for sh yourself.
     */
    public static String agentCommand(String args) {
        return "JAVA_HOME=" + GUEST_JDK + " " + GUEST_AGENT_HOME + "/bin/dsr-agent " + args;
    }

    /**
     * (Re)starts the gateway configured for {@code c}: one VIP (the case's family, TCP 80) to the VM's address of
     * the outer family. Throws {@link UnsupportedCaseException} when the gateway refuses the configuration as
     * "not supported yet" (its log says which setting).
     */
    public ManagedProcess startGateway(TunnelCase c) throws IOException {
        stopGateway();
        Path conf = workDir.resolve("gateway-" + c.name().toLowerCase() + ".conf");
        Files.writeString(conf, gatewayConfig(c, sockets.socket("gateway.sock")));
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"));
        ManagedProcess p = ManagedProcess.start("gateway-" + c.name().toLowerCase(), null,
                VmNetwork.wrap(network.gateway(), List.of(dists.gatewayLauncher().toString(), "run", "--config",
                        conf.toString())), workDir.resolve("gateway-" + c.name().toLowerCase() + ".log"), env);
        try {
            p.awaitLine(GATEWAY_READY, Duration.ofSeconds(60));
        } catch (IOException e) {
            p.close();
            String log = p.readLog();
            Matcher m = Pattern.compile(".*not supported yet.*").matcher(log);
            if (!p.alive() && m.find()) {
                throw new UnsupportedCaseException(c, m.group().strip());
            }
            throw e;
        }
        gateway = p;
        gatewayCase = c;
        return p;
    }

    /** Stops the gateway (SIGTERM; it removes its TUN and routes); no-op when none runs. */
    public void stopGateway() {
        if (gateway != null) {
            gateway.close();
            gateway = null;
            gatewayCase = null;
        }
    }

    /**
     * The gateway config for one case (schema: contract.md); addresses quoted for HOCON (IPv6 has colons); the admin
     * socket at {@code adminSocket} (a short path: the work directory's may be too long for a unix socket).
     * {@code egress = raw}: the lab counts the gateway's tunnel packets to the VM in the gateway namespace's
     * POSTROUTING hook ({@link #installCounters}), which the default AF_PACKET egress bypasses by design.
     */
    static String gatewayConfig(TunnelCase c, Path adminSocket) {
        String source = c.outerFamily() == 4 ? "ipv4 = \"" + c.tunnelSource() + "\""
                : "ipv6 = \"" + c.tunnelSource() + "\"";
        return """
                # Written by io.dsrgw.harness.vm.KernelLab for case %s (%s).
                dsrgw.gateway {
                  ingress { kind = tun, device = %s, queues = 1, egress = raw }
                  tunnel-source { %s }
                  hash-seed = "dsrgw-vm-lab"
                  vips = [{
                    name = web, address = "%s", protocol = tcp, ports = [%d], tunnel = %s%s
                    backends = [{ address = "%s" }]
                  }]
                  admin { socket = "%s", http = "127.0.0.1:9180" }
                }
                """.formatted(c.name(), c.describe(), GATEWAY_DEVICE, source, c.vip(), TunnelCase.VIP_PORT,
                c.gatewayTunnel(), c.greKey() != null ? ", gre-key = " + c.greKey() : "", c.backendAddress(),
                adminSocket);
    }

    /** One HTTP GET from the client namespace. */
    public record HttpResult(int curlExit, String body, String error) {
        public boolean ok() {
            return curlExit == 0 && body.startsWith(BODY_PREFIX);
        }
    }

    /** {@code curl URL} from the client namespace with a total timeout. */
    public HttpResult http(String url, Duration timeout) throws CommandException {
        Commands.Result r = Commands.run(VmNetwork.wrap(network.client(), List.of("curl", "-sS", "-g", "--max-time",
                String.valueOf(Math.max(1, timeout.toSeconds())), url)), timeout.plusSeconds(5));
        return new HttpResult(r.exitCode(), r.stdout(), r.stderr().strip());
    }

    /**
     * Evidence of one HTTP exchange through the VIP for {@code c} (the gateway must run for {@code c}).
     *
     * @param decapsulated  rx_packets growth of the case's tunnel device in the VM
     * @param plainReplies  TCP packets from the VIP arriving on the tap (unencapsulated replies)
     * @param tunneledReplies packets of protocol 4/41/47 or GUE from the VM arriving on the tap (must be 0)
     * @param toVmTunneled  packets of protocol 4/41/47 or GUE the gateway namespace sent to the VM
     */
    public record Exchange(TunnelCase tunnelCase, String device, HttpResult http, long decapsulated,
                           long plainReplies, long tunneledReplies, long toVmTunneled, double seconds) {
        public String summary() {
            return String.format("%s (%s): curl exit %d%s, %d packets decapsulated on %s, %d plain replies, %d"
                            + " encapsulated replies, %d tunnel packets to the VM, %.2f s", tunnelCase,
                    tunnelCase.describe(), http.curlExit(), http.ok() ? "" : " [" + http.error() + "] body '"
                            + http.body().strip() + "'", decapsulated, device, plainReplies, tunneledReplies,
                    toVmTunneled, seconds);
        }
    }

    /** Resets the counters, runs one GET of {@code c.url()} and collects the evidence. */
    public Exchange exchange(TunnelCase c, Duration timeout) throws IOException {
        if (gatewayCase != c) {
            throw new IllegalStateException("the gateway runs for " + gatewayCase + ", not " + c
                    + " (expected: startGateway(" + c + ") first)");
        }
        String device = setup.device(vm, c);
        resetCounters();
        long before = vm.rxPackets(device);
        long t0 = System.nanoTime();
        HttpResult http = http(c.url(), timeout);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = vm.rxPackets(device);
        Map<String, Long> n = counters();
        String f = c.innerFamily() == 4 ? "4" : "6";
        String o = c.outerFamily() == 4 ? "4" : "6";
        return new Exchange(c, device, http, after - before, n.get("plain_from_vip" + f),
                n.get("tunnel_from_vm" + o), n.get("tunnel_to_vm" + o), seconds);
    }

    /** Whether anything on the tap answers an ARP request for {@code address} (busybox arping, 2 tries). */
    public boolean arpAnswered(String address) throws CommandException {
        // Forget earlier answers first, so that only this probe counts.
        Commands.run(VmNetwork.wrap(network.gateway(), List.of("ip", "neigh", "flush", "dev", VmNetwork.TAP)));
        Commands.Result r = Commands.run(VmNetwork.wrap(network.gateway(), List.of(VmRequirements.BUSYBOX, "arping",
                "-q", "-c", "2", "-w", "3", "-I", VmNetwork.TAP, address)), Duration.ofSeconds(10));
        return r.ok();
    }

    /**
     * Counters (prerouting on the tap, postrouting to the tap) in the gateway namespace; rules only count, they
     * never drop. IPv4 and IPv6 variants, so every case is covered.
     */
    private void installCounters() throws IOException {
        String t = "inet " + NFT_TABLE;
        String in = "iifname \"" + VmNetwork.TAP + "\" ";
        String out = "oifname \"" + VmNetwork.TAP + "\" ";
        Map<String, String> pre = new LinkedHashMap<>();
        pre.put("plain_from_vip4", in + "ip saddr " + TunnelCase.VIP4 + " meta l4proto tcp");
        pre.put("plain_from_vip6", in + "ip6 saddr " + TunnelCase.VIP6 + " meta l4proto tcp");
        pre.put("tunnel_from_vm4", in + "ip saddr " + VmNetwork.GUEST4 + " meta l4proto { 4, 41, 47 }");
        pre.put("tunnel_from_vm6", in + "ip6 saddr " + VmNetwork.GUEST6 + " meta l4proto { 4, 41, 47 }");
        // GUE (issue 15): UDP to the gue-port counts as tunnel packets too, into the same counters
        pre.put("tunnel_from_vm4 gue", in + "ip saddr " + VmNetwork.GUEST4 + " udp dport " + TunnelCase.GUE_PORT);
        pre.put("tunnel_from_vm6 gue", in + "ip6 saddr " + VmNetwork.GUEST6 + " udp dport " + TunnelCase.GUE_PORT);
        Map<String, String> post = new LinkedHashMap<>();
        post.put("tunnel_to_vm4", out + "ip daddr " + VmNetwork.GUEST4 + " meta l4proto { 4, 41, 47 }");
        post.put("tunnel_to_vm6", out + "ip6 daddr " + VmNetwork.GUEST6 + " meta l4proto { 4, 41, 47 }");
        post.put("tunnel_to_vm4 gue", out + "ip daddr " + VmNetwork.GUEST4 + " udp dport " + TunnelCase.GUE_PORT);
        post.put("tunnel_to_vm6 gue", out + "ip6 daddr " + VmNetwork.GUEST6 + " udp dport " + TunnelCase.GUE_PORT);
        StringBuilder s = new StringBuilder("add table " + t + "\n");
        s.append("add chain ").append(t).append(" pre { type filter hook prerouting priority -300; }\n");
        s.append("add chain ").append(t).append(" post { type filter hook postrouting priority 300; }\n");
        for (var e : pre.entrySet()) {
            String name = e.getKey().split(" ")[0]; // "NAME gue": a second rule counting into NAME
            if (!e.getKey().contains(" ")) {
                s.append("add counter ").append(t).append(' ').append(name).append('\n');
            }
            s.append("add rule ").append(t).append(" pre ").append(e.getValue()).append(" counter name ")
                    .append(name).append('\n');
        }
        for (var e : post.entrySet()) {
            String name = e.getKey().split(" ")[0];
            if (!e.getKey().contains(" ")) {
                s.append("add counter ").append(t).append(' ').append(name).append('\n');
            }
            s.append("add rule ").append(t).append(" post ").append(e.getValue()).append(" counter name ")
                    .append(name).append('\n');
        }
        Path file = workDir.resolve("counters.nft");
        Files.writeString(file, s.toString());
        VmNetwork.exec(network.gateway(), "nft", "-f", file.toString());
    }

    /** Zeroes every counter of the lab's table. */
    public void resetCounters() throws CommandException {
        VmNetwork.exec(network.gateway(), "nft", "reset", "counters", "table", "inet", NFT_TABLE);
    }

    /** Packet counts by counter name. */
    public Map<String, Long> counters() throws CommandException {
        String text = VmNetwork.exec(network.gateway(), "nft", "list", "counters", "table", "inet", NFT_TABLE)
                .stdout();
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = COUNTER.matcher(text);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return out;
    }

    public Vm vm() {
        return vm;
    }

    public VmNetwork network() {
        return network;
    }

    public BackendSetup setup() {
        return setup;
    }

    /** The running gateway process, or null. */
    public ManagedProcess gateway() {
        return gateway;
    }

    /** Gateway log tail and VM console tail, for failure messages. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        if (gateway != null) {
            sb.append(gateway.tailBlock()).append('\n');
        }
        if (vm != null) {
            sb.append(vm.consoleTail(20));
        }
        return sb.toString();
    }

    /** Gateway, then qemu, then the namespaces. Idempotent. */
    @Override
    public void close() {
        stopGateway();
        if (vm != null) {
            vm.close();
        }
        if (network != null) {
            network.close();
        }
        if (sockets != null) {
            sockets.close();
        }
    }
}
