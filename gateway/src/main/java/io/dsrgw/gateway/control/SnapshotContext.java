package io.dsrgw.gateway.control;

import io.dsrgw.gateway.dataplane.BackendIds;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.lb.MaglevCache;

import java.util.Objects;
import java.util.Set;

/**
 * What the control plane carries from one snapshot build to the next: the stable backend ids, the Maglev table
 * cache, and the VIPs whose flows bypass the flow table (pure Maglev, stateless).
 *
 * @param backendIds   stable ids (shared by all builds of the process)
 * @param maglevCache  table reuse across builds
 * @param statelessVips names of VIPs without flow table (proposed conf key {@code vips[i].flow-table = false})
 */
public record SnapshotContext(BackendIds backendIds, MaglevCache maglevCache, Set<String> statelessVips) {
    public SnapshotContext {
        Objects.requireNonNull(backendIds, "backendIds");
        Objects.requireNonNull(maglevCache, "maglevCache");
        statelessVips = Set.copyOf(statelessVips);
    }

    /** A fresh context: new ids, empty cache, every VIP uses the flow table. */
    public static SnapshotContext create() {
        return new SnapshotContext(new BackendIds(), new MaglevCache(), Set.of());
    }

    /** Hands the ids, the cache and the stateless VIPs to {@code builder}; returns it. */
    public ForwardingSnapshot.Builder applyTo(ForwardingSnapshot.Builder builder) {
        return builder.backendIds(backendIds).maglevCache(maglevCache).statelessVips(statelessVips);
    }

    /** The same ids and cache with another set of stateless VIPs. */
    public SnapshotContext withStatelessVips(Set<String> names) {
        return new SnapshotContext(backendIds, maglevCache, names);
    }
}
