package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.TunnelFamily;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.lb.BackendIdentity;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a validated {@link GatewayConfig} into a {@link ForwardingSnapshot}. Rejects, with every reason at once,
 * what the config schema accepts but this milestone does not forward yet (IPv6 VIPs or backends, GRE).
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
        Inet4Address source = config.tunnelSource() == null ? null : config.tunnelSource().ipv4();
        if (source == null) {
            problems.add("dsrgw.gateway.tunnel-source.ipv4: missing (expected: an IPv4 address; IPv4 VIPs are "
                    + "tunnelled over IPv4)");
        }
        for (VipConfig vip : config.vips()) {
            String at = "vip " + vip.name();
            if (!(vip.address() instanceof Inet4Address)) {
                problems.add(at + ": address " + BackendIdentity.of(vip.address())
                        + ": IPv6 VIPs are not supported yet (expected: an IPv4 address)");
            }
            if (vip.tunnel() != TunnelFamily.IPIP) {
                problems.add(at + ": tunnel " + vip.tunnel().name().toLowerCase()
                        + ": not supported yet (expected: ipip)");
            }
            for (BackendConfig b : vip.backends()) {
                if (!(b.address() instanceof Inet4Address)) {
                    problems.add(at + ": backend " + BackendIdentity.of(b.address())
                            + ": IPv6 backends are not supported yet (expected: an IPv4 address)");
                }
                if (b.tunnelOverride() != null && b.tunnelOverride() != TunnelFamily.IPIP) {
                    problems.add(at + ": backend " + BackendIdentity.of(b.address()) + ": tunnel "
                            + b.tunnelOverride().name().toLowerCase() + ": not supported yet (expected: ipip)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new SnapshotException(problems);
        }
        ForwardingSnapshot.Builder builder = ForwardingSnapshot.builder(config.hashSeed(), config.maglevTableSize(),
                Ipv4Addresses.of(source), config.ttl(), config.tunnelMtu()).generation(generation).context(context);
        try {
            for (VipConfig vip : config.vips()) {
                List<ForwardingSnapshot.Ipv4Backend> backends = new ArrayList<>(vip.backends().size());
                for (BackendConfig b : vip.backends()) {
                    backends.add(new ForwardingSnapshot.Ipv4Backend(Ipv4Addresses.of(b.address()), b.weight(),
                            b.state()));
                }
                int[] ports = vip.ports().stream().mapToInt(Integer::intValue).toArray();
                builder.addVip(vip.name(), Ipv4Addresses.of(vip.address()), vip.protocol().number(), ports,
                        backends);
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
