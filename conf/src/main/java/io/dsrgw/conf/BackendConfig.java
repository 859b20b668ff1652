package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One backend of a VIP ({@code vips[i].backends[j]}). Its address family chooses the outer header.
 *
 * @param address        the backend's own (tunnel endpoint) address, IPv4 or IPv6
 * @param weight         Maglev weight 0..65535 (default 100); 0 behaves like draining
 * @param state          administrative state (default active)
 * @param tunnelOverride tunnel family for this backend instead of the VIP's, or null
 * @param healthCheck    this backend's own health check, complete (keys it leaves out come from the VIP's check,
 *                       then the defaults), replacing the VIP's for this backend; null to use the VIP's
 */
public record BackendConfig(InetAddress address, int weight, BackendState state, TunnelFamily tunnelOverride,
                            HealthCheckConfig healthCheck) {

    public BackendConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
    }

    /** The issue-2 signature, kept for existing callers: no health check of its own. */
    public BackendConfig(InetAddress address, int weight, BackendState state, TunnelFamily tunnelOverride) {
        this(address, weight, state, tunnelOverride, null);
    }

    /** @return the health check that applies to this backend of {@code vip}: its own, else the VIP's, else null */
    public HealthCheckConfig effectiveHealthCheck(VipConfig vip) {
        return healthCheck != null ? healthCheck : vip.healthCheck();
    }

    /** @return true for an IPv4 backend (outer header IPv4: ipip, sit, gre; with tunnel = none an IPv4 VIP) */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** @return the tunnel family actually used for this backend of {@code vip} */
    public TunnelFamily effectiveTunnel(VipConfig vip) {
        return tunnelOverride != null ? tunnelOverride : vip.tunnel();
    }

    /**
     * The tunnel kind this backend of {@code vip} is reached with (DESIGN.md decision 5): the family comes from
     * the config ({@link #effectiveTunnel}), the outer header from the backend's address family, and for an IPv4
     * outer ipip-family tunnel the inner (VIP) family picks ipip or sit.
     *
     * @return IPIP (4in4), SIT (6in4), GRE, IP6TNL or IP6GRE; NONE for {@code tunnel = none} (L2 DSR)
     */
    public TunnelKind tunnelKind(VipConfig vip) {
        if (effectiveTunnel(vip) == TunnelFamily.GUE) {
            return isIpv4() ? TunnelKind.GUE : TunnelKind.GUE6;
        }
        if (effectiveTunnel(vip) == TunnelFamily.NONE) {
            return TunnelKind.NONE;
        }
        boolean gre = effectiveTunnel(vip) == TunnelFamily.GRE;
        if (!isIpv4()) {
            return gre ? TunnelKind.IP6GRE : TunnelKind.IP6TNL;
        }
        if (gre) {
            return TunnelKind.GRE;
        }
        return vip.isIpv4() ? TunnelKind.IPIP : TunnelKind.SIT;
    }

    /** @return true when this backend of {@code vip} is reached without a tunnel (L2 DSR, {@code tunnel = none}) */
    public boolean linkLayer(VipConfig vip) {
        return effectiveTunnel(vip) == TunnelFamily.NONE;
    }

    @Override
    public String toString() {
        return IpLiterals.format(address) + " weight " + weight + " " + state.id()
            + (tunnelOverride == null ? "" : " tunnel " + tunnelOverride.id())
            + (healthCheck == null ? "" : " " + healthCheck);
    }
}
