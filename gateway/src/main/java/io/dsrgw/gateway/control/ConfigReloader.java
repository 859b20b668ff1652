package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigDiff;
import io.dsrgw.conf.ConfigError;
import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.HealthState;
import io.dsrgw.gateway.health.ProbeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The reload path: config file -> parsed and validated ({@link ConfigLoader}, every error with file:line) -> diff
 * against the running config -> removal grace for what left -> health tracking for what came -> new snapshot
 * (Maglev rebuilt only for changed VIPs) -> published. A file that fails any step leaves the running config and
 * snapshot untouched, logs every error and counts {@code reload_failures}; health state survives for backends
 * that remain; operator overrides survive for backends still configured.
 *
 * <p>Not thread-safe: used under {@link GatewayControl}'s lock; the counters may be read from any thread.
 */
final class ConfigReloader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);
    /** Settings read once at startup: flow tables are allocated per worker, the grace is a constructor argument. */
    static final List<String> RESTART_SETTINGS = List.of("ingress", "batch-size", "admin",
            "removed-backend-grace", "flow-table");

    private final Path file;
    private final HealthState health;
    private final ProbeRunner probes;
    private final RemovalGrace grace;
    private final OperatorOverrides overrides;
    private final SnapshotPublisher publisher;
    private final ControlListeners listeners;
    private GatewayConfig running;
    private ConfigSource source = ConfigLoader::loadGateway;
    /** What this host cannot forward of a config (L2 DSR backends off-link); none by default (tests, replay). */
    private java.util.function.Function<GatewayConfig, List<String>> hostCheck = c -> List.of();
    private volatile long reloads;
    private volatile long reloadFailures;
    /** Issue 13: whether the last reload was applied (true after start-up: the initial load succeeded). */
    private volatile boolean lastReloadOk = true;
    /** Issue 13: wall-clock time of the last applied load (start-up or reload), for the Prometheus timestamp. */
    private volatile long lastSuccessEpochMs = System.currentTimeMillis();

    ConfigReloader(Path file, GatewayConfig initial, HealthState health, ProbeRunner probes, RemovalGrace grace,
                   OperatorOverrides overrides, SnapshotPublisher publisher, ControlListeners listeners) {
        this.file = Objects.requireNonNull(file, "file");
        this.running = Objects.requireNonNull(initial, "initial");
        this.health = health;
        this.probes = probes;
        this.grace = grace;
        this.overrides = overrides;
        this.publisher = publisher;
        this.listeners = listeners;
    }

    Path file() {
        return file;
    }

    /** The running (operator) config, without overrides or effective states. */
    GatewayConfig running() {
        return running;
    }

    /** Applied reloads, no-change ones included ({@code reload_success}). */
    long reloads() {
        return reloads;
    }

    /** True unless the last reload was rejected ({@code config_last_reload_successful}). */
    boolean lastReloadOk() {
        return lastReloadOk;
    }

    /** When the running file was last applied, start-up included (epoch milliseconds). */
    long lastSuccessEpochMs() {
        return lastSuccessEpochMs;
    }

    /** Rejected reloads ({@code reload_failures}). */
    long reloadFailures() {
        return reloadFailures;
    }

    /** Reads and validates a config file; {@link ConfigLoader#loadGateway} but for tests. */
    @FunctionalInterface
    interface ConfigSource {
        GatewayConfig load(Path file) throws ConfigException;
    }

    /** Tests only: where reloads read the config from. */
    void configSource(ConfigSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The host checks a reloaded config must pass, e.g. {@link LinkLayerBackends#problems} against the kernel. */
    void hostCheck(java.util.function.Function<GatewayConfig, List<String>> check) {
        this.hostCheck = Objects.requireNonNull(check, "check");
    }

    /**
     * Reloads the file now; see the class comment. Never throws: whatever a step throws, Errors included (issue
     * 14: a StackOverflowError from a hostile file, an OutOfMemoryError while building tables), the reload is
     * rejected and the running config and snapshot stay, so that no file can stop a running gateway.
     */
    ReloadResult reload() {
        try {
            return reloadOrReject();
        } catch (Throwable t) {
            return rejected(List.of(file + ": reload failed: " + t + " (the running config is kept)"));
        }
    }

    private ReloadResult reloadOrReject() {
        GatewayConfig next;
        try {
            next = source.load(file);
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
            ReloadResult r = new ReloadResult(true, diff, List.of(), publisher.generation(), restart);
            LOG.info("reload: {}: no change", file);
            reloads++;
            succeeded();
            listeners.reloaded(r);
            return r;
        }
        List<String> hostProblems = hostCheck.apply(next);
        if (!hostProblems.isEmpty()) {
            List<String> errors = new ArrayList<>();
            for (String p : hostProblems) {
                errors.add(file + ": " + p);
            }
            return rejected(errors);
        }
        Map<BackendKey, EffectiveConfig.Removed> nextRemoved = grace.after(running, next);
        Map<BackendKey, ProbeSpec> wanted;
        try {
            wanted = ProbePlan.wanted(next, nextRemoved);
        } catch (IllegalArgumentException e) {
            return rejected(List.of(file + ": " + e.getMessage()));
        }
        // Track first, so that a backend new to health checking is built into the snapshot as down until it has
        // passed rise checks; a rejected build puts the old set back (states of remaining backends are kept).
        ProbePlan.track(health, wanted, false);
        ForwardingSnapshot snapshot;
        try {
            snapshot = publisher.buildNext(next, nextRemoved);
        } catch (SnapshotFactory.SnapshotException e) {
            ProbePlan.track(health, ProbePlan.wanted(running, grace.current()), false);
            List<String> errors = new ArrayList<>();
            for (String p : e.problems()) {
                errors.add(file + ": " + p);
            }
            return rejected(errors);
        } catch (Throwable t) {
            ProbePlan.track(health, ProbePlan.wanted(running, grace.current()), false);
            throw t;
        }
        running = next;
        grace.commit(nextRemoved);
        overrides.prune(running);
        publisher.publish(snapshot);
        probes.apply(wanted, false);
        reloads++;
        succeeded();
        ReloadResult r = new ReloadResult(true, diff, List.of(), publisher.generation(), restart);
        LOG.info("{}", r.summary());
        if (!nextRemoved.isEmpty()) {
            LOG.info("draining {} removed backend(s) for up to {} ms: {}", nextRemoved.size(),
                    grace.graceNs() / 1_000_000, nextRemoved.keySet());
        }
        listeners.reloaded(r);
        return r;
    }

    private void succeeded() {
        lastReloadOk = true;
        lastSuccessEpochMs = System.currentTimeMillis();
    }

    private ReloadResult rejected(List<String> errors) {
        reloadFailures++;
        lastReloadOk = false;
        for (String e : errors) {
            LOG.error("reload rejected: {}", e);
        }
        LOG.error("reload of {} rejected with {} error(s); still running generation {}", file, errors.size(),
                publisher.generation());
        ReloadResult r = new ReloadResult(false, null, errors, publisher.generation(), List.of());
        listeners.reloaded(r);
        return r;
    }
}
