package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The validated configuration of one backend agent ({@code dsrgw.agent}). Immutable.
 *
 * @param mode              kernel, userspace or auto
 * @param gateways          the only accepted outer (tunnel) sources; non-empty, unique
 * @param vips              VIPs served by this backend (put on lo); non-empty, unique
 * @param tunnels           tunnel kinds to accept; unique; empty for L2 DSR only ({@code tunnels = [none]}:
 *                          VIPs on lo and ARP/ND settings, no tunnel devices, no decapsulation)
 * @param decapDevice       userspace mode: TUN device the inner packets are written to ("dsr" prefix, <= 15 chars)
 * @param reconcileInterval time between reconcile passes (1s..1h)
 * @param stateFile         absolute path of the file recording what apply created and the old sysctl values
 * @param healthListen      host:port of the health/readiness endpoint
 * @param greKeys           RFC 2890 keys (0..4294967295) accepted besides unkeyed GRE; unique, possibly empty. A
 *                          keyed GRE packet with any other key is dropped and counted.
 * @param mssClamp          MSS clamp of SYN-ACKs sent from a VIP
 * @param localAddress      kernel mode: the local (backend) address of the tunnel devices per outer family;
 *                          {@link LocalAddressConfig#DERIVED} parts come from the route to the first gateway
 * @param statusClients     who may read /status besides loopback
 * @param guePort           UDP destination port of GUE tunnel packets (1..65535); must equal the gateways'
 *                          {@code gue-port}
 */
public record AgentConfig(AgentMode mode, List<InetAddress> gateways, List<InetAddress> vips,
                          List<TunnelKind> tunnels, String decapDevice, Duration reconcileInterval, Path stateFile,
                          String healthListen, List<Long> greKeys, MssClampConfig mssClamp,
                          LocalAddressConfig localAddress, List<SourcePrefix> statusClients, int guePort) {

    /** GUE's default UDP port, Katran's (reference.conf {@code gue-port}). */
    public static final int DEFAULT_GUE_PORT = 6080;

    public AgentConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(decapDevice, "decapDevice");
        Objects.requireNonNull(reconcileInterval, "reconcileInterval");
        Objects.requireNonNull(stateFile, "stateFile");
        Objects.requireNonNull(healthListen, "healthListen");
        gateways = List.copyOf(gateways);
        vips = List.copyOf(vips);
        tunnels = List.copyOf(tunnels);
        greKeys = List.copyOf(greKeys);
        Objects.requireNonNull(mssClamp, "mssClamp");
        Objects.requireNonNull(localAddress, "localAddress");
        statusClients = List.copyOf(statusClients);
        if (guePort < 1 || guePort > 65535) {
            throw new IllegalArgumentException("guePort " + guePort + " (expected: 1..65535)");
        }
    }

    /** The issue-15 signature without {@code gue-port}: {@link #DEFAULT_GUE_PORT}. */
    public AgentConfig(AgentMode mode, List<InetAddress> gateways, List<InetAddress> vips, List<TunnelKind> tunnels,
                       String decapDevice, Duration reconcileInterval, Path stateFile, String healthListen,
                       List<Long> greKeys, MssClampConfig mssClamp, LocalAddressConfig localAddress,
                       List<SourcePrefix> statusClients) {
        this(mode, gateways, vips, tunnels, decapDevice, reconcileInterval, stateFile, healthListen, greKeys, mssClamp,
            localAddress, statusClients, DEFAULT_GUE_PORT);
    }

    /** The issue-13 signature, kept for existing callers: /status to loopback only (no {@code status-clients}). */
    public AgentConfig(AgentMode mode, List<InetAddress> gateways, List<InetAddress> vips, List<TunnelKind> tunnels,
                       String decapDevice, Duration reconcileInterval, Path stateFile, String healthListen,
                       List<Long> greKeys, MssClampConfig mssClamp, LocalAddressConfig localAddress) {
        this(mode, gateways, vips, tunnels, decapDevice, reconcileInterval, stateFile, healthListen, greKeys, mssClamp,
            localAddress, List.of());
    }

    /** The issue-3 signature, kept for existing callers: local addresses derived ({@link LocalAddressConfig#DERIVED}). */
    public AgentConfig(AgentMode mode, List<InetAddress> gateways, List<InetAddress> vips, List<TunnelKind> tunnels,
                       String decapDevice, Duration reconcileInterval, Path stateFile, String healthListen,
                       List<Long> greKeys, MssClampConfig mssClamp) {
        this(mode, gateways, vips, tunnels, decapDevice, reconcileInterval, stateFile, healthListen, greKeys, mssClamp,
            LocalAddressConfig.DERIVED);
    }

    /**
     * The issue-2 signature, kept for existing callers: no GRE keys, MSS clamp as in reference.conf
     * ({@link MssClampConfig#DEFAULT}).
     */
    public AgentConfig(AgentMode mode, List<InetAddress> gateways, List<InetAddress> vips, List<TunnelKind> tunnels,
                       String decapDevice, Duration reconcileInterval, Path stateFile, String healthListen) {
        this(mode, gateways, vips, tunnels, decapDevice, reconcileInterval, stateFile, healthListen, List.of(),
            MssClampConfig.DEFAULT);
    }

    @Override
    public String toString() {
        return "AgentConfig[mode=" + mode.id() + ", gateways=" + format(gateways) + ", vips=" + format(vips)
            + ", tunnels=" + tunnels.stream().map(TunnelKind::id).collect(Collectors.joining(", ", "[", "]"))
            + ", decapDevice=" + decapDevice + ", reconcileInterval=" + Hocon.formatDuration(reconcileInterval)
            + ", stateFile=" + stateFile + ", healthListen=" + healthListen + ", greKeys=" + greKeys
            + ", mssClamp=" + mssClamp + ", localAddress=" + localAddress + ", guePort=" + guePort + "]";
    }

    private static String format(List<InetAddress> addresses) {
        return addresses.stream().map(IpLiterals::format).collect(Collectors.joining(", ", "[", "]"));
    }
}
