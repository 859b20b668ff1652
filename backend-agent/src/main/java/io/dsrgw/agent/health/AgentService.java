package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Plan;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.SystemdNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * What systemd hears from {@code dsr-agent run} ({@code dist/systemd/dsr-agent.service}, {@code Type=notify};
 * nothing without {@code $NOTIFY_SOCKET}): {@code READY=1} after the first read-back that finds nothing left to
 * change (decapsulation runs by then), {@code STATUS=} whenever the read-back's verdict changes, {@code STOPPING=1}
 * on SIGTERM. A failed send is logged once and the agent goes on.
 *
 * <p>Threading: the reconciling thread; {@link #stopping} from the signal handler.
 */
public final class AgentService {
    private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);

    private final SystemdNotifier notifier;
    private boolean ready;
    private String lastStatus;
    private volatile boolean failureLogged;

    AgentService(SystemdNotifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
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

    /** SIGTERM/SIGINT: STOPPING=1. */
    public void stopping() {
        send(() -> notifier.stopping("stopping; the configuration stays applied"));
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
