package io.dsrgw.gateway.health;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The health of every checked backend, shared by the probes (writers, on event loops) and the control plane
 * (reader, when it builds a snapshot). Survives reloads: {@link #retain} keeps the entries of backends that
 * remain, so a reload neither resets a down backend to up nor an up one to down.
 *
 * <p>On a change of a backend's {@link Health}, the listener is called with the VIP name (on the probing
 * thread, outside the lock); the control plane rebuilds the snapshot, and only that VIP's Maglev table changes.
 */
public final class HealthState {
    private final Map<BackendKey, BackendHealth> byKey = new HashMap<>();
    private volatile Consumer<String> onVipChange = vip -> { };

    /** Sets the listener called with a VIP name when the health of one of its backends changes. */
    public void onVipChange(Consumer<String> listener) {
        this.onVipChange = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts tracking {@code key} unless already tracked (then its state is kept, but new rise/fall values replace
     * the old ones when they differ, keeping whether it is up). Returns true when newly added.
     */
    public synchronized boolean track(BackendKey key, int rise, int fall, boolean initiallyUp) {
        BackendHealth old = byKey.get(key);
        if (old == null) {
            byKey.put(key, new BackendHealth(rise, fall, initiallyUp));
            return true;
        }
        if (old.rise() != rise || old.fall() != fall) {
            byKey.put(key, new BackendHealth(rise, fall, old.health() != Health.DOWN));
        }
        return false;
    }

    /** Forgets every backend not in {@code keep} (removed by reload, or their VIP lost its health check). */
    public synchronized void retain(Set<BackendKey> keep) {
        byKey.keySet().retainAll(keep);
    }

    /** Records one probe result for {@code key} (ignored when no longer tracked: a late probe after a reload). */
    public void record(BackendKey key, ProbeResult result, String detail) {
        record(key, result, detail, -1);
    }

    /** As {@link #record(BackendKey, ProbeResult, String)}, with the probe's duration ({@code < 0}: unknown). */
    public void record(BackendKey key, ProbeResult result, String detail, long durationNs) {
        boolean changed;
        synchronized (this) {
            BackendHealth h = byKey.get(key);
            if (h == null) {
                return;
            }
            changed = h.record(result, detail, durationNs);
        }
        if (changed) {
            onVipChange.accept(key.vip());
        }
    }

    /** The health of {@code key}; UP when it is not checked (a VIP without health check trusts its backends). */
    public synchronized Health health(BackendKey key) {
        BackendHealth h = byKey.get(key);
        return h == null ? Health.UP : h.health();
    }

    /** A copy of (key -> health) for status output and tests. */
    public synchronized Map<BackendKey, Health> snapshot() {
        Map<BackendKey, Health> out = new LinkedHashMap<>();
        byKey.forEach((k, v) -> out.put(k, v.health()));
        return out;
    }

    /** Health transitions of {@code key} since it was first tracked (0 when not tracked). */
    public synchronized long transitions(BackendKey key) {
        BackendHealth h = byKey.get(key);
        return h == null ? 0 : h.transitions();
    }

    /** Seconds the last timed probe of {@code key} took; NaN when not tracked or never timed. */
    public synchronized double lastProbeSeconds(BackendKey key) {
        BackendHealth h = byKey.get(key);
        return h == null ? Double.NaN : h.lastProbeSeconds();
    }

    /** The last probe detail of {@code key}, or null when not tracked. */
    public synchronized String lastDetail(BackendKey key) {
        BackendHealth h = byKey.get(key);
        return h == null ? null : h.lastDetail();
    }

    /** The detail of the last failed probe of {@code key} ("" before any failure), or null when not tracked. */
    public synchronized String lastFailure(BackendKey key) {
        BackendHealth h = byKey.get(key);
        return h == null ? null : h.lastFailure();
    }
}
