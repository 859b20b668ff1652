package io.dsrgw.agent.kernel;

import io.dsrgw.agent.plan.Addresses;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * {@code dsr-agent plan --os windows}: what a Windows backend needs, as commands for an elevated prompt, and an
 * honest account of what Windows cannot do. The agent does not run on Windows; this is a printed checklist.
 *
 * <p>What Windows can do natively: hold a VIP on the Microsoft KM-TEST Loopback Adapter and, with weak host
 * receive/send on the loopback and on the NIC, accept packets for the VIP arriving on the NIC and answer from it
 * (the classic DSR setup of Windows NLB / load balancers in "direct return" mode). What it cannot: decapsulate
 * the gateway's tunnels. Windows has no receive-side GRE for a plain host (GRE tunnels exist only inside the
 * RRAS multi-tenant / SDN gateway roles, bound to their own routing domains), no IPv4-in-IPv4 or IPv6-outer
 * (RFC 2473) tunnel interface, and its only 6in4 interface ({@code netsh interface ipv6 add v6v4tunnel}) is
 * point-to-point per remote and was not verified with the gateway. So the tunnel must end before the Windows
 * host, e.g. on a Linux decapsulator on the same L2 segment (dsr-agent in kernel or userspace mode with
 * forwarding and a route per VIP to the Windows backend's address); the steps below then make Windows accept
 * the inner packets and reply directly.
 */
public final class WindowsPlan {
    /** Name the loopback adapter gets in the commands. */
    public static final String LOOPBACK = "Loopback";
    /** Placeholder for the NIC the packets arrive on (the operator knows its name, the agent does not). */
    public static final String NIC = "<NIC>";

    private WindowsPlan() {
    }

    /** The checklist for {@code config}; ends with a newline. */
    public static String render(AgentConfig config) {
        List<InetAddress> vips = config.vips();
        boolean v4 = vips.stream().anyMatch(v -> v instanceof Inet4Address);
        boolean v6 = vips.stream().anyMatch(v -> v instanceof Inet6Address);
        StringBuilder sb = new StringBuilder();
        sb.append("# Windows backend: run in an elevated command prompt. The agent itself does not run on Windows.\n");
        sb.append("#\n# Tunnel kinds (configured: ").append(String.join(", ",
                config.tunnels().stream().map(TunnelKind::id).toList())).append("):\n");
        for (TunnelKind kind : config.tunnels()) {
            sb.append("#   ").append(String.format("%-7s", kind.id())).append(" NOT SUPPORTED: ")
                    .append(unsupportedReason(kind)).append('\n');
        }
        sb.append("# Windows cannot decapsulate any of them: end the tunnel in front of this host (a Linux\n")
                .append("# decapsulator on the same L2 segment forwarding the inner packets to it). The steps below\n")
                .append("# make Windows accept packets for the VIPs and reply from them directly (DSR).\n#\n");
        sb.append("# 1. Install the Microsoft KM-TEST Loopback Adapter (Device Manager > Action > Add legacy"
                        + " hardware >\n")
                .append("#    Network adapters > Microsoft > Microsoft KM-TEST Loopback Adapter, or with devcon"
                        + " from the WDK:\n")
                .append("#    devcon install %windir%\\inf\\netloop.inf *msloop) and name it \"").append(LOOPBACK)
                .append("\":\n");
        sb.append("#    powershell -Command \"Get-NetAdapter -InterfaceDescription 'Microsoft KM-TEST Loopback*' |"
                + " Rename-NetAdapter -NewName ").append(LOOPBACK).append("\"\n");
        sb.append("# 2. The VIPs on the loopback adapter (host routes; add skipassource=true to keep Windows"
                        + " from using\n")
                .append("#    a VIP as the source of its own outgoing connections):\n");
        for (InetAddress vip : vips) {
            if (vip instanceof Inet4Address) {
                sb.append("netsh interface ipv4 add address \"").append(LOOPBACK).append("\" ")
                        .append(Addresses.literal(vip)).append(" 255.255.255.255\n");
            } else {
                sb.append("netsh interface ipv6 add address \"").append(LOOPBACK).append("\" ")
                        .append(Addresses.literal(vip)).append("/128\n");
            }
        }
        sb.append("# 3. Weak host receive and send on the loopback adapter and on the NIC (replace ").append(NIC)
                .append(" with its name,\n#    see `netsh interface ipv4 show interfaces`): accept packets for the VIP"
                        + " on the NIC, reply from it.\n");
        for (String family : v6 && v4 ? List.of("ipv4", "ipv6") : List.of(v6 ? "ipv6" : "ipv4")) {
            for (String ifc : List.of(LOOPBACK, NIC)) {
                sb.append("netsh interface ").append(family).append(" set interface \"").append(ifc)
                        .append("\" weakhostreceive=enabled weakhostsend=enabled\n");
            }
        }
        sb.append("# 4. Windows Firewall: allow the service ports to the VIPs; the loopback adapter never answers ARP"
                + "\n#    (no ARP settings needed, unlike Linux arp_ignore/arp_announce).\n");
        return sb.toString();
    }

    /** Why Windows cannot decapsulate {@code kind} natively. */
    static String unsupportedReason(TunnelKind kind) {
        return switch (kind) {
            case GRE -> "no GRE decapsulation for a plain host (GRE only inside the RRAS/SDN gateway roles)";
            case IP6GRE -> "no GRE over IPv6 decapsulation for a plain host";
            case IPIP -> "no IPv4-in-IPv4 (RFC 2003) tunnel interface";
            case SIT -> "6in4 only as a point-to-point v6v4tunnel per remote (netsh interface ipv6 add"
                    + " v6v4tunnel), not verified with the gateway";
            case IP6TNL -> "no IPv6-outer (RFC 2473) tunnel interface";
            case GUE, GUE6 -> "no GUE (UDP-encapsulated IP) decapsulation for a plain host";
            case NONE -> "nothing to decapsulate (L2 DSR): the VIP on the loopback adapter is all it needs";
        };
    }
}
