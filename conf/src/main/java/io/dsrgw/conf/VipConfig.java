package io.dsrgw.conf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One virtual service ({@code dsrgw.gateway.vips[i]}): packets to (address, protocol, any of ports) are
 * forwarded to one of the backends.
 *
 * @param name        unique name (letters, digits, '_', '-', '.'; 1..64 characters)
 * @param address     the VIP, IPv4 or IPv6
 * @param protocol    tcp or udp
 * @param ports       destination ports 1..65535, unique, non-empty, in configuration order
 * @param tunnel      tunnel family for the backends (default ipip)
 * @param greKey      RFC 2890 key 0..4294967295 for GRE backends, or null for none
 * @param healthCheck health check, or null for none
 * @param backends    backends, unique by address; may be empty (packets are then dropped as no_backend)
 * @param greChecksum GRE backends: send the RFC 2784 checksum (4 more bytes per packet; default false)
 * @param flowTable   true (default): flows are pinned to their backend in the flow table; false: stateless, every
 *                    packet goes where Maglev says (pure consistent hashing)
 * @param announce    true (default): the gateway announces the VIP's address while the VIP has a backend in rotation
 *                    (when {@code announce.table} is set); false: never (the routers reach it some other way).
 *                    VIPs sharing an address agree on it: the route is per address
 * @param guePort     GUE backends: this VIP's outer UDP destination port 1..65535, or null for the gateway's
 *                    {@code gue-port} ({@link GueConfig#port()})
 */
public record VipConfig(String name, InetAddress address, Protocol protocol, List<Integer> ports,
                        TunnelFamily tunnel, Long greKey, HealthCheckConfig healthCheck,
                        List<BackendConfig> backends, boolean greChecksum, boolean flowTable, boolean announce,
                        Integer guePort) {

    public VipConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(tunnel, "tunnel");
        ports = List.copyOf(ports);
        backends = List.copyOf(backends);
    }

    /** The issue-13 signature, kept for existing callers: the gateway's gue-port. */
    public VipConfig(String name, InetAddress address, Protocol protocol, List<Integer> ports, TunnelFamily tunnel,
                     Long greKey, HealthCheckConfig healthCheck, List<BackendConfig> backends, boolean greChecksum,
                     boolean flowTable, boolean announce) {
        this(name, address, protocol, ports, tunnel, greKey, healthCheck, backends, greChecksum, flowTable, announce,
            null);
    }

    /** The GUE destination port of this VIP's GUE backends: its own {@code gue-port}, else the gateway's. */
    public int guePort(GueConfig gateway) {
        return guePort != null ? guePort : gateway.port();
    }

    /** @return true when some backend is reached through GUE: the VIP's tunnel or an override */
    public boolean usesGue() {
        if (tunnel == TunnelFamily.GUE) {
            return true;
        }
        for (BackendConfig b : backends) {
            if (b.tunnelOverride() == TunnelFamily.GUE) {
                return true;
            }
        }
        return false;
    }

    /** The issue-11 signature, kept for existing callers: announced. */
    public VipConfig(String name, InetAddress address, Protocol protocol, List<Integer> ports, TunnelFamily tunnel,
                     Long greKey, HealthCheckConfig healthCheck, List<BackendConfig> backends, boolean greChecksum,
                     boolean flowTable) {
        this(name, address, protocol, ports, tunnel, greKey, healthCheck, backends, greChecksum, flowTable, true);
    }

    /** The issue-4 signature, kept for existing callers: with the flow table. */
    public VipConfig(String name, InetAddress address, Protocol protocol, List<Integer> ports, TunnelFamily tunnel,
                     Long greKey, HealthCheckConfig healthCheck, List<BackendConfig> backends,
                     boolean greChecksum) {
        this(name, address, protocol, ports, tunnel, greKey, healthCheck, backends, greChecksum, true, true);
    }

    /** The issue-2 signature, kept for existing callers: no GRE checksum, with the flow table. */
    public VipConfig(String name, InetAddress address, Protocol protocol, List<Integer> ports, TunnelFamily tunnel,
                     Long greKey, HealthCheckConfig healthCheck, List<BackendConfig> backends) {
        this(name, address, protocol, ports, tunnel, greKey, healthCheck, backends, false, true, true);
    }

    /** @return this VIP with other backends, every other setting kept */
    public VipConfig withBackends(List<BackendConfig> otherBackends) {
        return new VipConfig(name, address, protocol, ports, tunnel, greKey, healthCheck, otherBackends, greChecksum,
            flowTable, announce, guePort);
    }

    /** @return true when some backend is reached through GRE (gre or ip6gre): the VIP's or an override */
    public boolean usesGre() {
        if (tunnel == TunnelFamily.GRE) {
            return true;
        }
        for (BackendConfig b : backends) {
            if (b.tunnelOverride() == TunnelFamily.GRE) {
                return true;
            }
        }
        return false;
    }

    /** @return true for an IPv4 VIP */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("VIP ").append(name).append(' ').append(IpLiterals.format(address))
            .append(' ').append(protocol.id()).append(' ').append(ports).append(" tunnel ").append(tunnel.id());
        if (greKey != null) {
            sb.append(" gre-key ").append(greKey);
        }
        if (greChecksum) {
            sb.append(" gre-checksum");
        }
        if (!flowTable) {
            sb.append(" stateless");
        }
        if (!announce) {
            sb.append(" not-announced");
        }
        if (healthCheck != null) {
            sb.append(' ').append(healthCheck);
        }
        return sb.append(" backends ").append(backends).toString();
    }
}
