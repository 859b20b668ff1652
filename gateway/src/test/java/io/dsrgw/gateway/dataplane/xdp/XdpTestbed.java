package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.linux.Interfaces;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.BpfProgram;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Where the XDP program's {@code bpf_fib_lookup} finds real next hops during {@code BPF_PROG_TEST_RUN}: a namespace
 * with a veth pair {@value #DEV} / {@code veth0p}, forwarding on, the fixture backends' networks on {@value #DEV}
 * with PERMANENT neighbours of known MACs, and two routed backend networks behind a permanent next hop:
 * <pre>
 *   veth0 10.0.3.1/24, fd00:3::1/64
 *   neighbours 10.0.3.10 -> {@value #MAC_BACKEND4}, fd00:3::11 -> {@value #MAC_BACKEND6}
 *   10.1.0.0/16 via 10.0.3.254 ({@value #MAC_ROUTER4}), fd00:1::/64 via fd00:3::fe ({@value #MAC_ROUTER6})
 * </pre>
 * The MTU is 9000 so that the FIB's MTU check never decides before the program's tunnel-mtu check does (the
 * fixtures' tunnel MTUs reach 1516). Test runs execute on the namespace's thread with ingress = {@value #DEV}.
 */
final class XdpTestbed implements AutoCloseable {
    static final String DEV = "veth0";
    static final String MAC_BACKEND4 = "02:00:0a:00:03:0a";
    static final String MAC_BACKEND6 = "02:00:00:00:00:11";
    static final String MAC_ROUTER4 = "02:00:0a:00:03:fe";
    static final String MAC_ROUTER6 = "02:00:00:00:00:fe";
    /** Source MAC of the frames handed to the program (a client's router). */
    static final byte[] CLIENT_MAC = HexFormat.of().parseHex("020000000001");

    private final TestNetns ns;
    private final int ifindex;
    private final byte[] mac;

    private XdpTestbed(TestNetns ns, int ifindex, byte[] mac) {
        this.ns = ns;
        this.ifindex = ifindex;
        this.mac = mac;
    }

    static XdpTestbed create(String prefix) throws IOException, InterruptedException {
        TestNetns ns = TestNetns.create(prefix);
        try {
            ns.ip("link", "add", DEV, "type", "veth", "peer", "name", "veth0p");
            ns.ip("link", "set", DEV, "mtu", "9000", "up");
            ns.ip("link", "set", "veth0p", "mtu", "9000", "up");
            ns.exec("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
            ns.ip("addr", "add", "10.0.3.1/24", "dev", DEV);
            ns.ip("-6", "addr", "add", "fd00:3::1/64", "dev", DEV, "nodad");
            ns.ip("neigh", "add", "10.0.3.10", "lladdr", MAC_BACKEND4, "dev", DEV, "nud", "permanent");
            ns.ip("-6", "neigh", "add", "fd00:3::11", "lladdr", MAC_BACKEND6, "dev", DEV, "nud", "permanent");
            ns.ip("neigh", "add", "10.0.3.254", "lladdr", MAC_ROUTER4, "dev", DEV, "nud", "permanent");
            ns.ip("-6", "neigh", "add", "fd00:3::fe", "lladdr", MAC_ROUTER6, "dev", DEV, "nud", "permanent");
            ns.ip("route", "add", "10.1.0.0/16", "via", "10.0.3.254", "dev", DEV);
            ns.ip("-6", "route", "add", "fd00:1::/64", "via", "fd00:3::fe", "dev", DEV);
            int ifindex = ns.call(() -> Interfaces.index(DEV));
            byte[] mac = HexFormat.ofDelimiter(":").parseHex(
                    ns.exec("cat", "/sys/class/net/" + DEV + "/address").strip());
            return new XdpTestbed(ns, ifindex, mac);
        } catch (IOException | RuntimeException | InterruptedException e) {
            ns.close();
            throw e;
        }
    }

    TestNetns ns() {
        return ns;
    }

    int ifindex() {
        return ifindex;
    }

    /** MAC of {@value #DEV}: the source of every frame the program sends back out of it. */
    byte[] mac() {
        return mac.clone();
    }

    static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    /** {@code packet} (from the IP header) in an Ethernet frame to {@value #DEV}, EtherType from its version. */
    byte[] frame(byte[] packet) {
        byte[] f = new byte[14 + packet.length];
        System.arraycopy(mac, 0, f, 0, 6);
        System.arraycopy(CLIENT_MAC, 0, f, 6, 6);
        boolean v6 = packet.length > 0 && (packet[0] & 0xf0) == 0x60;
        f[12] = (byte) (v6 ? 0x86 : 0x08);
        f[13] = (byte) (v6 ? 0xdd : 0x00);
        System.arraycopy(packet, 0, f, 14, packet.length);
        return f;
    }

    /** The program's verdict and output frame for one input frame. */
    record Result(int verdict, byte[] out) {
        String verdictName() {
            return BpfProgram.xdpActionName(verdict);
        }
    }

    /** Runs {@code program} once on {@code frame} as if it arrived on {@value #DEV} (on the namespace's thread). */
    Result run(BpfProgram program, byte[] frame) throws IOException, InterruptedException {
        return ns.call(() -> runHere(program, frame));
    }

    /** {@link #run} for a caller already on the namespace's thread (many runs in one {@link TestNetns#call}). */
    Result runHere(BpfProgram program, byte[] frame) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(frame.length);
            MemorySegment.copy(frame, 0, in, JAVA_BYTE, 0, frame.length);
            MemorySegment out = arena.allocate(frame.length + 256);
            BpfProgram.TestRunResult r = program.testRun(in, out, new BpfProgram.XdpMd(ifindex, 0), 1);
            return new Result(r.retval(), Arrays.copyOf(out.toArray(JAVA_BYTE), r.dataOutLength()));
        }
    }

    /**
     * Closes what a test class's set-up got as far as creating: the loaded program, then the testbed (either may
     * be null).
     */
    static void close(XdpDataPlane plane, XdpTestbed testbed) throws IOException, InterruptedException {
        if (plane != null) {
            plane.close();
        }
        if (testbed != null) {
            testbed.close();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        ns.close();
    }
}
