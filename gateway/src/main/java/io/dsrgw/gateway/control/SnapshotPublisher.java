package io.dsrgw.gateway.control;

import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds forwarding snapshots from the running config and publishes them to the data plane: the effective
 * config (operator overrides, health, removal grace) through {@link SnapshotFactory} with the process's
 * {@link SnapshotContext} (stable backend ids, Maglev reuse: only VIPs whose backends changed get a new table),
 * numbered by generation, published through the one {@link SnapshotHolder} the workers read, then announced to
 * the snapshot listeners.
 *
 * <p>Not thread-safe: used under {@link GatewayControl}'s lock; {@link #holder()} and the counters may be read
 * from any thread.
 */
final class SnapshotPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

    private final HealthState health;
    private final OperatorOverrides overrides;
    private final ControlListeners listeners;
    private final SnapshotContext context = SnapshotContext.create();
    private final SnapshotHolder holder;
    private long generation;
    private volatile long rebuilds;

    /**
     * Builds and holds generation 1 of {@code initial} (not announced: nobody listens yet).
     *
     * @throws SnapshotFactory.SnapshotException when the config cannot be forwarded
     */
    SnapshotPublisher(GatewayConfig initial, Map<BackendKey, EffectiveConfig.Removed> removed, HealthState health,
                      OperatorOverrides overrides, ControlListeners listeners)
            throws SnapshotFactory.SnapshotException {
        this.health = Objects.requireNonNull(health, "health");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
        this.generation = 1;
        this.holder = new SnapshotHolder(build(initial, removed, generation));
    }

    SnapshotHolder holder() {
        return holder;
    }

    SnapshotContext context() {
        return context;
    }

    /** The generation of the snapshot published last. */
    long generation() {
        return generation;
    }

    /** Snapshots built after startup (reloads, health changes, overrides, grace expiries). */
    long rebuilds() {
        return rebuilds;
    }

    /** Builds the next generation of {@code config} without publishing it (a reload may still be rejected). */
    ForwardingSnapshot buildNext(GatewayConfig config, Map<BackendKey, EffectiveConfig.Removed> removed)
            throws SnapshotFactory.SnapshotException {
        return build(config, removed, generation + 1);
    }

    /** Publishes {@code s} (from {@link #buildNext}) to the workers and the snapshot listeners. */
    void publish(ForwardingSnapshot s) {
        generation = s.generation();
        holder.publish(s);
        listeners.published(s);
    }

    /**
     * Builds and publishes the next generation of {@code running} after a change of states ({@code why} is
     * logged); on failure keeps the old snapshot: the same config built before, and states alone cannot make it
     * invalid.
     */
    void rebuild(GatewayConfig running, Map<BackendKey, EffectiveConfig.Removed> removed, String why) {
        try {
            ForwardingSnapshot s = buildNext(running, removed);
            generation = s.generation();
            holder.publish(s);
            LOG.info("snapshot generation {} ({})", generation, why);
            listeners.published(s);
        } catch (SnapshotFactory.SnapshotException e) {
            LOG.error("snapshot rebuild failed ({}), keeping generation {}: {}", why, generation, e.getMessage());
        }
    }

    private ForwardingSnapshot build(GatewayConfig config, Map<BackendKey, EffectiveConfig.Removed> drained,
                                     long gen) throws SnapshotFactory.SnapshotException {
        // vips[].flow-table = false: pure Maglev for that VIP (the context carries ids and the Maglev cache).
        Set<String> stateless = new HashSet<>();
        for (VipConfig v : config.vips()) {
            if (!v.flowTable()) {
                stateless.add(v.name());
            }
        }
        for (EffectiveConfig.Removed r : drained.values()) {
            if (!r.vip().flowTable() && config.vip(r.vip().name()) == null) {
                stateless.add(r.vip().name());
            }
        }
        ForwardingSnapshot s = SnapshotFactory.fromConfig(
                EffectiveConfig.of(overrides.applyTo(config), health, drained), gen,
                context.withStatelessVips(stateless));
        if (gen > 1) {
            rebuilds++;
        }
        return s;
    }
}
