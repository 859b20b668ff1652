package io.dsrgw.agent.plan;

import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the host should look like for the agent's configuration. Only the parts the agent manages;
 * anything else on the host is none of its business.
 *
 * @param loopbackUp whether {@code lo} must be administratively up (VIPs live on it; a fresh network
 *                   namespace starts with it down)
 * @param tunDevices TUN devices that must exist (persistent, single queue, no packet information),
 *                   be up and have IPv6 address generation off
 * @param sysctls    key -> value, applied in this order
 * @param addresses  addresses that must exist
 */
public record DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                           List<AddressSpec> addresses) {

    /** Device the VIPs live on. */
    public static final String LOOPBACK = "lo";
    /**
     * Label of every VIP the agent adds, so an operator can tell them apart in {@code ip addr}
     * (labels on lo must be {@code lo:} + at most 11 characters).
     */
    public static final String VIP_LABEL = "lo:dsrvip";

    public DesiredState {
        tunDevices = List.copyOf(tunDevices);
        sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
        addresses = List.copyOf(addresses);
    }

    /**
     * The desired state for a configuration. Modes differ only here: userspace mode (issue 2) wants a
     * decap TUN; kernel mode will want tunnel devices and a source filter instead.
     *
     * @throws PlanException for what this release does not implement (kernel mode, IPv6, tunnels other than ipip)
     */
    public static DesiredState forConfig(AgentConfig config) throws PlanException {
        List<String> problems = new ArrayList<>();
        if (config.mode() == AgentMode.KERNEL) {
            problems.add("mode: kernel: not supported yet (expected: userspace or auto)");
        }
        for (InetAddress g : config.gateways()) {
            if (!(g instanceof Inet4Address)) {
                problems.add("gateways: " + g.getHostAddress() + ": IPv6 gateways are not supported yet (expected: IPv4)");
            }
        }
        for (InetAddress v : config.vips()) {
            if (!(v instanceof Inet4Address)) {
                problems.add("vips: " + v.getHostAddress() + ": IPv6 VIPs are not supported yet (expected: IPv4)");
            }
        }
        for (TunnelKind t : config.tunnels()) {
            if (t != TunnelKind.IPIP) {
                problems.add("tunnels: " + t.id() + ": not supported yet (expected: ipip)");
            }
        }
        if (!problems.isEmpty()) {
            throw new PlanException(String.join("\n", problems));
        }
        return userspace(config.decapDevice(), config.vips());
    }

    /** Userspace decapsulation: VIPs on lo, the decap TUN, and the sysctls DSR needs. */
    public static DesiredState userspace(String decapDevice, List<InetAddress> vips) {
        Map<String, String> sysctls = new LinkedHashMap<>();
        // The kernel uses max(all, device) for rp_filter: both must be 0 for packets from the TUN whose
        // source (the client) is not routed back through it.
        sysctls.put("net.ipv4.conf.all.rp_filter", "0");
        sysctls.put("net.ipv4.conf." + decapDevice + ".rp_filter", "0");
        // Never answer or announce ARP for a VIP on lo: on a shared segment only the gateway path may own it.
        sysctls.put("net.ipv4.conf.all.arp_ignore", "1");
        sysctls.put("net.ipv4.conf.all.arp_announce", "2");
        List<AddressSpec> addresses = new ArrayList<>();
        for (InetAddress vip : vips) {
            addresses.add(new AddressSpec(LOOPBACK, vip, vip instanceof Inet4Address ? 32 : 128, VIP_LABEL));
        }
        return new DesiredState(true, List.of(decapDevice), sysctls, addresses);
    }
}
