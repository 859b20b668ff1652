package io.dsrgw.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemdNotifierTest {
    @TempDir
    Path dir;

    @Test
    void messagesReachASocketBoundToAPath() throws Exception {
        String path = dir.resolve("notify").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(path);
             SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", path), 1)) {
            assertTrue(n.enabled());
            n.ready("forwarding 2 VIPs");
            assertEquals("READY=1\nSTATUS=forwarding 2 VIPs", receiver.receive(2000));
            n.watchdog();
            assertEquals("WATCHDOG=1", receiver.receive(2000));
        }
    }

    @Test
    void messagesReachASocketInTheAbstractNamespaceUnderItsExactName() throws Exception {
        String name = "@dsrgw-test-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(name);
             SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", name), 1)) {
            n.status("one\nline");
            assertEquals("STATUS=one line", receiver.receive(2000));
        }
        // A name that is a prefix of the bound one is another socket: the length passed is exact, not padded.
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(name + "-longer");
             UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            LinuxException e = assertThrows(LinuxException.class, () -> sender.send(name, new byte[] {'x'}));
            assertEquals("ECONNREFUSED", e.errnoName());
            assertNull(receiver.receive(50));
        }
    }

    @Test
    void reloadingCarriesTheMonotonicClockInMicroseconds() throws Exception {
        String path = dir.resolve("notify").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(path);
             SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", path), 1)) {
            long before = System.nanoTime() / 1000;
            n.reloading("reloading");
            long after = System.nanoTime() / 1000;
            String[] lines = receiver.receive(2000).split("\n");
            assertEquals("RELOADING=1", lines[0]);
            assertTrue(lines[1].startsWith("MONOTONIC_USEC="), lines[1]);
            long usec = Long.parseLong(lines[1].substring("MONOTONIC_USEC=".length()));
            assertTrue(usec >= before && usec <= after, before + " <= " + usec + " <= " + after);
            assertEquals("STATUS=reloading", lines[2]);
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndNothingFails() throws Exception {
        SystemdNotifier n = SystemdNotifier.from(Map.of("WATCHDOG_USEC", "1000000"), 1);
        assertFalse(n.enabled());
        assertEquals(0, n.watchdogUsec());
        n.ready("x");
        n.watchdog();
    }

    @Test
    void theWatchdogIntervalAppliesOnlyToTheProcessWatchdogPidNames() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "3000000"));
        try (SystemdNotifier n = SystemdNotifier.from(env, 42)) {
            assertEquals(3_000_000, n.watchdogUsec());
        }
        env.put("WATCHDOG_PID", "42");
        try (SystemdNotifier n = SystemdNotifier.from(env, 42)) {
            assertEquals(3_000_000, n.watchdogUsec());
        }
        try (SystemdNotifier n = SystemdNotifier.from(env, 43)) {
            assertEquals(0, n.watchdogUsec());
        }
        env.put("WATCHDOG_PID", "43");
        env.put("WATCHDOG_USEC", "soon");
        assertThrows(IllegalArgumentException.class, () -> SystemdNotifier.from(env, 43));
    }

    @Test
    void sockaddrLengthsFollowUnix7() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(UnixDatagramSocket.SOCKADDR_UN_BYTES);
            assertEquals(2 + 5 + 1, UnixDatagramSocket.sockaddr("/a/bc", sa));
            assertEquals('/', sa.get(ValueLayout.JAVA_BYTE, 2));
            assertEquals(0, sa.get(ValueLayout.JAVA_BYTE, 7));
            MemorySegment ab = a.allocate(UnixDatagramSocket.SOCKADDR_UN_BYTES);
            assertEquals(2 + 1 + 3, UnixDatagramSocket.sockaddr("@abc", ab));
            assertEquals(0, ab.get(ValueLayout.JAVA_BYTE, 2));
            assertEquals('a', ab.get(ValueLayout.JAVA_BYTE, 3));
            assertThrows(IllegalArgumentException.class, () -> UnixDatagramSocket.sockaddr("@", ab));
            assertThrows(IllegalArgumentException.class, () -> UnixDatagramSocket.sockaddr("/" + "x".repeat(107), ab));
        }
    }
}
