package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Operation;
import io.dsrgw.agent.plan.Plan;
import io.dsrgw.linux.SystemdNotifier;
import io.dsrgw.linux.UnixDatagramSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
}
