package io.dsrgw.gateway.service;

import io.dsrgw.conf.BackendState;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ReloadResult;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.SystemdNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What systemd hears from {@code dsr-gateway run} ({@link SystemdNotifier}; nothing without {@code $NOTIFY_SOCKET}):
 * <ul>
 *   <li>{@code READY=1} from {@link #started}, which {@code run} calls once the workers run, the VIP routes are in
 *       place and (ingress.kind = xdp) the program is attached: the unit is "active" only when it forwards;</li>
 *   <li>{@code STATUS=} the one-line summary of {@link #summary}, again after every published snapshot (reloads,
 *       health changes, overrides);</li>
 *   <li>{@code RELOADING=1} when a reload attempt starts, {@code READY=1} when it ended (applied or rejected: the
 *       gateway forwards either way; {@code dsrctl reload}, the unit's ExecReload, reports a rejection);</li>
 *   <li>{@code WATCHDOG=1} every half {@code WatchdogSec}, but only while every worker's heartbeat is younger than
 *       that: a stuck worker stops the pings and systemd restarts the service;</li>
 *   <li>{@code STOPPING=1} on shutdown.</li>
 * </ul>
 * A send that fails is logged (once per kind of message and failure) and forwarding goes on.
 *
 * <p>Threading: {@link #started} and {@link #stopping} from the main/shutdown thread; the listeners run on the
 * control thread; the watchdog has a daemon thread of its own.
 */
public final class GatewayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayService.class);

    private final SystemdNotifier notifier;
    private final LongSupplier clockNs;
    private volatile String where = "";
    private volatile Thread watchdog;
    private volatile boolean stopping;
    private volatile String lastFailure;

    GatewayService(SystemdNotifier notifier, LongSupplier clockNs) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.clockNs = Objects.requireNonNull(clockNs, "clockNs");
    }

    /** From this process's environment; a NOTIFY_SOCKET or WATCHDOG_USEC that cannot be used is logged and ignored. */
    public static GatewayService fromEnvironment() {
        SystemdNotifier n;
        try {
            n = SystemdNotifier.fromEnvironment();
        } catch (LinuxException | IllegalArgumentException e) {
            LOG.warn("systemd notifications off: {}", e.getMessage());
            n = SystemdNotifier.disabled();
        }
        return new GatewayService(n, System::nanoTime);
    }

    /**
     * The gateway forwards: READY=1 with the status line; from now on the status follows every snapshot, reloads
     * are announced, and the watchdog (if systemd set one) pings while every {@code heartbeats} value is fresh.
     *
     * @param where      where it forwards, e.g. {@code "dsr0"} or {@code "eth0 (XDP native), slow path dsr0"}
     * @param heartbeats each worker's latest-batch clock (System.nanoTime())
     */
    public void started(GatewayControl control, String where, List<LongSupplier> heartbeats) {
        if (!notifier.enabled()) {
            return;
        }
        this.where = where;
        control.onSnapshot(s -> send("STATUS", () -> notifier.status(summary(s, this.where))));
        control.onReloading(() -> send("RELOADING", () -> notifier.reloading("reloading "
                + control.file())));
        control.onReload(r -> send("READY", () -> notifier.ready(afterReload(r, control.holder().get()))));
        send("READY", () -> notifier.ready(summary(control.holder().get(), where)));
        long usec = notifier.watchdogUsec();
        if (usec > 0) {
            long intervalNs = usec * 1_000 / 2;
            Thread t = new Thread(() -> watchdogLoop(List.copyOf(heartbeats), intervalNs), "dsrgw-watchdog");
            t.setDaemon(true);
            watchdog = t;
            t.start();
            LOG.info("systemd watchdog: a ping every {} ms while every worker's heartbeat is younger than that",
                    intervalNs / 1_000_000);
        }
    }

    /** Shutdown has begun: STOPPING=1; the watchdog stops pinging (systemd stops watching on STOPPING too). */
    public void stopping() {
        stopping = true;
        send("STOPPING", () -> notifier.stopping("stopping"));
    }

    private void watchdogLoop(List<LongSupplier> heartbeats, long intervalNs) {
        long intervalMs = Math.max(1, intervalNs / 1_000_000);
        boolean wasStuck = false;
        while (!stopping) {
            String stuck = stuckWorker(heartbeats, clockNs.getAsLong(), intervalNs);
            if (stuck == null) {
                send("WATCHDOG", notifier::watchdog);
                if (wasStuck) {
                    LOG.warn("every worker makes progress again: systemd watchdog pings resume");
                }
            } else if (!wasStuck) {
                LOG.error("{}: systemd watchdog pings stop (systemd restarts the gateway after WatchdogSec)", stuck);
            }
            wasStuck = stuck != null;
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The first worker whose heartbeat is older than {@code maxAgeNs} at {@code nowNs}, described; null if none. */
    static String stuckWorker(List<LongSupplier> heartbeats, long nowNs, long maxAgeNs) {
        for (int w = 0; w < heartbeats.size(); w++) {
            long beat = heartbeats.get(w).getAsLong();
            if (beat == 0) {
                return "worker " + w + " has not started a batch";
            }
            long ageNs = nowNs - beat;
            if (ageNs > maxAgeNs) {
                return "worker " + w + " made no progress for " + ageNs / 1_000_000 + " ms (expected: at most "
                        + maxAgeNs / 1_000_000 + " ms)";
            }
        }
        return null;
    }

    /** The status line: {@code forwarding 2 VIPs, 3/4 backends active on dsr0 (generation 5)}. */
    static String summary(ForwardingSnapshot s, String where) {
        int active = 0;
        for (int b = 0; b < s.backendCount(); b++) {
            if (s.backendState(b) == BackendState.ACTIVE) {
                active++;
            }
        }
        return "forwarding " + s.vipCount() + (s.vipCount() == 1 ? " VIP, " : " VIPs, ") + active + "/"
                + s.backendCount() + " backends active on " + where + " (generation " + s.generation() + ")";
    }

    private String afterReload(ReloadResult r, ForwardingSnapshot s) {
        String line = summary(s, where);
        return r.applied() ? line : line + "; last reload rejected (" + r.errors().size() + " error"
                + (r.errors().size() == 1 ? "" : "s") + ")";
    }

    private interface Send {
        void run() throws LinuxException;
    }

    private void send(String what, Send send) {
        try {
            send.run();
            lastFailure = null;
        } catch (LinuxException | RuntimeException e) {
            String failure = what + ": " + e.getMessage();
            if (!failure.equals(lastFailure)) {
                LOG.warn("systemd notification {} to {} failed: {}", what, notifier.address(), e.getMessage());
            }
            lastFailure = failure;
        }
    }

    @Override
    public void close() {
        stopping = true;
        Thread t = watchdog;
        if (t != null) {
            t.interrupt();
        }
        notifier.close();
    }
}
