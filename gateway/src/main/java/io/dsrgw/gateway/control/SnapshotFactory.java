package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.IcmpConfig;
import io.dsrgw.conf.TunnelSourceConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.lb.BackendIdentity;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a validated {@link GatewayConfig} into a {@link ForwardingSnapshot}: every VIP (IPv4 or IPv6), every
 * backend with its {@link io.dsrgw.encap.tunnel.TunnelSpec} (kind per {@link BackendConfig#tunnelKind}, GRE key
 * and checksum from the VIP), the ICMP settings. Rejects, with every reason at once, what the gateway cannot
 * forward: a backend family without a tunnel source of that family.
 */
public final class SnapshotFactory {
    private SnapshotFactory() {
    }

    /** Builds generation {@code generation} of the forwarding state for {@code config}. */
    public static ForwardingSnapshot fromConfig(GatewayConfig config, long generation) throws SnapshotException {
        return fromConfig(config, generation, null);
    }

    /**
     * As {@link #fromConfig(GatewayConfig, long)}, with the control plane's {@link SnapshotContext} (stable backend
     * ids, Maglev table reuse, stateless VIPs); {@code context} may be null.
     */
    public static ForwardingSnapshot fromConfig(GatewayConfig config, long generation, SnapshotContext context)
            throws SnapshotException {
        List<String> problems = new ArrayList<>();
        TunnelSourceConfig sources = config.tunnelSource();
        Inet4Address source4 = sources == null ? null : sources.ipv4();
        Inet6Address source6 = sources == null ? null : sources.ipv6();
        boolean reported4 = false;
        boolean reported6 = false;
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (b.linkLayer(vip)) {
                    continue; // L2 DSR: no outer header, no tunnel source needed
                }
                if (b.isIpv4() && source4 == null && !reported4) {
                    reported4 = true;
                    problems.add("dsrgw.gateway.tunnel-source.ipv4: missing (expected: an IPv4 address; vip "
                            + vip.name() + " has the IPv4 backend " + BackendIdentity.of(b.address()) + ")");
                }
                if (!b.isIpv4() && source6 == null && !reported6) {
                    reported6 = true;
                    problems.add("dsrgw.gateway.tunnel-source.ipv6: missing (expected: an IPv6 address; vip "
                            + vip.name() + " has the IPv6 backend " + BackendIdentity.of(b.address()) + ")");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new SnapshotException(problems);
        }
        ForwardingSnapshot.Builder builder = ForwardingSnapshot.builder(config.hashSeed(), config.maglevTableSize(),
                source4 == null ? 0 : Ipv4Addresses.of(source4), config.ttl(), config.tunnelMtu())
                .generation(generation);
        if (context != null) {
            context.applyTo(builder);
        }
        if (source6 != null) {
            builder.tunnelSourceIpv6(Ipv6Addresses.hi(source6), Ipv6Addresses.lo(source6));
        }
        IcmpConfig icmp = config.icmp();
        builder.icmp(icmp.echo(), icmp.tooBigRate(), icmp.echoRate());
        builder.denySources(config.security().denySources());
        builder.gueSourcePorts(config.gue().sourcePortMin(), config.gue().sourcePortMax());
        try {
            for (VipConfig vip : config.vips()) {
                List<ForwardingSnapshot.Backend> backends = new ArrayList<>(vip.backends().size());
                for (BackendConfig b : vip.backends()) {
                    TunnelKind kind = b.tunnelKind(vip);
                    backends.add(new ForwardingSnapshot.Backend(b.address(), b.weight(), b.state(), kind));
                }
                int[] ports = vip.ports().stream().mapToInt(Integer::intValue).toArray();
                builder.addVip(vip.name(), vip.address(), vip.protocol().number(), ports, vip.greKey(),
                        vip.greChecksum(), vip.guePort(config.gue()), backends);
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            // conf validates the same rules first; this is a second line of defence, reported the same way.
            throw new SnapshotException(List.of(e.getMessage()));
        }
    }

    /** The config cannot be forwarded by this gateway; {@link #getMessage()} lists every reason, one per line. */
    public static final class SnapshotException extends Exception {
        private final List<String> problems;

        public SnapshotException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
