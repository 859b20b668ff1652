package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Plan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The readiness of {@code dsr-agent run}: the reconciler's last read-back of the host (published by the
 * reconciling thread through {@link #checked} / {@link #checkFailed}), the drain flag and the counters.
 *
 * <p>Ready means: the last read-back planned nothing (every VIP, tunnel or decap device, sysctl and nft table
 * the agent manages is in place), it is recent (not older than {@code staleAfter}: a reconcile stuck on a hung
 * command must not keep reporting ready), and the server is not drained. Draining wins over drift: an operator
 * who drained a server wants it out of rotation either way.
 */
public final class AgentHealth implements HealthSource {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHealth.class);

    /** One read-back of the host: the operations still pending, or why the host could not be read. */
    private record Check(Instant at, List<String> drift, String problem) {
    }

    private final DrainWatcher drain;
    private final Clock clock;
    private final Duration staleAfter;
    private final Map<String, Object> info;
    private volatile Check check;
    private volatile Supplier<Map<String, Long>> counters = Map::of;
    /** Issue 13: host changes the reconcile loop made to repair drift since start ({@link #repaired}). */
    private final java.util.concurrent.atomic.AtomicLong driftRepairs = new java.util.concurrent.atomic.AtomicLong();
    private ReadinessState lastLogged;

    /**
     * @param drain      the drain flag
     * @param clock      for check times and staleness
     * @param staleAfter a read-back older than this counts as not ready (a few reconcile intervals)
     * @param info       static facts shown by {@code /status} (mode, VIPs, listen address), in order
     */
    public AgentHealth(DrainWatcher drain, Clock clock, Duration staleAfter, Map<String, Object> info) {
        this.drain = Objects.requireNonNull(drain, "drain");
        this.clock = clock;
        this.staleAfter = staleAfter;
        this.info = new LinkedHashMap<>(info);
    }

    /** Reconciling thread: the host was read back and {@code readBack} is what would still have to change. */
    public void checked(Plan readBack) {
        check = new Check(clock.instant(), readBack.describe(), null);
        logTransition();
    }

    /**
     * Reconciling thread: {@code operations} changes were applied to repair drift (after the first apply), for
     * {@code dsrgw_agent_drift_repairs_total}.
     */
    public void repaired(int operations) {
        driftRepairs.addAndGet(operations);
    }

    /** Drift repairs since start ({@link #repaired}). */
    public long driftRepairs() {
        return driftRepairs.get();
    }

    /** Operations still pending at the last read-back (the drift), or -1 before the first or after a failed one. */
    public int pendingDrift() {
        Check c = check;
        return c == null || c.problem() != null ? -1 : c.drift().size();
    }

    /** Reconciling thread: the host could not be read back. */
    public void checkFailed(String problem) {
        check = new Check(clock.instant(), List.of(), problem);
        logTransition();
    }

    /** The counters {@code /status} shows (e.g. the decapsulator's published snapshot); must not block. */
    public void counters(Supplier<Map<String, Long>> source) {
        counters = Objects.requireNonNull(source, "source");
    }

    /** Event loop: looks at the drain file once; logs a change. */
    public void pollDrain() {
        if (drain.poll()) {
            DrainState d = drain.current();
            if (d.problem() != null) {
                LOG.warn("{}", d.problem());
            } else if (d.drained()) {
                LOG.info("drained (since {}, {}): readiness answers draining; the VIPs stay", d.since(),
                        drain.file().path());
            } else {
                LOG.info("undrained: readiness follows the host's state again");
            }
        }
    }

    @Override
    public Readiness readiness() {
        DrainState d = drain.current();
        Check c = check;
        Instant checkedAt = c == null ? null : c.at();
        List<String> reasons = new ArrayList<>();
        if (d.problem() != null) {
            reasons.add(d.problem());
        }
        if (c == null) {
            reasons.add("not checked yet: the configuration is being applied");
        } else if (c.problem() != null) {
            reasons.add("read-back failed: " + c.problem());
        } else {
            reasons.addAll(c.drift());
            Duration age = Duration.between(c.at(), clock.instant());
            if (age.compareTo(staleAfter) > 0) {
                reasons.add("last check " + age.toSeconds() + " s ago (expected: within " + staleAfter.toSeconds()
                        + " s; the reconcile loop may be stuck)");
            }
        }
        if (d.drained()) {
            return new Readiness(ReadinessState.DRAINING, reasons, checkedAt, d.since());
        }
        return new Readiness(reasons.isEmpty() ? ReadinessState.READY : ReadinessState.NOT_READY, reasons, checkedAt,
                null);
    }

    /**
     * {@code GET /status}:
     * <pre>
     * {"state":"ready", ...the fields of /ready...,
     *  "drained":false, "drainFile":"/var/lib/dsrgw/agent-state.conf.drain",
     *  ...info (mode, vips, listen)...,
     *  "counters":{"rx_packets":12,"decap_packets":11,"drop_bad_source":1,...,"drop_malformed.bad_checksum":0}}
     * </pre>
     */
    @Override
    public Map<String, Object> status() {
        Readiness r = readiness();
        Map<String, Object> json = r.toJson();
        json.put("drained", r.state() == ReadinessState.DRAINING);
        json.put("drainFile", drain.file().path().toString());
        json.putAll(info);
        json.put("counters", new LinkedHashMap<>(counters.get()));
        return json;
    }

    private synchronized void logTransition() {
        Readiness r = readiness();
        if (r.state() != lastLogged) {
            if (r.state() == ReadinessState.NOT_READY) {
                LOG.warn("readiness: not-ready: {}", String.join("; ", r.reasons()));
            } else {
                LOG.info("readiness: {}", r.state().id());
            }
            lastLogged = r.state();
        }
    }
}
