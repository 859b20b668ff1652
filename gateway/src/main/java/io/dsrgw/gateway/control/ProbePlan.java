package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.HealthCheckConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeSpec;
import io.dsrgw.gateway.lb.BackendIdentity;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which backends are health-checked, and how: one probe per backend of every VIP with a health check, including
 * removed backends still draining. Pure functions of the config, plus the step that makes {@link HealthState}
 * track exactly that set.
 */
final class ProbePlan {
    private ProbePlan() {
    }

    /**
     * The probes {@code config} asks for, plus those of the backends in {@code drained}.
     *
     * @throws IllegalArgumentException when a tunnel check of an IPv6 VIP has no IPv6 tunnel source
     */
    static Map<BackendKey, ProbeSpec> wanted(GatewayConfig config, Map<BackendKey, EffectiveConfig.Removed> drained) {
        Map<BackendKey, ProbeSpec> out = new LinkedHashMap<>();
        for (VipConfig v : config.vips()) {
            for (BackendConfig b : v.backends()) {
                // The backend's own health-check, else the VIP's (conf resolves the defaults of either).
                HealthCheckConfig hc = b.effectiveHealthCheck(v);
                // The probe of an IPv6 VIP is ICMPv6 from tunnel-source.ipv6, even through an IPv4 backend's sit.
                if (hc != null && HealthCheckConfig.TYPE_TUNNEL.equals(hc.type()) && !v.isIpv4()
                        && (config.tunnelSource() == null || config.tunnelSource().ipv6() == null)) {
                    throw new IllegalArgumentException("vip " + v.name() + ": health-check type tunnel of an IPv6 "
                            + "VIP needs tunnel-source.ipv6 (the source of its ICMPv6 echo through the tunnel)");
                }
                if (hc != null) {
                    out.put(new BackendKey(v.name(), BackendIdentity.of(b.address())), ProbeSpec.of(hc, b.address()));
                }
            }
        }
        for (var e : drained.entrySet()) {
            HealthCheckConfig hc = e.getValue().backend().effectiveHealthCheck(e.getValue().vip());
            if (hc != null) {
                out.putIfAbsent(e.getKey(), ProbeSpec.of(hc, e.getValue().backend().address()));
            }
        }
        return out;
    }

    /**
     * Makes {@code health} track exactly {@code wanted} (new backends start up when {@code initiallyUp}, else down
     * until they passed rise checks; backends that remain keep their state).
     */
    static void track(HealthState health, Map<BackendKey, ProbeSpec> wanted, boolean initiallyUp) {
        for (var e : wanted.entrySet()) {
            health.track(e.getKey(), e.getValue().rise(), e.getValue().fall(), initiallyUp);
        }
        health.retain(wanted.keySet());
    }
}
