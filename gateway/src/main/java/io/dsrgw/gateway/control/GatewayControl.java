package io.dsrgw.gateway.control;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.ConfigDiff;
import io.dsrgw.conf.ConfigError;
import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.HealthCheckConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeSpec;
import io.dsrgw.gateway.lb.BackendIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Owns the running gateway config and every change to the forwarding state after startup (issue 5):
 * <ul>
 *   <li><b>reload</b> ({@link #reload()}; file change, SIGHUP or the admin surface through
 *       {@link #requestReload(String)}): parse and validate the file off the data path; if invalid, keep the
 *       running config, log every error with file:line and count {@code reload_failures}; if valid, build the new
 *       snapshot (Maglev tables rebuilt only for VIPs whose backends changed: {@link SnapshotContext}'s cache)
 *       and publish it; health state survives for backends that remain;</li>
 *   <li><b>removal grace</b>: a backend (or whole VIP) removed by a reload stays in the snapshot as draining for
 *       {@code removedBackendGrace} (proposed conf key {@code dsrgw.gateway.removed-backend-grace}, default
 *       30 s; 0 removes at once), so its open flows finish instead of being cut;</li>
 *   <li><b>health changes</b> ({@link #healthChanged(String)}): rebuild from the same config with new effective
 *       states; only the changed VIP's Maglev table is rebuilt.</li>
 * </ul>
 * The public methods are synchronized and may be called from any thread (tests call them directly); in
 * production {@link #start()} runs them on the single {@code dsrgw-control} thread.
 */
public final class GatewayControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayControl.class);
    /** Default drain time of a backend removed by reload. */
    public static final Duration DEFAULT_REMOVED_BACKEND_GRACE = Duration.ofSeconds(30);
    /** Coalesces bursts of reload requests (an editor's write + rename, a file watcher's double event). */
    static final long RELOAD_DEBOUNCE_MS = 200;
    /** Settings read once at startup: flow tables are allocated per worker, the grace is a constructor argument. */
    private static final List<String> RESTART_SETTINGS = List.of("ingress", "batch-size", "admin",
            "removed-backend-grace", "flow-table");

    private final Path file;
    private final long graceNs;
    private final LongSupplier clockNs;
    private final HealthState health;
    private final ProbeRunner probes;
    private final SnapshotContext context;
    private final SnapshotHolder holder;
    private final AtomicBoolean reloadPending = new AtomicBoolean();
    private final List<Consumer<ReloadResult>> listeners = new ArrayList<>();
    private final List<Consumer<ForwardingSnapshot>> snapshotListeners = new ArrayList<>();
    private GatewayConfig running;
    private Map<BackendKey, EffectiveConfig.Removed> removed = new LinkedHashMap<>();
    /** Operator overrides (dsrctl drain / weight), kept across reloads while the backend stays configured. */
    private final Map<BackendKey, OperatorOverride> overrides = new LinkedHashMap<>();
    private long generation;
    private volatile long reloads;
    private volatile long reloadFailures;
    private volatile long rebuilds;
    private ScheduledExecutorService executor;

    /**
     * Builds the first snapshot (generation 1) of {@code initial}, loaded from {@code file}, and starts its probes
     * with every backend initially up.
     *
     * @throws SnapshotFactory.SnapshotException when the config cannot be forwarded (startup fails)
     */
    public GatewayControl(Path file, GatewayConfig initial, Duration removedBackendGrace, LongSupplier clockNs,
                          HealthState health, ProbeRunner probes) throws SnapshotFactory.SnapshotException {
        this.file = Objects.requireNonNull(file, "file");
        this.running = Objects.requireNonNull(initial, "initial");
        if (removedBackendGrace.isNegative()) {
            throw new IllegalArgumentException("removed-backend-grace: " + removedBackendGrace + " (expected: >= 0)");
        }
        this.graceNs = removedBackendGrace.toNanos();
        this.clockNs = Objects.requireNonNull(clockNs, "clockNs");
        this.health = Objects.requireNonNull(health, "health");
        this.probes = Objects.requireNonNull(probes, "probes");
        this.context = SnapshotContext.create();
        this.generation = 1;
        Map<BackendKey, ProbeSpec> wanted = wantedProbes(initial, removed);
        track(wanted, true);
        this.holder = new SnapshotHolder(build(initial, removed, generation));
        probes.apply(wanted, true);
    }

    /** The holder the workers read; its snapshot changes on every applied reload and health change. */
    public SnapshotHolder holder() {
        return holder;
    }

    /** The running (operator) config, without effective states. */
    public synchronized GatewayConfig running() {
        return running;
    }

    /** Adds a listener called after every reload attempt (on the control thread), e.g. to add VIP routes. */
    public synchronized void onReload(Consumer<ReloadResult> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Adds a listener called with every snapshot published after this call (reloads, health changes, operator
     * overrides, grace expiries), on the publishing thread while the control is locked: e.g. to make the VIP
     * routes follow the VIPs. Exceptions are logged.
     */
    public synchronized void onSnapshot(Consumer<ForwardingSnapshot> listener) {
        snapshotListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void published(ForwardingSnapshot s) {
        for (Consumer<ForwardingSnapshot> l : snapshotListeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.error("snapshot listener failed: {}", e.toString());
            }
        }
    }

    /** Starts the control thread: health changes and drain deadlines are then handled there. */
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsrgw-control");
            t.setDaemon(true);
            return t;
        });
        health.onVipChange(vip -> executor.execute(() -> healthChanged(vip)));
        // Probes run from construction on; a backend that changed state before this listener existed (startup
        // takes a while: TUN, routes, admin surfaces) must not stay in rotation until its next change.
        executor.execute(() -> {
            synchronized (this) {
                if (health.snapshot().values().stream().anyMatch(h -> h != io.dsrgw.gateway.health.Health.UP)) {
                    LOG.info("health changed during startup: {}", health.snapshot());
                    rebuild("health changes during startup");
                }
            }
        });
        executor.scheduleWithFixedDelay(this::expireDrains, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Asks for a reload on the control thread ({@code reason} is logged: "SIGHUP", "file changed", "dsrctl");
     * requests within {@value #RELOAD_DEBOUNCE_MS} ms are coalesced. Without {@link #start()}, reloads at once.
     */
    public void requestReload(String reason) {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
        }
        if (e == null) {
            LOG.info("reload requested: {}", reason);
            reload();
            return;
        }
        if (reloadPending.compareAndSet(false, true)) {
            e.schedule(() -> {
                reloadPending.set(false);
                LOG.info("reload requested: {}", reason);
                reload();
            }, RELOAD_DEBOUNCE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Reloads the config file now; see the class comment. Never throws for a bad file. */
    public synchronized ReloadResult reload() {
        GatewayConfig next;
        try {
            next = ConfigLoader.loadGateway(file);
        } catch (ConfigException e) {
            List<String> errors = new ArrayList<>();
            for (ConfigError err : e.errors()) {
                errors.add(err.toString());
            }
            if (errors.isEmpty()) {
                errors.add(file + ": " + e.getMessage());
            }
            return rejected(errors);
        } catch (RuntimeException e) {
            return rejected(List.of(file + ": " + e));
        }
        ConfigDiff diff = ConfigDiff.between(running, next);
        List<String> restart = new ArrayList<>();
        for (String s : diff.changedSettings()) {
            if (RESTART_SETTINGS.contains(s)) {
                restart.add(s);
            }
        }
        if (diff.isEmpty()) {
            ReloadResult r = new ReloadResult(true, diff, List.of(), generation, restart);
            LOG.info("reload: {}: no change", file);
            reloads++;
            notifyListeners(r);
            return r;
        }
        Map<BackendKey, EffectiveConfig.Removed> nextRemoved = removedAfter(running, next);
        Map<BackendKey, ProbeSpec> wanted;
        try {
            wanted = wantedProbes(next, nextRemoved);
        } catch (IllegalArgumentException e) {
            return rejected(List.of(file + ": " + e.getMessage()));
        }
        // Track first, so that a backend new to health checking is built into the snapshot as down until it has
        // passed rise checks; a rejected build puts the old set back (states of remaining backends are kept).
        track(wanted, false);
        ForwardingSnapshot snapshot;
        try {
            snapshot = build(next, nextRemoved, generation + 1);
        } catch (SnapshotFactory.SnapshotException e) {
            track(wantedProbes(running, removed), false);
            List<String> errors = new ArrayList<>();
            for (String p : e.problems()) {
                errors.add(file + ": " + p);
            }
            return rejected(errors);
        }
        generation++;
        running = next;
        removed = nextRemoved;
        pruneOverrides();
        holder.publish(snapshot);
        published(snapshot);
        probes.apply(wanted, false);
        reloads++;
        ReloadResult r = new ReloadResult(true, diff, List.of(), generation, restart);
        LOG.info("{}", r.summary());
        if (!nextRemoved.isEmpty()) {
            LOG.info("draining {} removed backend(s) for up to {} ms: {}", nextRemoved.size(), graceNs / 1_000_000,
                    nextRemoved.keySet());
        }
        notifyListeners(r);
        return r;
    }

    /** Rebuilds the snapshot after a health change of a backend of {@code vip}. */
    public synchronized void healthChanged(String vip) {
        LOG.info("health of vip {} changed: {}", vip, health.snapshot());
        rebuild("health of vip " + vip);
    }

    /** Ends the grace period of removed backends whose deadline passed (control thread, every second). */
    public synchronized void expireDrains() {
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
            LOG.info("grace period over, removing {}", expired);
            Map<BackendKey, ProbeSpec> wanted = wantedProbes(running, removed);
            track(wanted, false);
            rebuild("removal grace over");
            probes.apply(wanted, false);
        }
    }

    /**
     * Operator override (dsrctl drain): backend {@code backend} of VIP {@code vip} takes no new flows, its existing
     * flows stay. Survives reloads while the backend stays configured in that VIP.
     *
     * @throws IllegalArgumentException naming the unknown VIP or backend and what exists
     */
    public synchronized OverrideResult drain(String vip, String backend) {
        BackendKey key = configuredKey(vip, backend);
        OperatorOverride old = overrides.getOrDefault(key, OperatorOverride.NONE);
        return setOverride(key, new OperatorOverride(true, old.weight()), "drain");
    }

    /** Removes the operator's drain of {@code backend} (its configured state and health apply again). */
    public synchronized OverrideResult undrain(String vip, String backend) {
        BackendKey key = configuredKey(vip, backend);
        OperatorOverride old = overrides.getOrDefault(key, OperatorOverride.NONE);
        return setOverride(key, new OperatorOverride(false, old.weight()), "undrain");
    }

    /**
     * Operator override of the weight (0..65535; 0 behaves as draining). The Maglev table of the VIP is rebuilt;
     * flows already pinned in the flow tables stay where they are.
     */
    public synchronized OverrideResult weight(String vip, String backend, int weight) {
        if (weight < 0 || weight > 65535) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0..65535)");
        }
        BackendKey key = configuredKey(vip, backend);
        OperatorOverride old = overrides.getOrDefault(key, OperatorOverride.NONE);
        return setOverride(key, new OperatorOverride(old.drained(), weight), "weight " + weight);
    }

    /** The operator overrides in force (VIP name/backend identity -> override). */
    public synchronized Map<BackendKey, OperatorOverride> overrides() {
        return Map.copyOf(overrides);
    }

    /** The running config as forwarded: operator overrides applied (health and removal grace not included). */
    public synchronized GatewayConfig overridden() {
        return EffectiveConfig.withOverrides(running, overrides);
    }

    private OverrideResult setOverride(BackendKey key, OperatorOverride next, String what) {
        if (next.isNone()) {
            overrides.remove(key);
        } else {
            overrides.put(key, next);
        }
        LOG.info("operator {} of {}: override now {}", what, key, next.isNone() ? "none" : next);
        rebuild("operator " + what + " of " + key);
        return new OverrideResult(key, overrides.getOrDefault(key, OperatorOverride.NONE), generation);
    }

    /** The key of a backend configured in {@code vip} (backend given as an address, any textual form). */
    private BackendKey configuredKey(String vipName, String backendText) {
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
            identity = BackendIdentity.of(java.net.InetAddress.ofLiteral(backendText));
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

    /** Drops overrides of backends no longer configured (after a reload): a re-added backend starts clean. */
    private void pruneOverrides() {
        overrides.keySet().removeIf(k -> {
            for (VipConfig v : running.vips()) {
                if (v.name().equals(k.vip()) && configured(v, k.identity())) {
                    return false;
                }
            }
            LOG.info("operator override of {} dropped: backend no longer configured", k);
            return true;
        });
    }

    /**
     * An operator override of one backend.
     *
     * @param drained true after dsrctl drain (until undrain)
     * @param weight  weight replacing the configured one, or -1 for none
     */
    public record OperatorOverride(boolean drained, int weight) {
        /** No override. */
        public static final OperatorOverride NONE = new OperatorOverride(false, -1);

        public boolean isNone() {
            return !drained && weight < 0;
        }

        @Override
        public String toString() {
            return (drained ? "drained" : "") + (drained && weight >= 0 ? ", " : "")
                    + (weight >= 0 ? "weight " + weight : "");
        }
    }

    /** Outcome of an override command: the backend, its override now, the snapshot generation running. */
    public record OverrideResult(BackendKey key, OperatorOverride override, long generation) {
    }

    /** Backends removed by a reload and still draining (VIP name/identity). */
    public synchronized Map<BackendKey, EffectiveConfig.Removed> draining() {
        return Map.copyOf(removed);
    }

    /** Applied reloads (including no-change ones). */
    public long reloads() {
        return reloads;
    }

    /** Rejected reloads: {@code reload_failures}. */
    public long reloadFailures() {
        return reloadFailures;
    }

    /** Snapshots built after startup (reloads, health changes, grace expiries). */
    public long rebuilds() {
        return rebuilds;
    }

    /** The health of every checked backend. */
    public HealthState health() {
        return health;
    }

    /** The config file reloads read. */
    public Path file() {
        return file;
    }

    /** The snapshot context (Maglev cache statistics, stable backend ids). */
    public SnapshotContext context() {
        return context;
    }

    /**
     * Registers {@code reloads} (= {@code reload_success}, the contract's name: applied reloads, no-change ones
     * included), {@code reload_failures} and {@code config_generation} gauges.
     */
    public void registerMetrics(MetricRegistry registry) {
        registry.register("reloads", (Gauge<Long>) this::reloads);
        registry.register("reload_success", (Gauge<Long>) this::reloads);
        registry.register("reload_failures", (Gauge<Long>) this::reloadFailures);
        registry.register("config_generation", (Gauge<Long>) () -> holder.get().generation());
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    private void rebuild(String why) {
        try {
            ForwardingSnapshot s = build(running, removed, generation + 1);
            generation++;
            holder.publish(s);
            LOG.info("snapshot generation {} ({})", generation, why);
            published(s);
        } catch (SnapshotFactory.SnapshotException e) {
            // The same config built before; only states changed, which cannot make it invalid. Keep the old one.
            LOG.error("snapshot rebuild failed ({}), keeping generation {}: {}", why, generation, e.getMessage());
        }
    }

    private ReloadResult rejected(List<String> errors) {
        reloadFailures++;
        for (String e : errors) {
            LOG.error("reload rejected: {}", e);
        }
        LOG.error("reload of {} rejected with {} error(s); still running generation {}", file, errors.size(),
                generation);
        ReloadResult r = new ReloadResult(false, null, errors, generation, List.of());
        notifyListeners(r);
        return r;
    }

    private void notifyListeners(ReloadResult r) {
        for (Consumer<ReloadResult> l : listeners) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                LOG.error("reload listener failed: {}", e.toString());
            }
        }
    }

    private ForwardingSnapshot build(GatewayConfig config, Map<BackendKey, EffectiveConfig.Removed> drained,
                                     long gen) throws SnapshotFactory.SnapshotException {
        // vips[].flow-table = false: pure Maglev for that VIP (the context carries ids and the Maglev cache).
        java.util.Set<String> stateless = new java.util.HashSet<>();
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
                EffectiveConfig.of(EffectiveConfig.withOverrides(config, overrides), health, drained), gen,
                context.withStatelessVips(stateless));
        if (gen > 1) {
            rebuilds++;
        }
        return s;
    }

    private void track(Map<BackendKey, ProbeSpec> wanted, boolean initiallyUp) {
        for (var e : wanted.entrySet()) {
            health.track(e.getKey(), e.getValue().rise(), e.getValue().fall(), initiallyUp);
        }
        health.retain(wanted.keySet());
    }

    /** The removed-and-draining set after going from {@code before} to {@code after}. */
    private Map<BackendKey, EffectiveConfig.Removed> removedAfter(GatewayConfig before, GatewayConfig after) {
        Map<String, VipConfig> afterByName = new HashMap<>();
        for (VipConfig v : after.vips()) {
            afterByName.put(v.name(), v);
        }
        Map<BackendKey, EffectiveConfig.Removed> out = new LinkedHashMap<>();
        // Still draining from earlier reloads, unless configured again.
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

    private static boolean configured(VipConfig vip, String identity) {
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

    /** One probe per backend of every VIP with a health check, including removed backends still draining. */
    static Map<BackendKey, ProbeSpec> wantedProbes(GatewayConfig config,
                                                   Map<BackendKey, EffectiveConfig.Removed> drained) {
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
}
