package io.dsrgw.harness.vm;

import java.io.IOException;

/**
 * The backend settings of {@code ../shared/recipes/vm-kernel-test/scripts/agent-setup.sh}, done by hand with
 * iproute2 and sysctl in the guest: what the agent's kernel mode is to do, as a stand-in until it exists.
 * <ul>
 * <li>VIPs on {@code lo}: {@value TunnelCase#VIP4}/32 and {@value TunnelCase#VIP6}/128 nodad;</li>
 * <li>arp_ignore=1 (do not answer ARP for the VIP on the wire), arp_announce=2;</li>
 * <li>rp_filter 0 on all, default, eth0 and every tunnel device: the kernel uses max(all, device), and strict mode
 *     drops decapsulated packets because the route back to the client is not via the tunnel;</li>
 * <li>one device per kind, bound to the VM's local address (the kernel refuses a second one with the same type,
 *     local, remote and key: "File exists"); ip6tnl {@code mode any} carries 4in6 and 6in6, sit {@code mode any};
 *     keyed and unkeyed GRE share the local address, the kernel demultiplexes by key.</li>
 * </ul>
 */
public final class ManualKernelSetup implements BackendSetup {
    public static final String IPIP = "dsrip4";
    public static final String SIT = "dsrsit4";
    public static final String GRE = "dsrgre4";
    public static final String GRE_KEY42 = "dsrgre4k42";
    public static final String IP6TNL = "dsrip6";
    public static final String IP6GRE = "dsrgre6";

    @Override
    public void apply(Vm vm) throws IOException {
        String l4 = VmNetwork.GUEST4;
        String l6 = VmNetwork.GUEST6;
        StringBuilder s = new StringBuilder("set -e\n");
        s.append("sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2\n");
        s.append("sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0"
                + " net.ipv4.conf.eth0.rp_filter=0\n");
        s.append("ip addr add ").append(TunnelCase.VIP4).append("/32 dev lo\n");
        s.append("ip -6 addr add ").append(TunnelCase.VIP6).append("/128 dev lo nodad\n");
        s.append("ip link add ").append(IPIP).append(" type ipip local ").append(l4).append('\n');
        s.append("ip link add ").append(SIT).append(" type sit local ").append(l4).append(" mode any\n");
        s.append("ip link add ").append(GRE).append(" type gre local ").append(l4).append('\n');
        s.append("ip link add ").append(GRE_KEY42).append(" type gre local ").append(l4).append(" key 42\n");
        s.append("ip link add ").append(IP6TNL).append(" type ip6tnl local ").append(l6).append(" mode any\n");
        s.append("ip link add ").append(IP6GRE).append(" type ip6gre local ").append(l6).append('\n');
        // GUE (issue 15): the fou module's receive sockets hand inner packets to the devices above
        s.append("ip fou add port ").append(TunnelCase.GUE_PORT).append(" gue\n");
        s.append("ip fou add port ").append(TunnelCase.GUE_PORT).append(" gue -6\n");
        for (String d : new String[] {IPIP, SIT, GRE, GRE_KEY42, IP6TNL, IP6GRE}) {
            s.append("ip link set ").append(d).append(" up\n");
            s.append("sysctl -qw net.ipv4.conf.").append(d).append(".rp_filter=0\n");
        }
        vm.check(s.toString());
    }

    @Override
    public String device(Vm vm, TunnelCase c) {
        return switch (c.deviceKind()) {
            case IPIP -> IPIP;
            case SIT -> SIT;
            case GRE -> c.greKey() != null ? GRE_KEY42 : GRE;
            case IP6TNL -> IP6TNL;
            case IP6GRE -> IP6GRE;
            case GUE, GUE6 -> throw new AssertionError("deviceKind() is never gue");
            case NONE -> throw new IllegalArgumentException("none (L2 DSR) has no tunnel device");
        };
    }

    @Override
    public void down(Vm vm) throws IOException {
        vm.check("for d in " + String.join(" ", IPIP, SIT, GRE, GRE_KEY42, IP6TNL, IP6GRE)
                + "; do ip link del $d 2>/dev/null; done; ip fou del port " + TunnelCase.GUE_PORT + "; ip fou del port "
                + TunnelCase.GUE_PORT + " -6; ip addr del " + TunnelCase.VIP4 + "/32 dev lo;"
                + " ip -6 addr del " + TunnelCase.VIP6 + "/128 dev lo; true");
    }

    @Override
    public String name() {
        return "manual ip/sysctl setup";
    }
}
