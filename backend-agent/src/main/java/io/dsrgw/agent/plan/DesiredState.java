package io.dsrgw.agent.plan;

import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.conf.MssClampConfig;

import java.net.Inet4Address;
import java.net.Inet6Address;
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
 * @param nftTable   the agent's nftables table ({@link NftTable#QUALIFIED_NAME}), or null when it must not exist
 */
public record DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                           List<AddressSpec> addresses, NftTable nftTable) {

    /** Device the VIPs live on. */
    public static final String LOOPBACK = "lo";
    /**
     * Label of every IPv4 VIP the agent adds, so an operator can tell them apart in {@code ip addr}
     * (labels on lo must be {@code lo:} + at most 11 characters). IPv6 addresses have no labels.
     */
    public static final String VIP_LABEL = "lo:dsrvip";

    public DesiredState {
        tunDevices = List.copyOf(tunDevices);
        sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
        addresses = List.copyOf(addresses);
    }

    /** Without an nftables table. */
    public DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                        List<AddressSpec> addresses) {
        this(loopbackUp, tunDevices, sysctls, addresses, null);
    }

    /**
     * The desired state for a configuration. Userspace mode wants a decap TUN; kernel mode (issue 4)
     * will want tunnel devices and a source-filter chain in the same {@link NftTable} instead.
     *
     * @throws PlanException for what this release does not implement (kernel mode), or an MSS clamp
     *                       that leaves no room for TCP
     */
    public static DesiredState forConfig(AgentConfig config) throws PlanException {
        if (config.mode() == AgentMode.KERNEL) {
            throw new PlanException("mode: kernel: not supported yet (expected: userspace or auto)");
        }
        NftTable table = null;
        MssClampConfig clamp = config.mssClamp();
        if (clamp != null && clamp.enabled()) {
            table = MssClamp.table(config.vips(), config.tunnels(), !config.greKeys().isEmpty(), clamp.tunnelMtu());
        }
        return userspace(config.decapDevice(), config.vips(), table);
    }

    /** Userspace decapsulation without an MSS clamp. */
    public static DesiredState userspace(String decapDevice, List<InetAddress> vips) {
        return userspace(decapDevice, vips, null);
    }

    /**
     * Userspace decapsulation: VIPs on lo (IPv4 /32 labelled, IPv6 /128 nodad), the decap TUN, the
     * sysctls DSR needs, and {@code nftTable} (null: none).
     */
    public static DesiredState userspace(String decapDevice, List<InetAddress> vips, NftTable nftTable) {
        Map<String, String> sysctls = new LinkedHashMap<>();
        // The kernel uses max(all, device) for rp_filter: both must be 0 for packets from the TUN whose
        // source (the client) is not routed back through it.
        sysctls.put("net.ipv4.conf.all.rp_filter", "0");
        sysctls.put("net.ipv4.conf." + decapDevice + ".rp_filter", "0");
        // Never answer or announce ARP for a VIP on lo: on a shared segment only the gateway path may own it.
        sysctls.put("net.ipv4.conf.all.arp_ignore", "1");
        sysctls.put("net.ipv4.conf.all.arp_announce", "2");
        if (vips.stream().anyMatch(v -> v instanceof Inet6Address)) {
            // Inner IPv6 packets written to the TUN are dropped if IPv6 is off on it (a host with
            // default.disable_ipv6 = 1); addrgenmode none keeps it from generating addresses or MLD/RS
            // traffic while IPv6 stays enabled. lo carries the IPv6 VIPs.
            sysctls.put("net.ipv6.conf." + decapDevice + ".disable_ipv6", "0");
            sysctls.put("net.ipv6.conf.lo.disable_ipv6", "0");
        }
        List<AddressSpec> addresses = new ArrayList<>();
        for (InetAddress vip : vips) {
            boolean v4 = vip instanceof Inet4Address;
            addresses.add(new AddressSpec(LOOPBACK, vip, v4 ? 32 : 128, v4 ? VIP_LABEL : null));
        }
        return new DesiredState(true, List.of(decapDevice), sysctls, addresses, nftTable);
    }
}
