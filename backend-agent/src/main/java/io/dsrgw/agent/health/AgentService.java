package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Plan;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.SystemdNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What systemd hears from {@code dsr-agent run} ({@code dist/systemd/dsr-agent.service}, {@code Type=notify};
 * nothing without {@code $NOTIFY_SOCKET}): {@code READY=1} after the first read-back that finds nothing left to
 * change (decapsulation runs by then), {@code STATUS=} whenever the read-back's verdict changes, {@code STOPPING=1}
 * on SIGTERM, and {@code WATCHDOG=1} every half {@code WatchdogSec} ({@code $WATCHDOG_USEC}), but only while the
 * convergence loop makes progress: each pass calls {@link #heartbeat}, and once the latest is older than the
 * loop's allowance (the one the readiness endpoint uses for "stale") the pings stop and systemd restarts the agent
 * (a pass stuck on a hung command, say). A failed send is logged once and the agent goes on.
 *
 * <p>Threading: the reconciling thread; {@link #stopping} from the signal handler; the watchdog has a daemon thread
 * of its own.
 */
public final class AgentService {
    private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);

    private final SystemdNotifier notifier;
    private final LongSupplier clockNs;
    private boolean ready;
    private String lastStatus;
    private volatile boolean failureLogged;
    private volatile long lastBeatNs;
    private volatile boolean stopping;

    AgentService(SystemdNotifier notifier) {
        this(notifier, System::nanoTime);
    }

    AgentService(SystemdNotifier notifier, LongSupplier clockNs) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.clockNs = Objects.requireNonNull(clockNs, "clockNs");
        this.lastBeatNs = clockNs.getAsLong();
    }

    /** From this process's environment; an unusable NOTIFY_SOCKET is logged and ignored. */
    public static AgentService fromEnvironment() {
        try {
            return new AgentService(SystemdNotifier.fromEnvironment());
        } catch (LinuxException | IllegalArgumentException e) {
            LOG.warn("systemd notifications off: {}", e.getMessage());
            return new AgentService(SystemdNotifier.disabled());
        }
    }

    /** A read-back after an apply: READY=1 the first time it is clean; the status line when the verdict changed. */
    public synchronized void checked(Plan readBack) {
        String status = readBack.isEmpty() ? "decapsulating; the host matches the configuration"
                : readBack.operations().size() + " change(s) still pending: " + readBack.describe().getFirst();
        if (readBack.isEmpty() && !ready) {
            ready = true;
            lastStatus = status;
            send(() -> notifier.ready(status));
        } else if (!status.equals(lastStatus)) {
            lastStatus = status;
            send(() -> notifier.status(status));
        }
    }

    /** The host could not be read back: the status says why (readiness stays as it was). */
    public synchronized void checkFailed(String problem) {
        String status = "read-back failed: " + problem;
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            send(() -> notifier.status(status));
        }
    }

    /** SIGTERM/SIGINT: STOPPING=1; the watchdog stops pinging (systemd stops watching on STOPPING too). */
    public void stopping() {
        stopping = true;
        send(() -> notifier.stopping("stopping; the configuration stays applied"));
    }

    /** The convergence loop finished a pass (whatever its outcome: a failed apply is progress, a hung one is not). */
    public void heartbeat() {
        lastBeatNs = clockNs.getAsLong();
    }

    /**
     * When systemd watches this service ({@code $WATCHDOG_USEC}), starts the thread that sends WATCHDOG=1 every half
     * of it while the latest {@link #heartbeat} (or this call) is at most {@code maxLoopAge} old; else does nothing.
     *
     * @param maxLoopAge how long a pass may take, interval included, before the loop counts as stuck
     */
    public void startWatchdog(Duration maxLoopAge) {
        long usec = notifier.watchdogUsec();
        if (!notifier.enabled() || usec <= 0) {
            return;
        }
        heartbeat();
        long intervalMs = Math.max(1, usec / 2_000);
        long maxAgeNs = maxLoopAge.toNanos();
        Thread.ofPlatform().daemon().name("dsr-agent-watchdog").start(() -> watchdogLoop(intervalMs, maxAgeNs));
        LOG.info("systemd watchdog: a ping every {} ms while the convergence loop's latest pass is at most {} old",
                intervalMs, maxLoopAge);
    }

    private void watchdogLoop(long intervalMs, long maxAgeNs) {
        boolean wasStalled = false;
        while (!stopping) {
            String stalled = stalled(clockNs.getAsLong(), lastBeatNs, maxAgeNs);
            if (stalled == null) {
                send(notifier::watchdog);
                if (wasStalled) {
                    LOG.warn("the convergence loop makes progress again: systemd watchdog pings resume");
                }
            } else if (!wasStalled) {
                LOG.error("{}: systemd watchdog pings stop (systemd restarts the agent after WatchdogSec)", stalled);
            }
            wasStalled = stalled != null;
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Why the loop counts as stuck at {@code nowNs} given its latest heartbeat, or null while it makes progress. */
    static String stalled(long nowNs, long lastBeatNs, long maxAgeNs) {
        long ageNs = nowNs - lastBeatNs;
        if (ageNs <= maxAgeNs) {
            return null;
        }
        return "the convergence loop made no progress for " + ageNs / 1_000_000 + " ms (expected: at most "
                + maxAgeNs / 1_000_000 + " ms)";
    }

    private interface Send {
        void run() throws LinuxException;
    }

    private void send(Send send) {
        try {
            send.run();
        } catch (LinuxException | RuntimeException e) {
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("systemd notification to {} failed: {}", notifier.address(), e.getMessage());
            }
        }
    }
}
