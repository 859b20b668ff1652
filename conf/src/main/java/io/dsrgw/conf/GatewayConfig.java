package io.dsrgw.conf;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The validated configuration of one gateway ({@code dsrgw.gateway}). Immutable.
 *
 * @param ingress         where packets for the VIPs come in
 * @param tunnelSource    outer source addresses
 * @param tunnelMtu       MTU of the path to the backends, outer header included (576..65535)
 * @param ttl             outer TTL / hop limit (1..255)
 * @param hashSeed        seed of the keyed flow hash and Maglev permutations; same on every gateway
 * @param maglevTableSize Maglev lookup table size per VIP: a prime, larger than any VIP's backend count
 * @param batchSize       packets per RX/TX batch (1..1024)
 * @param vips            the VIPs, in configuration order
 * @param admin           admin surfaces
 * @param icmp            echo handling and the too-big rate limit
 * @param removedBackendGrace how long a backend removed by a reload keeps its flows, draining, before it goes
 *                        (0s..1h)
 * @param flowTable       the per-worker flow table's size and idle timeouts
 * @param announce        the VIP routes BIRD announces ({@link AnnounceConfig#OFF} when {@code announce.table} is
 *                        not set)
 */
public record GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                            String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                            AdminConfig admin, IcmpConfig icmp, Duration removedBackendGrace,
                            FlowTableConfig flowTable, AnnounceConfig announce, SecurityConfig security,
                            GueConfig gue) {

    /** Default of {@link #removedBackendGrace}. */
    public static final Duration DEFAULT_REMOVED_BACKEND_GRACE = Duration.ofSeconds(30);

    public GatewayConfig {
        Objects.requireNonNull(ingress, "ingress");
        Objects.requireNonNull(tunnelSource, "tunnelSource");
        Objects.requireNonNull(hashSeed, "hashSeed");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(icmp, "icmp");
        Objects.requireNonNull(removedBackendGrace, "removedBackendGrace");
        Objects.requireNonNull(flowTable, "flowTable");
        Objects.requireNonNull(announce, "announce");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(gue, "gue");
        if (removedBackendGrace.isNegative()) {
            throw new IllegalArgumentException("removedBackendGrace " + removedBackendGrace + " (expected: >= 0)");
        }
        vips = List.copyOf(vips);
    }

    /** The issue-14 signature, kept for existing callers: GUE defaults ({@link GueConfig#DEFAULT}). */
    public GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                         String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                         AdminConfig admin, IcmpConfig icmp, Duration removedBackendGrace, FlowTableConfig flowTable,
                         AnnounceConfig announce, SecurityConfig security) {
        this(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize, vips, admin, icmp,
            removedBackendGrace, flowTable, announce, security, GueConfig.DEFAULT);
    }

    /** The issue-13 signature, kept for existing callers: no extra deny prefixes ({@link SecurityConfig#DEFAULT}). */
    public GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                         String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                         AdminConfig admin, IcmpConfig icmp, Duration removedBackendGrace, FlowTableConfig flowTable,
                         AnnounceConfig announce) {
        this(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize, vips, admin, icmp,
            removedBackendGrace, flowTable, announce, SecurityConfig.DEFAULT);
    }

    /** The issue-11 signature, kept for existing callers: announcing off ({@link AnnounceConfig#OFF}). */
    public GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                         String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                         AdminConfig admin, IcmpConfig icmp, Duration removedBackendGrace, FlowTableConfig flowTable) {
        this(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize, vips, admin, icmp,
            removedBackendGrace, flowTable, AnnounceConfig.OFF);
    }

    /**
     * The issue-4 signature, kept for existing callers: removed-backend-grace 30s and the default flow table
     * ({@link FlowTableConfig#DEFAULT}).
     */
    public GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                         String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                         AdminConfig admin, IcmpConfig icmp) {
        this(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize, vips, admin, icmp,
            DEFAULT_REMOVED_BACKEND_GRACE, FlowTableConfig.DEFAULT);
    }

    /** The issue-2 signature, kept for existing callers: {@code icmp} is {@link IcmpConfig#DEFAULT}. */
    public GatewayConfig(IngressConfig ingress, TunnelSourceConfig tunnelSource, int tunnelMtu, int ttl,
                         String hashSeed, int maglevTableSize, int batchSize, List<VipConfig> vips,
                         AdminConfig admin) {
        this(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize, vips, admin,
            IcmpConfig.DEFAULT);
    }

    /** @return this config with other VIPs, every other setting kept */
    public GatewayConfig withVips(List<VipConfig> otherVips) {
        return new GatewayConfig(ingress, tunnelSource, tunnelMtu, ttl, hashSeed, maglevTableSize, batchSize,
            otherVips, admin, icmp, removedBackendGrace, flowTable, announce, security, gue);
    }

    /** @return the number of backends over all VIPs */
    public int backendCount() {
        int n = 0;
        for (VipConfig v : vips) {
            n += v.backends().size();
        }
        return n;
    }

    /** @return the VIP with this name, or null */
    public VipConfig vip(String name) {
        for (VipConfig v : vips) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        // The hash seed is a secret (it keeps outsiders from aiming flows at one backend): never print it.
        return "GatewayConfig[ingress=" + ingress + ", tunnelSource=" + tunnelSource + ", tunnelMtu=" + tunnelMtu
            + ", ttl=" + ttl + ", hashSeed=(" + hashSeed.length() + " chars), maglevTableSize=" + maglevTableSize
            + ", batchSize=" + batchSize + ", vips=" + vips + ", admin=" + admin + ", icmp=" + icmp
            + ", removedBackendGrace=" + Hocon.formatDuration(removedBackendGrace) + ", flowTable=" + flowTable + ", "
            + announce + "]";
    }
}
