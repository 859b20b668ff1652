package io.dsrgw.harness.bench.forwarding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.harness.netns.Cleanup;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

/**
 * The benchmark's path, three fresh namespaces (xdp-on-veth.md, "Measuring forwarding rate"):
 * <pre>
 *   PFX-src  eth0 10.0.1.2 ── PFX-in 10.0.1.1  PFX-gw  PFX-out 10.0.2.1 ── eth0 10.0.2.2  PFX-dst
 *   generator (AF_PACKET)      threaded NAPI      VIP 10.100.0.1          bench_sink.o (XDP_DROP, counts)
 *                              on CPU1            udp/5001                 the "backend"
 * </pre>
 * Every setting the recipe found necessary: one rx and one tx queue per veth (so XDP can attach and there is one
 * NAPI); GRO on the receiving veths and TSO and tx checksumming off on the senders (else skbs silently take the
 * backlog path on the sender's CPU and carry unfinished checksums); threaded NAPI on the gateway's ingress veth,
 * its kthread pinned to CPU1 by {@link #pinNapi} (call it after every XDP attach or detach, which re-creates the
 * kthread); the XDP sink on the destination veth, which also makes {@code bpf_redirect} into PFX-out deliver;
 * static neighbours everywhere; IPv6 off (no router solicitations on the path); ip_forward on and rp_filter off in
 * the gateway. Fixed MACs (locally administered) so that frames and the encap config need no lookups.
 *
 * <p>Removed by {@link #close()} (namespaces, and with them links and XDP programs; processes inside killed by
 * PID), also from the JVM shutdown hook ({@link Cleanup}) on Ctrl-C.
 */
public final class BenchNetwork implements AutoCloseable {
    public static final String SRC_ADDRESS = "10.0.1.2";
    public static final String GW_IN_ADDRESS = "10.0.1.1";
    public static final String GW_OUT_ADDRESS = "10.0.2.1";
    public static final String BACKEND_ADDRESS = "10.0.2.2";
    public static final String VIP = "10.100.0.1";
    public static final int VIP_PORT = 5001;
    public static final int FIRST_SOURCE_PORT = 10000;
    public static final String LEAF_DEVICE = "eth0";
    public static final String SRC_MAC = "02:00:0a:00:01:02";
    public static final String GW_IN_MAC = "02:00:0a:00:01:01";
    public static final String GW_OUT_MAC = "02:00:0a:00:02:01";
    public static final String BACKEND_MAC = "02:00:0a:00:02:02";
    /** The CPU that does all the gateway's work. */
    public static final int GATEWAY_CPU = 1;
    private static final Pattern XDP_PROG_ID = Pattern.compile(
            "\"xdp\"\\s*:\\s*\\{.*?\"prog\"\\s*:\\s*\\{\\s*\"id\"\\s*:\\s*(\\d+)");
    private static final Pattern MAP_IDS = Pattern.compile("\"map_ids\"\\s*:\\s*\\[\\s*(\\d+)");
    private static final Pattern IFINDEX = Pattern.compile("\"ifindex\"\\s*:\\s*(\\d+)");

    private final String prefix;
    private final Namespace src;
    private final Namespace gw;
    private final Namespace dst;
    private final List<Namespace> created = new ArrayList<>();
    private int sinkMapId;
    private boolean closed;

    private BenchNetwork(String prefix) {
        this.prefix = prefix;
        this.src = Namespace.of(prefix + "-src");
        this.gw = Namespace.of(prefix + "-gw");
        this.dst = Namespace.of(prefix + "-dst");
    }

    /** Builds the path and attaches the sink ({@code bpfDir/bench_sink.o}); on failure removes what it made. */
    public static BenchNetwork create(String prefix, Path bpfDir) throws CommandException, IOException {
        BenchNetwork n = new BenchNetwork(prefix);
        Cleanup.register(n);
        try {
            n.build(bpfDir);
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void build(Path bpfDir) throws CommandException, IOException {
        for (Namespace ns : List.of(src, gw, dst)) {
            Namespace.create(ns.name());
            created.add(ns);
            ns.sysctl("net.ipv6.conf.all.disable_ipv6", "1");
            ns.sysctl("net.ipv6.conf.default.disable_ipv6", "1");
        }
        gw.ip("link", "add", inDevice(), "address", GW_IN_MAC, "numtxqueues", "1", "numrxqueues", "1", "type", "veth",
                "peer", "name", LEAF_DEVICE, "address", SRC_MAC, "numtxqueues", "1", "numrxqueues", "1",
                "netns", src.name());
        gw.ip("link", "add", outDevice(), "address", GW_OUT_MAC, "numtxqueues", "1", "numrxqueues", "1", "type",
                "veth", "peer", "name", LEAF_DEVICE, "address", BACKEND_MAC, "numtxqueues", "1", "numrxqueues", "1",
                "netns", dst.name());
        src.ip("addr", "add", SRC_ADDRESS + "/24", "dev", LEAF_DEVICE);
        gw.ip("addr", "add", GW_IN_ADDRESS + "/24", "dev", inDevice());
        gw.ip("addr", "add", GW_OUT_ADDRESS + "/24", "dev", outDevice());
        dst.ip("addr", "add", BACKEND_ADDRESS + "/24", "dev", LEAF_DEVICE);
        // Offloads: senders without TSO and tx checksum, receivers with GRO (veth NAPI without XDP needs it).
        src.exec("ethtool", "-K", LEAF_DEVICE, "tx", "off", "tso", "off");
        gw.exec("ethtool", "-K", outDevice(), "tx", "off", "tso", "off");
        gw.exec("ethtool", "-K", inDevice(), "gro", "on");
        dst.exec("ethtool", "-K", LEAF_DEVICE, "gro", "on");
        src.ip("link", "set", LEAF_DEVICE, "up");
        dst.ip("link", "set", LEAF_DEVICE, "up");
        gw.ip("link", "set", inDevice(), "up");
        gw.ip("link", "set", outDevice(), "up");
        src.ip("neigh", "replace", GW_IN_ADDRESS, "lladdr", GW_IN_MAC, "dev", LEAF_DEVICE, "nud", "permanent");
        gw.ip("neigh", "replace", SRC_ADDRESS, "lladdr", SRC_MAC, "dev", inDevice(), "nud", "permanent");
        gw.ip("neigh", "replace", BACKEND_ADDRESS, "lladdr", BACKEND_MAC, "dev", outDevice(), "nud", "permanent");
        dst.ip("neigh", "replace", GW_OUT_ADDRESS, "lladdr", GW_OUT_MAC, "dev", LEAF_DEVICE, "nud", "permanent");
        gw.sysctl("net.ipv4.ip_forward", "1");
        for (String conf : List.of("all", "default", inDevice(), outDevice())) {
            gw.sysctl("net.ipv4.conf." + conf + ".rp_filter", "0");
        }
        // Threaded NAPI on the ingress veth: its XDP program / GRO / forwarding run in a kthread we can pin.
        gw.exec("sh", "-c", "echo 1 > /sys/class/net/" + inDevice() + "/threaded");
        int sinkProg = attachXdp(dst, LEAF_DEVICE, bpfDir.resolve("bench_sink.o"));
        sinkMapId = mapIdOf(sinkProg);
        pinNapi();
    }

    /** The gateway's ingress veth (PFX-in): where the generator's frames arrive. */
    public String inDevice() {
        return prefix + "-in";
    }

    /** The gateway's egress veth (PFX-out), towards the destination. */
    public String outDevice() {
        return prefix + "-out";
    }

    public Namespace src() {
        return src;
    }

    public Namespace gw() {
        return gw;
    }

    public Namespace dst() {
        return dst;
    }

    /** The generator's frames: src -> VIP:5001, flows by UDP source port. */
    public UdpFrames.Spec frames(int flows) {
        return new UdpFrames.Spec(UdpFrames.mac(GW_IN_MAC), UdpFrames.mac(SRC_MAC), Ipv4Addresses.parse(SRC_ADDRESS),
                Ipv4Addresses.parse(VIP), FIRST_SOURCE_PORT, VIP_PORT, flows);
    }

    /** K: the kernel forwards the VIP to the destination. */
    public void addKernelRoute() throws CommandException {
        gw.ip("route", "add", VIP + "/32", "via", BACKEND_ADDRESS, "dev", outDevice());
    }

    public void deleteKernelRoute() throws CommandException {
        gw.ip("route", "del", VIP + "/32", "via", BACKEND_ADDRESS, "dev", outDevice());
    }

    /**
     * {@code ip link set dev DEV xdpdrv obj FILE sec xdp} in {@code ns} (native mode: fails rather than falling
     * back to generic) and returns the attached program's id.
     */
    public int attachXdp(Namespace ns, String device, Path object) throws CommandException {
        if (!Files.isRegularFile(object)) {
            throw new CommandException(object + ": no such BPF object (expected: built by the test-harness build,"
                    + " mvn package)", -1);
        }
        ns.ip("link", "set", "dev", device, "xdpdrv", "obj", object.toString(), "sec", "xdp");
        return xdpProgramId(ns, device);
    }

    /** {@code ip link set dev DEV xdpdrv off}. */
    public void detachXdp(Namespace ns, String device) throws CommandException {
        ns.ip("link", "set", "dev", device, "xdpdrv", "off");
    }

    /** The id of the XDP program attached to {@code device}; throws when there is none. */
    public int xdpProgramId(Namespace ns, String device) throws CommandException {
        String json = ns.ip("-j", "-d", "link", "show", "dev", device).stdout();
        Matcher m = XDP_PROG_ID.matcher(json);
        if (!m.find()) {
            throw new CommandException("no XDP program on " + ns + "/" + device + " (ip -d link show: "
                    + abbreviate(json) + ")", -1);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The first map of program {@code progId} (bpftool prog show). */
    public static int mapIdOf(int progId) throws CommandException {
        String json = Commands.check(List.of("bpftool", "-j", "prog", "show", "id", String.valueOf(progId))).stdout();
        Matcher m = MAP_IDS.matcher(json);
        if (!m.find()) {
            throw new CommandException("BPF program " + progId + " has no map (bpftool: " + abbreviate(json) + ")",
                    -1);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Sums of the sink's counters (see {@link SinkCounters}) of the sink map {@code mapId}. */
    public static long[] readSink(int mapId) throws CommandException {
        return SinkCounters.parseBpftoolDump(Commands.check(List.of("bpftool", "-j", "map", "dump", "id",
                String.valueOf(mapId))).stdout());
    }

    /** The sink on the destination veth. */
    public long[] readSink() throws CommandException {
        return readSink(sinkMapId);
    }

    /**
     * Writes bench_encap's config (struct encap_config in bench_encap.c) into map {@code mapId}: egress ifindex
     * (host order), outer source and destination (network order), source and destination MAC.
     */
    public void writeEncapConfig(int mapId) throws CommandException {
        Matcher m = IFINDEX.matcher(gw.ip("-j", "link", "show", "dev", outDevice()).stdout());
        if (!m.find()) {
            throw new CommandException("no ifindex for " + gw + "/" + outDevice(), -1);
        }
        byte[] value = encapConfig(Integer.parseInt(m.group(1)), Ipv4Addresses.parse(GW_OUT_ADDRESS),
                Ipv4Addresses.parse(BACKEND_ADDRESS), UdpFrames.mac(GW_OUT_MAC), UdpFrames.mac(BACKEND_MAC));
        List<String> cmd = new ArrayList<>(List.of("bpftool", "map", "update", "id", String.valueOf(mapId),
                "key", "hex", "00", "00", "00", "00", "value", "hex"));
        for (byte b : value) {
            cmd.add(HexFormat.of().toHexDigits(b));
        }
        Commands.check(cmd);
    }

    /** The 24 bytes of bench_encap.c's struct encap_config (x86_64: little-endian ifindex). */
    public static byte[] encapConfig(int egressIfindex, int outerSource, int outerDestination, byte[] sourceMac,
                                     byte[] destinationMac) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24);
        b.order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(egressIfindex);
        b.order(java.nio.ByteOrder.BIG_ENDIAN).putInt(outerSource).putInt(outerDestination);
        b.put(sourceMac).put(destinationMac);
        return b.array();
    }

    /**
     * Pins every NAPI kthread of the gateway's veths ({@code napi/PFX-in-N}, {@code napi/PFX-out-N}; comm is cut at
     * 15 characters) to {@link #GATEWAY_CPU}. The kernel re-creates them on every XDP attach and detach.
     *
     * @return the pinned PIDs (empty when the devices have no NAPI thread right now)
     */
    public List<Long> pinNapi() throws CommandException, IOException {
        List<String> prefixes = List.of(comm("napi/" + inDevice() + "-"), comm("napi/" + outDevice() + "-"));
        List<Long> pinned = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : dirs) {
                String comm;
                try {
                    comm = Files.readString(p.resolve("comm")).strip();
                } catch (IOException gone) {
                    continue;
                }
                for (String prefix : prefixes) {
                    if (comm.startsWith(prefix)) {
                        long pid = Long.parseLong(p.getFileName().toString());
                        Commands.check(List.of("taskset", "-p", "-c", String.valueOf(GATEWAY_CPU),
                                String.valueOf(pid)));
                        // The same priority as the benchmark's own processes (scripts/bench runs at nice -19).
                        Commands.check(List.of("renice", "-n", String.valueOf(OWN_NICE), "-p", String.valueOf(pid)));
                        pinned.add(pid);
                    }
                }
            }
        }
        return pinned;
    }

    /** This process's nice value (inherited by the gateway; given to the NAPI kthreads too). */
    static final int OWN_NICE = ownNice();

    private static int ownNice() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after "(comm) ": state is field 3, nice field 19.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[19 - 3]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A thread name as /proc/PID/comm shows it: at most 15 characters (TASK_COMM_LEN - 1). */
    static String comm(String name) {
        return name.length() <= 15 ? name : name.substring(0, 15);
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 300 ? t : t.substring(0, 300) + "...";
    }

    /** Deletes the namespaces (links and XDP programs go with them; processes inside are killed by PID). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                created.get(i).delete();
            } catch (CommandException e) {
                System.err.println("bench: cannot delete namespace " + created.get(i) + ": " + e.getMessage());
            }
        }
        Cleanup.unregister(this);
    }

    @Override
    public String toString() {
        return "BenchNetwork[" + prefix + "-{src,gw,dst}]";
    }

    /** Lower-case hex of 4 random bytes' worth of prefix: "fb" + 4 hex digits. */
    public static String randomPrefix() {
        byte[] b = new byte[2];
        new java.security.SecureRandom().nextBytes(b);
        return "fb" + HexFormat.of().formatHex(b).toLowerCase(Locale.ROOT);
    }
}
