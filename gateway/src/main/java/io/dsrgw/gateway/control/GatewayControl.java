package io.dsrgw.gateway.control;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The control plane's facade and its thread: every change to the forwarding state after startup goes through
 * here, one at a time, and is carried out by the class of its concern:
 * <ul>
 *   <li><b>reload</b> ({@link #reload()}; file change, SIGHUP or the admin surface through
 *       {@link #requestReload(String)}): {@link ConfigReloader} (file -> validated -> diff -> new snapshot);</li>
 *   <li><b>operator overrides</b> ({@link #drain}, {@link #undrain}, {@link #weight}): {@link OperatorOverrides};</li>
 *   <li><b>removal grace</b> ({@link #expireDrains()}, every second): {@link RemovalGrace};</li>
 *   <li><b>health changes</b> ({@link #healthChanged(String)}): a rebuild with new effective states;</li>
 *   <li>snapshot building and publishing: {@link SnapshotPublisher}; health-check set: {@link ProbePlan};
 *       listeners: {@link ControlListeners}; gauges: {@link ControlMetrics}.</li>
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

    private final HealthState health;
    private final ProbeRunner probes;
    private final RemovalGrace grace;
    private final OperatorOverrides overrides = new OperatorOverrides();
    private final ControlListeners listeners = new ControlListeners();
    private final SnapshotPublisher publisher;
    private final ConfigReloader reloader;
    private final AtomicBoolean reloadPending = new AtomicBoolean();
    private ScheduledExecutorService executor;

    /**
     * Builds the first snapshot (generation 1) of {@code initial}, loaded from {@code file}, and starts its probes
     * with every backend initially up.
     *
     * @throws SnapshotFactory.SnapshotException when the config cannot be forwarded (startup fails)
     */
    public GatewayControl(Path file, GatewayConfig initial, Duration removedBackendGrace, LongSupplier clockNs,
                          HealthState health, ProbeRunner probes) throws SnapshotFactory.SnapshotException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(initial, "initial");
        this.grace = new RemovalGrace(removedBackendGrace, clockNs);
        this.health = Objects.requireNonNull(health, "health");
        this.probes = Objects.requireNonNull(probes, "probes");
        Map<BackendKey, ProbeSpec> wanted = ProbePlan.wanted(initial, grace.current());
        ProbePlan.track(health, wanted, true);
        this.publisher = new SnapshotPublisher(initial, grace.current(), health, overrides, listeners);
        this.reloader = new ConfigReloader(file, initial, health, probes, grace, overrides, publisher, listeners);
        probes.apply(wanted, true);
    }

    /** The holder the workers read; its snapshot changes on every applied reload and health change. */
    public SnapshotHolder holder() {
        return publisher.holder();
    }

    /** The running (operator) config, without effective states. */
    public synchronized GatewayConfig running() {
        return reloader.running();
    }

    /** Adds a listener called after every reload attempt (on the control thread), e.g. to add VIP routes. */
    public synchronized void onReload(Consumer<ReloadResult> listener) {
        listeners.onReload(listener);
    }

    /**
     * Adds a listener called when a reload attempt starts, before the file is read (on the reloading thread, the
     * control locked): e.g. systemd's RELOADING=1; the {@link #onReload} listeners hear how it ended.
     */
    public synchronized void onReloading(Runnable listener) {
        listeners.onReloading(listener);
    }

    /**
     * Adds a listener called with every snapshot published after this call (reloads, health changes, operator
     * overrides, grace expiries), on the publishing thread while the control is locked: e.g. to make the VIP
     * routes follow the VIPs. Exceptions are logged.
     */
    public synchronized void onSnapshot(Consumer<ForwardingSnapshot> listener) {
        listeners.onSnapshot(listener);
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
        // The executor of this start, not the field: close() clears the field while probes still report (SIGTERM
        // right after start: a probe result then met a null executor, a NullPointerException on the prober's thread).
        ScheduledExecutorService control = executor;
        health.onVipChange(vip -> {
            try {
                control.execute(() -> healthChanged(vip));
            } catch (RejectedExecutionException e) {
                // Closed: the gateway is stopping, a health change no longer matters.
            }
        });
        // Probes run from construction on; a backend that changed state before this listener existed (startup
        // takes a while: TUN, routes, admin surfaces) must not stay in rotation until its next change.
        executor.execute(() -> {
            synchronized (this) {
                if (health.snapshot().values().stream().anyMatch(h -> h != Health.UP)) {
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

    /** Tests only: where reloads read the config from (default {@link io.dsrgw.conf.ConfigLoader#loadGateway}). */
    synchronized void configSource(ConfigReloader.ConfigSource source) {
        reloader.configSource(source);
    }

    /**
     * The checks of this host a reloaded config must pass before it is used (run: L2 DSR backends on a connected
     * network, {@link LinkLayerBackends}); a config that fails them is rejected like an invalid file.
     */
    public synchronized void hostCheck(java.util.function.Function<io.dsrgw.conf.GatewayConfig, List<String>> check) {
        reloader.hostCheck(check);
    }

    /** Reloads the config file now ({@link ConfigReloader}). Never throws, whatever the file. */
    public synchronized ReloadResult reload() {
        listeners.reloading();
        return reloader.reload();
    }

    /** Rebuilds the snapshot after a health change of a backend of {@code vip}. */
    public synchronized void healthChanged(String vip) {
        LOG.info("health of vip {} changed: {}", vip, health.snapshot());
        rebuild("health of vip " + vip);
    }

    /** Ends the grace period of removed backends whose deadline passed (control thread, every second). */
    public synchronized void expireDrains() {
        List<BackendKey> expired = grace.expire();
        if (!expired.isEmpty()) {
            LOG.info("grace period over, removing {}", expired);
            Map<BackendKey, ProbeSpec> wanted = ProbePlan.wanted(reloader.running(), grace.current());
            ProbePlan.track(health, wanted, false);
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
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withDrained(true), "drain");
    }

    /** Removes the operator's drain of {@code backend} (its configured state and health apply again). */
    public synchronized OverrideResult undrain(String vip, String backend) {
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withDrained(false), "undrain");
    }

    /**
     * Operator override (dsrctl maint): backend {@code backend} of VIP {@code vip} takes no traffic at all, as if
     * down: new flows and flows pinned to it re-hash to the other backends at once (drain, by contrast, lets pinned
     * flows finish). Survives reloads while the backend stays configured in that VIP.
     *
     * @throws IllegalArgumentException naming the unknown VIP or backend and what exists
     */
    public synchronized OverrideResult maint(String vip, String backend) {
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withMaint(true), "maint");
    }

    /** Ends the maintenance of {@code backend} (its configured state and health apply again). */
    public synchronized OverrideResult unmaint(String vip, String backend) {
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withMaint(false), "unmaint");
    }

    /** Clears the operator's weight of {@code backend} (dsrctl weight ... reset): the configured weight applies. */
    public synchronized OverrideResult resetWeight(String vip, String backend) {
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withWeight(-1), "weight reset");
    }

    /**
     * Operator override of the weight (0..65535; 0 behaves as draining). The Maglev table of the VIP is rebuilt;
     * flows already pinned in the flow tables stay where they are.
     */
    public synchronized OverrideResult weight(String vip, String backend, int weight) {
        if (weight < 0 || weight > 65535) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0..65535)");
        }
        BackendKey key = OperatorOverrides.configuredKey(reloader.running(), vip, backend);
        return setOverride(key, overrides.get(key).withWeight(weight), "weight " + weight);
    }

    private OverrideResult setOverride(BackendKey key, OperatorOverride next, String what) {
        overrides.set(key, next, what);
        rebuild("operator " + what + " of " + key);
        return new OverrideResult(key, overrides.get(key), publisher.generation());
    }

    /** The operator overrides in force (VIP name/backend identity -> override). */
    public synchronized Map<BackendKey, OperatorOverride> overrides() {
        return overrides.asMap();
    }

    /** The running config as forwarded: operator overrides applied (health and removal grace not included). */
    public synchronized GatewayConfig overridden() {
        return overrides.applyTo(reloader.running());
    }

    /** Backends removed by a reload and still draining (VIP name/identity). */
    public synchronized Map<BackendKey, EffectiveConfig.Removed> draining() {
        return Map.copyOf(grace.current());
    }

    /** Applied reloads (including no-change ones). */
    public long reloads() {
        return reloader.reloads();
    }

    /** Rejected reloads: {@code reload_failures}. */
    public long reloadFailures() {
        return reloader.reloadFailures();
    }

    /** Snapshots built after startup (reloads, health changes, grace expiries). */
    public long rebuilds() {
        return publisher.rebuilds();
    }

    /** The health of every checked backend. */
    public HealthState health() {
        return health;
    }

    /** The config file reloads read. */
    public Path file() {
        return reloader.file();
    }

    /** The snapshot context (Maglev cache statistics, stable backend ids). */
    public SnapshotContext context() {
        return publisher.context();
    }

    /** Registers the control plane's gauges ({@link ControlMetrics}) in {@code registry}. */
    public void registerMetrics(MetricRegistry registry) {
        ControlMetrics.register(registry, reloader, publisher);
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    private void rebuild(String why) {
        publisher.rebuild(reloader.running(), grace.current(), why);
    }
}
