package io.dsrgw.harness.ops;

import io.dsrgw.gateway.dataplane.tun.TunWorker;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.scenario.DsrScenario;
import io.dsrgw.linux.UnixDatagramSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The systemd notify protocol of the real {@code dsr-gateway run} in a namespace topology with one backend: the
 * gateway gets {@code NOTIFY_SOCKET} (a path socket this test reads, as systemd would) and {@code WATCHDOG_USEC} of
 * 1 s. READY=1 with a STATUS line, watchdog pings while the workers run, RELOADING=1 then READY=1 around a reload,
 * no more pings once worker 0 is stalled ({@link TunWorker#STALL_PROPERTY}), and, on a restart, a request through
 * the VIP sent the moment READY=1 arrives gets its answer. 80 s measured on a 2-core machine under a load of 14
 * (other builds); most of it JVM starts (agent, backend server, gateway twice).
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class SystemdNotifyIT {
    private DsrScenario scenario;
    private Path dir;
    private Path stallFile;
    private UnixDatagramSocket systemd;
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private volatile boolean receiving = true;
    private Thread receiver;

    @BeforeAll
    void start() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        Path work = Files.createTempDirectory(logs.toAbsolutePath(), "notify-");
        dir = Files.createTempDirectory("dsrgw-notify-"); // short: a socket path has at most 107 bytes
        stallFile = dir.resolve("stall");
        systemd = UnixDatagramSocket.bind(dir.resolve("notify").toString());
        receiver = new Thread(() -> {
            while (receiving) {
                try {
                    String m = systemd.receive(100);
                    if (m != null) {
                        messages.add(m);
                    }
                } catch (Exception e) {
                    messages.add("RECEIVE FAILED " + e.getMessage());
                    return;
                }
            }
        }, "notify-receiver");
        receiver.setDaemon(true);
        receiver.start();
        scenario = DsrScenario.builder().backends(1).workDir(work).gatewayEnvironment(Map.of(
                "NOTIFY_SOCKET", dir.resolve("notify").toString(),
                "WATCHDOG_USEC", "1000000",
                "DSRGW_JAVA_OPTS", "-D" + TunWorker.STALL_PROPERTY + "=" + stallFile)).start();
    }

    @AfterAll
    void stop() throws Exception {
        receiving = false;
        if (scenario != null) {
            scenario.close();
        }
        if (receiver != null) {
            receiver.join(2000);
        }
        if (systemd != null) {
            systemd.close();
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("notify"));
            Files.deleteIfExists(stallFile);
            Files.deleteIfExists(dir);
        }
    }

    /** The next message that starts with {@code prefix} within {@code timeoutMs}, skipping others; null if none. */
    private String next(String prefix, long timeoutMs, List<String> skipped) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long left = deadline - System.nanoTime();
            String m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            if (m == null || m.startsWith(prefix)) {
                return m;
            }
            skipped.add(m);
        }
    }

    @Test
    @Order(1)
    void readyComesWithAStatusLineAndTheWatchdogIsFedWhileTheWorkersRun() throws Exception {
        List<String> skipped = new ArrayList<>();
        String ready = next("READY=1", 5000, skipped);
        assertEquals("READY=1\nSTATUS=forwarding 1 VIP, 1/1 backends active on dsr0 (generation 1)", ready,
                "messages before: " + skipped + "\n" + scenario.logTails());
        messages.clear();
        Thread.sleep(2100);
        List<String> pings = new ArrayList<>(messages).stream().filter(m -> m.equals("WATCHDOG=1")).toList();
        // Every 500 ms (half of WATCHDOG_USEC): 4 in 2.1 s, at least 3 allowing for scheduling.
        assertTrue(pings.size() >= 3 && pings.size() <= 6, "pings in 2.1 s: " + pings.size() + " " + messages);
    }

    @Test
    @Order(2)
    void aReloadIsFramedByReloadingAndReady() throws Exception {
        messages.clear();
        assertTrue(DsrScenario.reloadBySighup(scenario.gateway()), scenario.logTails());
        List<String> skipped = new ArrayList<>();
        String reloading = next("RELOADING=1", 5000, skipped);
        assertNotNull(reloading, "no RELOADING=1; got " + skipped);
        String[] lines = reloading.split("\n");
        assertTrue(lines.length >= 2 && lines[1].matches("MONOTONIC_USEC=\\d+"), reloading);
        long usec = Long.parseLong(lines[1].substring("MONOTONIC_USEC=".length()));
        long nowUsec = System.nanoTime() / 1000; // the same CLOCK_MONOTONIC in this process
        assertTrue(usec <= nowUsec && nowUsec - usec < 10_000_000, usec + " vs now " + nowUsec);
        String ready = next("READY=1", 5000, skipped);
        assertNotNull(ready, "no READY=1 after RELOADING=1; got " + skipped);
        assertTrue(ready.contains("STATUS=forwarding 1 VIP"), ready);
    }

    @Test
    @Order(3)
    void theWatchdogStopsWhenAWorkerIsStuck() throws Exception {
        Files.writeString(stallFile, "stall\n");
        // The worker notices within 100 ms, its heartbeat is stale 500 ms later, the next ping is skipped by then.
        Thread.sleep(1500);
        messages.clear();
        Thread.sleep(2000);
        List<String> pings = new ArrayList<>(messages).stream().filter(m -> m.equals("WATCHDOG=1")).toList();
        assertEquals(List.of(), pings, "pings while worker 0 is stuck\n" + scenario.gateway().tailBlock());
        assertTrue(scenario.gateway().alive(), "the gateway itself keeps running: systemd restarts it");
        assertTrue(scenario.gateway().grep(java.util.regex.Pattern.compile("systemd watchdog pings stop")).size() == 1,
                scenario.gateway().tailBlock());
    }

    @Test
    @Order(4)
    void whenReadyArrivesTheVipAlreadyAnswers() throws Exception {
        scenario.stopGateway();
        Files.delete(stallFile);
        messages.clear();
        // Ask the moment READY=1 arrives, while startGateway() still waits for the log line.
        CompletableFuture<DsrScenario.Spread> atReady = CompletableFuture.supplyAsync(() -> {
            try {
                String ready = next("READY=1", 60_000, new ArrayList<>());
                if (ready == null) {
                    throw new AssertionError("no READY=1 within 60 s");
                }
                return scenario.spread(1);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        scenario.startGateway();
        DsrScenario.Spread spread = atReady.get(60, TimeUnit.SECONDS);
        assertTrue(spread.failures().isEmpty(), "request at READY=1 failed: " + spread.failures() + "\n"
                + scenario.logTails());
        assertEquals(Map.of("b1", 1), spread.perBackend());
    }
}
