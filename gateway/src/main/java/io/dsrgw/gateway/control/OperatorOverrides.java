package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.lb.BackendIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's overrides ({@code dsrctl drain / undrain / weight}) by backend: validated against the running
 * config, kept across reloads while the backend stays configured in its VIP, dropped when it leaves (a re-added
 * backend starts clean). Applied to the running config by {@link #applyTo} before every snapshot build.
 *
 * <p>Not thread-safe: used under {@link GatewayControl}'s lock.
 */
final class OperatorOverrides {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorOverrides.class);

    private final Map<BackendKey, OperatorOverride> byKey = new LinkedHashMap<>();

    /** The override of {@code key}, or {@link OperatorOverride#NONE}. */
    OperatorOverride get(BackendKey key) {
        return byKey.getOrDefault(key, OperatorOverride.NONE);
    }

    /** Sets (or, for {@link OperatorOverride#NONE}, clears) the override of {@code key}; {@code what} is logged. */
    void set(BackendKey key, OperatorOverride next, String what) {
        if (next.isNone()) {
            byKey.remove(key);
        } else {
            byKey.put(key, next);
        }
        LOG.info("operator {} of {}: override now {}", what, key, next.isNone() ? "none" : next);
    }

    /** The overrides in force (a copy). */
    Map<BackendKey, OperatorOverride> asMap() {
        return Map.copyOf(byKey);
    }

    /** {@code running} as forwarded: overrides applied (health and removal grace not included). */
    GatewayConfig applyTo(GatewayConfig running) {
        return EffectiveConfig.withOverrides(running, byKey);
    }

    /** Drops overrides of backends no longer configured in {@code running} (after a reload). */
    void prune(GatewayConfig running) {
        byKey.keySet().removeIf(k -> {
            for (VipConfig v : running.vips()) {
                if (v.name().equals(k.vip()) && RemovalGrace.configured(v, k.identity())) {
                    return false;
                }
            }
            LOG.info("operator override of {} dropped: backend no longer configured", k);
            return true;
        });
    }

    /**
     * The key of a backend configured in {@code vipName} of {@code running} (backend given as an address, any
     * textual form).
     *
     * @throws IllegalArgumentException naming the unknown VIP or backend and what exists
     */
    static BackendKey configuredKey(GatewayConfig running, String vipName, String backendText) {
        VipConfig vip = null;
        List<String> names = new ArrayList<>();
        for (VipConfig v : running.vips()) {
            names.add(v.name());
            if (v.name().equals(vipName)) {
                vip = v;
            }
        }
        if (vip == null) {
            throw new IllegalArgumentException("vip " + vipName + ": not configured (expected one of: "
                    + String.join(", ", names) + ")");
        }
        String identity;
        try {
            identity = BackendIdentity.of(InetAddress.ofLiteral(backendText));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend " + backendText + ": not an IP address (expected: the "
                    + "backend's address as configured, e.g. 10.0.3.10)");
        }
        List<String> ids = new ArrayList<>();
        for (BackendConfig b : vip.backends()) {
            String id = BackendIdentity.of(b.address());
            ids.add(id);
            if (id.equals(identity)) {
                return new BackendKey(vip.name(), id);
            }
        }
        throw new IllegalArgumentException("backend " + identity + ": not configured in vip " + vip.name()
                + " (expected one of: " + String.join(", ", ids) + ")");
    }
}
