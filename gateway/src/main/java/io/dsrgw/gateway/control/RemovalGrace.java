package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.lb.BackendIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Removal grace: a backend (or whole VIP) removed by a reload stays in the snapshot as draining for the grace
 * period ({@code dsrgw.gateway.removed-backend-grace}, default 30 s; 0 removes at once), so its open flows finish
 * instead of being cut. Deadlines are read from an injected clock, so tests step time by hand.
 *
 * <p>Not thread-safe: used under {@link GatewayControl}'s lock.
 */
final class RemovalGrace {
    private final long graceNs;
    private final LongSupplier clockNs;
    private Map<BackendKey, EffectiveConfig.Removed> removed = new LinkedHashMap<>();

    /** @throws IllegalArgumentException for a negative grace */
    RemovalGrace(Duration grace, LongSupplier clockNs) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("removed-backend-grace: " + grace + " (expected: >= 0)");
        }
        this.graceNs = grace.toNanos();
        this.clockNs = Objects.requireNonNull(clockNs, "clockNs");
    }

    long graceNs() {
        return graceNs;
    }

    /** The backends removed and still draining (live view: do not modify). */
    Map<BackendKey, EffectiveConfig.Removed> current() {
        return removed;
    }

    /**
     * The removed-and-draining set after going from {@code before} to {@code after} (not applied: see
     * {@link #commit}): earlier ones still draining unless configured again, plus every backend {@code before}
     * had and {@code after} has not, with a deadline one grace period from now.
     */
    Map<BackendKey, EffectiveConfig.Removed> after(GatewayConfig before, GatewayConfig after) {
        Map<String, VipConfig> afterByName = new HashMap<>();
        for (VipConfig v : after.vips()) {
            afterByName.put(v.name(), v);
        }
        Map<BackendKey, EffectiveConfig.Removed> out = new LinkedHashMap<>();
        for (var e : removed.entrySet()) {
            if (!configured(afterByName.get(e.getKey().vip()), e.getKey().identity())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        if (graceNs == 0) {
            return out;
        }
        long deadline = clockNs.getAsLong() + graceNs;
        for (VipConfig v : before.vips()) {
            VipConfig now = afterByName.get(v.name());
            for (BackendConfig b : v.backends()) {
                String id = BackendIdentity.of(b.address());
                if (!configured(now, id)) {
                    out.putIfAbsent(new BackendKey(v.name(), id), new EffectiveConfig.Removed(v, b, deadline));
                }
            }
        }
        return out;
    }

    /** Makes {@code next} (from {@link #after}) the draining set. */
    void commit(Map<BackendKey, EffectiveConfig.Removed> next) {
        removed = next;
    }

    /** Ends the grace of every backend whose deadline passed; returns them (empty: nothing changed). */
    List<BackendKey> expire() {
        long now = clockNs.getAsLong();
        Map<BackendKey, EffectiveConfig.Removed> kept = new LinkedHashMap<>();
        List<BackendKey> expired = new ArrayList<>();
        for (var e : removed.entrySet()) {
            if (e.getValue().deadlineNs() - now > 0) {
                kept.put(e.getKey(), e.getValue());
            } else {
                expired.add(e.getKey());
            }
        }
        if (!expired.isEmpty()) {
            removed = kept;
        }
        return expired;
    }

    /** Whether {@code vip} (may be null) configures a backend with {@code identity}. */
    static boolean configured(VipConfig vip, String identity) {
        if (vip == null) {
            return false;
        }
        for (BackendConfig b : vip.backends()) {
            if (BackendIdentity.of(b.address()).equals(identity)) {
                return true;
            }
        }
        return false;
    }
}
