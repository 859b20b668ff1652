package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Operation;
import io.dsrgw.agent.plan.Plan;
import io.dsrgw.linux.SystemdNotifier;
import io.dsrgw.linux.UnixDatagramSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentServiceTest {
    @TempDir
    Path dir;

    @Test
    void readyIsSentOnlyOnceTheReadBackIsCleanAndOnlyOnce() throws Exception {
        String socket = dir.resolve("notify").toString();
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(socket);
             SystemdNotifier notifier = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", socket), 1)) {
            AgentService service = new AgentService(notifier);
            Plan pending = new Plan(List.of(new Operation.SetSysctl("net.ipv4.conf.all.rp_filter", "0")));
            service.checked(pending);
            String first = systemd.receive(2000);
            assertTrue(first.startsWith("STATUS=1 change(s) still pending: "), first);
            service.checked(Plan.EMPTY);
            assertEquals("READY=1\nSTATUS=decapsulating; the host matches the configuration", systemd.receive(2000));
            service.checked(Plan.EMPTY);
            assertNull(systemd.receive(100), "nothing new to say");
        }
    }

    @Test
    void theConvergenceLoopCountsAsStalledOnlyOnceItsLatestPassIsOlderThanItsAllowance() {
        long ms = 1_000_000L;
        assertNull(AgentService.stalled(70_000 * ms, 10_000 * ms, 60_000 * ms));
        assertEquals("the convergence loop made no progress for 60001 ms (expected: at most 60000 ms)",
                AgentService.stalled(70_001 * ms, 10_000 * ms, 60_000 * ms));
    }

    @Test
    void watchdogPingsStopWhileTheLoopMakesNoProgressAndResumeWithTheNextPass() throws Exception {
        String socket = dir.resolve("notify").toString();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        // WATCHDOG_USEC 100 ms: a ping every 50 ms; the clock of the loop's heartbeats is the test's.
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(socket);
             SystemdNotifier notifier = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC",
                     "100000"), ProcessHandle.current().pid())) {
            AgentService service = new AgentService(notifier, now::get);
            service.startWatchdog(Duration.ofSeconds(60));
            assertEquals("WATCHDOG=1", systemd.receive(2000));
            now.addAndGet(Duration.ofSeconds(61).toNanos()); // the loop hangs for 61 s: no pass, no heartbeat
            Thread.sleep(150);
            while (systemd.receive(50) != null) {
                // pings sent before the clock moved
            }
            assertNull(systemd.receive(300), "no ping while the loop is stuck");
            service.heartbeat();
            assertEquals("WATCHDOG=1", systemd.receive(2000));
            service.stopping();
            String stopping;
            do {
                stopping = systemd.receive(2000);
            } while ("WATCHDOG=1".equals(stopping));
            assertTrue(stopping.startsWith("STOPPING=1"), stopping);
            Thread.sleep(150);
            while (systemd.receive(50) != null) {
                // a ping already under way when stopping() was called
            }
            assertNull(systemd.receive(300), "no ping after STOPPING=1");
        }
    }

    @Test
    void noWatchdogThreadPingsWhenSystemdSetNoWatchdog() throws Exception {
        String socket = dir.resolve("notify").toString();
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(socket);
             SystemdNotifier notifier = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", socket), 1)) {
            new AgentService(notifier).startWatchdog(Duration.ofSeconds(60));
            assertNull(systemd.receive(300), "WatchdogSec unset: no WATCHDOG=1");
        }
    }
}
