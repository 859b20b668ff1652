package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.BackendState;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.lb.BackendIdentity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The config the snapshot is built from: the operator's config with each backend's state replaced by its
 * effective state (DESIGN.md decision 4), plus the backends (and VIPs) that a reload removed and that are still
 * draining within their grace period. Pure; the snapshot factory needs no knowledge of health or draining.
 */
public final class EffectiveConfig {
    private EffectiveConfig() {
    }

    /**
     * The effective state of a backend:
     * <ul>
     *   <li>DOWN when configured down or failing its health check (its flows are re-hashed);</li>
     *   <li>DRAINING when configured draining, weighted 0, drained by its agent, or removed by a reload and still
     *       in its grace period (no new flows; existing flows stay);</li>
     *   <li>ACTIVE otherwise.</li>
     * </ul>
     */
    public static BackendState effective(BackendConfig b, Health health, boolean removed) {
        if (b.state() == BackendState.DOWN || health == Health.DOWN) {
            return BackendState.DOWN;
        }
        if (b.state() == BackendState.DRAINING || b.weight() == 0 || health == Health.DRAINING || removed) {
            return BackendState.DRAINING;
        }
        return BackendState.ACTIVE;
    }

    /**
     * {@code config} with effective states; each {@code removed} backend (keyed by VIP name, with its old
     * config) is appended to its VIP as draining, or, when its whole VIP was removed, the old VIP is kept with
     * only draining backends, unless one of its (address, protocol, port) services now belongs to another VIP.
     */
    public static GatewayConfig of(GatewayConfig config, HealthState health, Map<BackendKey, Removed> removed) {
        Map<String, List<Removed>> removedByVip = new LinkedHashMap<>();
        for (var e : removed.entrySet()) {
            removedByVip.computeIfAbsent(e.getKey().vip(), k -> new ArrayList<>()).add(e.getValue());
        }
        List<VipConfig> vips = new ArrayList<>();
        Set<String> services = new HashSet<>();
        for (VipConfig v : config.vips()) {
            List<BackendConfig> backends = new ArrayList<>();
            Set<String> present = new HashSet<>();
            for (BackendConfig b : v.backends()) {
                String id = BackendIdentity.of(b.address());
                present.add(id);
                backends.add(withState(b, effective(b, health.health(new BackendKey(v.name(), id)), false)));
            }
            for (Removed r : removedByVip.getOrDefault(v.name(), List.of())) {
                String id = BackendIdentity.of(r.backend().address());
                if (!present.contains(id)) {
                    backends.add(withState(r.backend(), effective(r.backend(),
                            health.health(new BackendKey(v.name(), id)), true)));
                }
            }
            removedByVip.remove(v.name());
            vips.add(with(v, backends));
            for (int port : v.ports()) {
                services.add(service(v, port));
            }
        }
        // VIPs removed as a whole: keep them while their backends drain, if nothing else took their services.
        for (List<Removed> gone : removedByVip.values()) {
            VipConfig old = gone.get(0).vip();
            boolean free = true;
            for (int port : old.ports()) {
                free &= !services.contains(service(old, port));
            }
            if (!free) {
                continue;
            }
            List<BackendConfig> backends = new ArrayList<>();
            for (Removed r : gone) {
                String id = BackendIdentity.of(r.backend().address());
                backends.add(withState(r.backend(), effective(r.backend(),
                        health.health(new BackendKey(old.name(), id)), true)));
            }
            vips.add(with(old, backends));
        }
        return withVips(config, vips);
    }

    /**
     * {@code config} with operator overrides applied: a drained backend becomes DRAINING unless configured DOWN, an
     * overriding weight replaces the configured one. Overrides of backends not in {@code config} are ignored.
     */
    public static GatewayConfig withOverrides(GatewayConfig config,
                                              Map<BackendKey, OperatorOverride> overrides) {
        if (overrides.isEmpty()) {
            return config;
        }
        List<VipConfig> vips = new ArrayList<>();
        for (VipConfig v : config.vips()) {
            List<BackendConfig> backends = new ArrayList<>();
            for (BackendConfig b : v.backends()) {
                OperatorOverride o = overrides.get(new BackendKey(v.name(),
                        BackendIdentity.of(b.address())));
                if (o == null) {
                    backends.add(b);
                    continue;
                }
                // maint: as if down (pinned flows re-hash at once); drain: no new flows, pinned flows finish.
                BackendState state = o.maint() ? BackendState.DOWN
                        : o.drained() && b.state() == BackendState.ACTIVE ? BackendState.DRAINING : b.state();
                int weight = o.weight() >= 0 ? o.weight() : b.weight();
                backends.add(new BackendConfig(b.address(), weight, state, b.tunnelOverride(), b.healthCheck()));
            }
            vips.add(with(v, backends));
        }
        return withVips(config, vips);
    }

    /** {@code config} with other VIPs; every other setting kept. */
    private static GatewayConfig withVips(GatewayConfig config, List<VipConfig> vips) {
        return config.withVips(vips);
    }

    private static String service(VipConfig v, int port) {
        return v.address().getHostAddress() + "/" + v.protocol() + "/" + port;
    }

    private static BackendConfig withState(BackendConfig b, BackendState state) {
        return state == b.state() ? b
                : new BackendConfig(b.address(), b.weight(), state, b.tunnelOverride(), b.healthCheck());
    }

    private static VipConfig with(VipConfig v, List<BackendConfig> backends) {
        return v.withBackends(backends);
    }

    /**
     * A backend removed by a reload, draining until {@code deadlineNs}.
     *
     * @param vip        its VIP as last configured (kept whole in case the VIP itself was removed)
     * @param backend    its last config
     * @param deadlineNs when it leaves the snapshot (control clock)
     */
    public record Removed(VipConfig vip, BackendConfig backend, long deadlineNs) {
    }
}
