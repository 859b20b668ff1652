package io.dsrgw.agent.plan;

import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.conf.MssClampConfig;
import io.dsrgw.encap.tunnel.TunnelKind;

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
 * @param tunnelDevices kernel mode: tunnel devices that must exist with exactly these parameters, be up and
 *                   have this MTU
 * @param fouPorts   kernel mode with gue: the kernel's GUE receive ports ({@link FouPortSpec})
 */
public record DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                           List<AddressSpec> addresses, NftTable nftTable, List<TunnelDeviceSpec> tunnelDevices,
                           List<FouPortSpec> fouPorts) {

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
        tunnelDevices = List.copyOf(tunnelDevices);
        fouPorts = List.copyOf(fouPorts);
    }

    /** Without fou ports. */
    public DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                        List<AddressSpec> addresses, NftTable nftTable, List<TunnelDeviceSpec> tunnelDevices) {
        this(loopbackUp, tunDevices, sysctls, addresses, nftTable, tunnelDevices, List.of());
    }

    /** Without kernel tunnel devices (userspace mode). */
    public DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                        List<AddressSpec> addresses, NftTable nftTable) {
        this(loopbackUp, tunDevices, sysctls, addresses, nftTable, List.of());
    }

    /** Without an nftables table. */
    public DesiredState(boolean loopbackUp, List<String> tunDevices, Map<String, String> sysctls,
                        List<AddressSpec> addresses) {
        this(loopbackUp, tunDevices, sysctls, addresses, null);
    }

    /**
     * The desired state for a configuration decapsulated entirely in userspace ({@code mode = userspace}).
     *
     * @throws PlanException for {@code mode = kernel}, which needs {@link #forConfig(AgentConfig, KernelSetup)}
     *                       (the kernel's support and the local addresses come from the host), or an MSS clamp
     *                       that leaves no room for TCP
     */
    public static DesiredState forConfig(AgentConfig config) throws PlanException {
        if (config.mode() == AgentMode.KERNEL) {
            throw new PlanException("mode: kernel: needs the host's kernel support and local addresses"
                    + " (expected: DesiredState.forConfig(config, kernelSetup))");
        }
        return forConfig(config, KernelSetup.NONE);
    }

    /**
     * What the kernel decapsulates, resolved on the host: the kinds that get kernel tunnel devices and the local
     * address of each outer family that has such a kind.
     *
     * @param kernelKinds kinds decapsulated by kernel tunnel devices (the other configured kinds: userspace)
     * @param local4      local address of IPv4 outer kinds, null when none is in {@code kernelKinds}
     * @param local6      local address of IPv6 outer kinds, null when none is in {@code kernelKinds}
     */
    public record KernelSetup(java.util.Set<TunnelKind> kernelKinds, InetAddress local4, InetAddress local6) {
        /** Everything in userspace. */
        public static final KernelSetup NONE = new KernelSetup(java.util.Set.of(), null, null);

        public KernelSetup {
            kernelKinds = kernelKinds.isEmpty() ? java.util.Set.of() : java.util.Set.copyOf(kernelKinds);
        }
    }

    /**
     * The desired state for a configuration: the configured kinds in {@code kernel} get tunnel devices (one per
     * GRE key plus the unkeyed one for gre/ip6gre; gue/gue6 a fou port on gue-port and the ipip/sit/ip6tnl devices
     * its inner packets are handed to) for outer families that have a gateway, and the
     * {@link TunnelFilter} chain; the other kinds are decapsulated in userspace (the decap TUN). Both share the
     * VIPs on lo, the ARP sysctls and the MSS clamp.
     *
     * @throws PlanException an MSS clamp that leaves no room for TCP, or a kernel kind without its local address
     */
    public static DesiredState forConfig(AgentConfig config, KernelSetup kernel) throws PlanException {
        NftTable table = null;
        MssClampConfig clamp = config.mssClamp();
        if (clamp != null && clamp.enabled()) {
            table = MssClamp.table(config.vips(), config.tunnels(), !config.greKeys().isEmpty(), clamp.tunnelMtu());
        }
        List<TunnelKind> userspaceKinds = config.tunnels().stream().filter(k -> !kernel.kernelKinds().contains(k))
                .toList();
        List<TunnelDeviceSpec> devices = tunnelDevices(config, kernel);
        DesiredState base = userspaceKinds.isEmpty() ? loopbackAndVips(config.vips())
                : userspace(config.decapDevice(), config.vips(), null);
        if (kernel.kernelKinds().isEmpty()) {
            return new DesiredState(true, base.tunDevices(), base.sysctls(), base.addresses(), table);
        }
        Map<String, String> sysctls = new LinkedHashMap<>(base.sysctls());
        // The kernel uses max(all, device) for rp_filter: all, default (devices created later) and every tunnel
        // device must be 0, or decapsulated packets from clients not routed back through the tunnel are dropped.
        sysctls.put("net.ipv4.conf.all.rp_filter", "0");
        sysctls.put("net.ipv4.conf.default.rp_filter", "0");
        boolean ipv6Vips = config.vips().stream().anyMatch(v -> v instanceof Inet6Address);
        for (TunnelDeviceSpec d : devices) {
            sysctls.put("net.ipv4.conf." + d.name() + ".rp_filter", "0");
            if (ipv6Vips && MssClamp.carries(d.kind(), 6)) {
                // Inner IPv6 is dropped on a device with IPv6 off (a host with default.disable_ipv6 = 1).
                sysctls.put("net.ipv6.conf." + d.name() + ".disable_ipv6", "0");
            }
        }
        if (ipv6Vips) {
            sysctls.put("net.ipv6.conf.lo.disable_ipv6", "0");
        }
        List<FouPortSpec> fouPorts = fouPorts(config, kernel);
        return new DesiredState(true, base.tunDevices(), sysctls, base.addresses(),
                NftTable.merge(table, NftTable.merge(TunnelFilter.table(config.gateways(),
                                fouPorts.isEmpty() ? 0 : config.guePort()),
                        TunnelFilter.innerTable(config.vips(), devices.stream().map(TunnelDeviceSpec::name).toList()))),
                devices, fouPorts);
    }

    /**
     * The tunnel devices of the kernel kinds whose outer family has a gateway (a device nobody may send to would
     * only accept forged packets): one per kind, plus one per GRE key for gre and ip6gre.
     */
    static List<TunnelDeviceSpec> tunnelDevices(AgentConfig config, KernelSetup kernel) throws PlanException {
        boolean v4 = config.gateways().stream().anyMatch(g -> g instanceof Inet4Address);
        boolean v6 = config.gateways().stream().anyMatch(g -> g instanceof Inet6Address);
        int mtu = config.mssClamp().tunnelMtu();
        Map<String, TunnelDeviceSpec> out = new LinkedHashMap<>();
        for (TunnelKind kind : config.tunnels()) {
            boolean outer4 = TunnelDeviceSpec.isIpv4Outer(kind);
            if (!kernel.kernelKinds().contains(kind) || !(outer4 ? v4 : v6)) {
                continue;
            }
            InetAddress local = outer4 ? kernel.local4() : kernel.local6();
            if (local == null) {
                throw new PlanException("local-address.ipv" + (outer4 ? 4 : 6) + ": unknown for " + kind.id()
                        + " (expected: local-address.ipv" + (outer4 ? 4 : 6) + " in the configuration)");
            }
            if (kind.isGue()) {
                // fou hands the inner packet to the IP layer as protocol 4 / 41: the device of that protocol bound
                // to the backend address takes it, sized for GUE's larger overhead when the kinds share it.
                for (TunnelKind device : gueDeviceKinds(kind, config.vips())) {
                    add(out, new TunnelDeviceSpec(TunnelDeviceSpec.name(device, null), device, local, null,
                            mtu - kind.overheadBytes()));
                }
                continue;
            }
            add(out, TunnelDeviceSpec.of(kind, null, local, mtu));
            if (kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE) {
                for (Long key : config.greKeys()) {
                    add(out, TunnelDeviceSpec.of(kind, key, local, mtu));
                }
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * The device kinds the kernel hands GUE's inner packets to (net/ipv4/fou_core.c, gue_udp_recv, returns the inner
     * protocol for resubmission): over IPv4 an IPv4 inner packet goes to ipip, an IPv6 one to sit; over IPv6 both go
     * to ip6tnl (mode any). Only for inner families that have VIPs: a device nobody should reach is not created.
     */
    public static List<TunnelKind> gueDeviceKinds(TunnelKind gue, List<InetAddress> vips) {
        boolean inner4 = vips.stream().anyMatch(v -> v instanceof Inet4Address);
        boolean inner6 = vips.stream().anyMatch(v -> v instanceof Inet6Address);
        if (gue == TunnelKind.GUE6) {
            return List.of(TunnelKind.IP6TNL);
        }
        List<TunnelKind> kinds = new ArrayList<>();
        if (inner4) {
            kinds.add(TunnelKind.IPIP);
        }
        if (inner6) {
            kinds.add(TunnelKind.SIT);
        }
        return kinds;
    }

    /** Adds {@code d}, or keeps the one of the same name with the smaller MTU (kinds sharing a device). */
    private static void add(Map<String, TunnelDeviceSpec> devices, TunnelDeviceSpec d) {
        devices.merge(d.name(), d, (a, b) -> a.mtuBytes() <= b.mtuBytes() ? a : b);
    }

    /** The kernel's GUE receive ports: one per GUE kind decapsulated by the kernel whose family has a gateway. */
    static List<FouPortSpec> fouPorts(AgentConfig config, KernelSetup kernel) {
        List<FouPortSpec> out = new ArrayList<>();
        for (TunnelKind kind : config.tunnels()) {
            boolean outer4 = kind.outerFamily() == 4;
            boolean gateway = config.gateways().stream().anyMatch(g -> (g instanceof Inet4Address) == outer4);
            if (kind.isGue() && kernel.kernelKinds().contains(kind) && gateway) {
                out.add(new FouPortSpec(config.guePort(), kind.outerFamily()));
            }
        }
        return out;
    }

    /**
     * Kernel-only decapsulation, or none at all (L2 DSR only): VIPs on lo and the ARP sysctls, no TUN. IPv6 needs no
     * counterpart of arp_ignore/arp_announce: Linux answers a neighbour solicitation only for an address of the
     * interface it arrived on, and solicits from an address of the outgoing interface, so a VIP on lo is never
     * claimed on the segment; but an IPv6 VIP cannot be added to lo while IPv6 is off there.
     */
    private static DesiredState loopbackAndVips(List<InetAddress> vips) {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.ipv4.conf.all.arp_ignore", "1");
        sysctls.put("net.ipv4.conf.all.arp_announce", "2");
        if (vips.stream().anyMatch(v -> v instanceof Inet6Address)) {
            sysctls.put("net.ipv6.conf.lo.disable_ipv6", "0"); // a host with default/all.disable_ipv6 = 1
        }
        return new DesiredState(true, List.of(), sysctls, vipAddresses(vips), null);
    }

    /** Names of every device the agent wants: the decap TUN (if any) and the tunnel devices. */
    public java.util.Set<String> deviceNames() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(tunDevices);
        tunnelDevices.forEach(d -> names.add(d.name()));
        return names;
    }

    private static List<AddressSpec> vipAddresses(List<InetAddress> vips) {
        List<AddressSpec> addresses = new ArrayList<>();
        for (InetAddress vip : vips) {
            boolean v4 = vip instanceof Inet4Address;
            addresses.add(new AddressSpec(LOOPBACK, vip, v4 ? 32 : 128, v4 ? VIP_LABEL : null));
        }
        return addresses;
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
        return new DesiredState(true, List.of(decapDevice), sysctls, vipAddresses(vips), nftTable);
    }
}
