package io.dsrgw.gateway.health;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probes against real servers on 127.0.0.1 (JDK ServerSocket and HttpServer), on Netty epoll event loops. */
class HealthCheckerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final HealthState state = new HealthState();
    private final List<String> changes = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private HealthChecker checker;

    private HealthChecker checker() {
        state.onVipChange(changes::add);
        checker = new HealthChecker(state, 1);
        return checker;
    }

    @AfterEach
    void close() throws Exception {
        if (checker != null) {
            checker.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private static ProbeSpec spec(ProbeSpec.Kind kind, int port, String path, int rise, int fall) {
        return new ProbeSpec(kind, new InetSocketAddress(LOOPBACK, port), path, 0, 100, 80, rise, fall);
    }

    /** One GET before probing: the JDK HttpServer's first request loads classes for longer than a timeout. */
    private static void warmUp(HttpServer server, String path) throws IOException {
        try (Socket s = new Socket(LOOPBACK, server.getAddress().getPort())) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }

    private static void await(Supplier<Boolean> condition, long timeoutMs, Supplier<String> what)
            throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (!condition.get()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + timeoutMs + " ms: " + what.get());
            }
            Thread.sleep(10);
        }
    }

    private HttpServer http(String path, Supplier<int[]> statusAndUnused, Supplier<String> body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
        server.createContext(path, ex -> {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(statusAndUnused.get()[0], b.length == 0 ? -1 : b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        closeables.add(() -> server.stop(0));
        return server;
    }

    @Test
    void shouldRunOnEpoll() {
        assertTrue(checker().usesEpoll(), "epoll unavailable: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
    }

    @Test
    void shouldTakeADeadTcpBackendDownAfterFallFailuresAndBringItBackAfterRise() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
        int port = server.getLocalPort();
        BackendKey key = new BackendKey("web", "127.0.0.1");
        ProbeSpec spec = spec(ProbeSpec.Kind.TCP, port, "/", 2, 3);
        checker().apply(Map.of(key, spec));
        await(() -> state.lastDetail(key) != null && state.lastDetail(key).equals("connected"), 2000,
                () -> "first probe: " + state.lastDetail(key));
        assertEquals(Health.UP, state.health(key));
        long killedNs = System.nanoTime();
        server.close();
        await(() -> state.health(key) == Health.DOWN, 2000, () -> "down: " + state.lastDetail(key));
        long detectionMs = (System.nanoTime() - killedNs) / 1_000_000;
        assertTrue(detectionMs <= spec.detectionTimeMs() + 200, "detected in " + detectionMs + " ms");
        assertTrue(detectionMs >= 150, "3 failures at 100 ms intervals cannot take " + detectionMs + " ms");
        assertTrue(state.lastDetail(key).startsWith("connect: "), state.lastDetail(key));
        assertEquals(List.of("web"), changes);
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(LOOPBACK, port));
        closeables.add(again);
        await(() -> state.health(key) == Health.UP, 2000, () -> "up again: " + state.lastDetail(key));
        assertEquals(List.of("web", "web"), changes);
    }

    @Test
    void shouldNotFlapOnOneFailedHttpProbe() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = http("/healthz", () -> new int[] {requests.incrementAndGet() == 4 ? 500 : 200},
                () -> "ok");
        warmUp(server, "/healthz");
        BackendKey key = new BackendKey("web", "127.0.0.1");
        // Generous timeout: only the deliberate 500 may fail, not a slow loaded CI machine.
        checker().apply(Map.of(key, new ProbeSpec(ProbeSpec.Kind.HTTP, new InetSocketAddress(LOOPBACK,
                server.getAddress().getPort()), "/healthz", 0, 100, 100, 2, 2)));
        await(() -> requests.get() >= 8, 3000, () -> requests + " requests");
        assertEquals(Health.UP, state.health(key));
        assertEquals(List.of(), changes, "one 500 among 200s changes nothing");
    }

    @Test
    void shouldFailAnHttpProbeOnAnUnexpectedStatusAndOnTimeout() throws Exception {
        HttpServer server = http("/", () -> new int[] {404}, () -> "");
        warmUp(server, "/x");
        BackendKey key = new BackendKey("web", "a");
        // A server that accepts but never answers: only the timeout can end the probe.
        ServerSocket silent = new ServerSocket(0, 50, LOOPBACK);
        closeables.add(silent);
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept());
                }
            } catch (IOException e) {
                // closed by the test
            }
        });
        BackendKey slow = new BackendKey("web", "b");
        checker().apply(Map.of(key, spec(ProbeSpec.Kind.HTTP, server.getAddress().getPort(), "/x", 1, 1),
                slow, spec(ProbeSpec.Kind.HTTP, silent.getLocalPort(), "/", 1, 1)));
        await(() -> state.health(key) == Health.DOWN && state.health(slow) == Health.DOWN, 2000,
                () -> state.snapshot().toString());
        assertEquals("HTTP 404 (expected: 2xx or 3xx)", state.lastDetail(key));
        assertEquals("timeout after 80 ms", state.lastDetail(slow));
        silent.close();
        acceptor.join(1000);
        for (Socket s : held) {
            s.close();
        }
    }

    @Test
    void shouldFollowTheAgentReadinessEndpoint() throws Exception {
        AtomicReference<String> agent = new AtomicReference<>(AgentReadiness.READY);
        HttpServer server = http(AgentReadiness.DEFAULT_PATH,
                () -> new int[] {agent.get().equals(AgentReadiness.NOT_READY) ? 503 : 200},
                () -> AgentReadiness.body(agent.get()));
        warmUp(server, AgentReadiness.DEFAULT_PATH);
        BackendKey key = new BackendKey("web", "127.0.0.1");
        checker().apply(Map.of(key, spec(ProbeSpec.Kind.AGENT, server.getAddress().getPort(),
                AgentReadiness.DEFAULT_PATH, 2, 2)));
        await(() -> "agent HTTP 200 state ready".equals(state.lastDetail(key)), 2000,
                () -> String.valueOf(state.lastDetail(key)));
        agent.set(AgentReadiness.DRAINING);
        await(() -> state.health(key) == Health.DRAINING, 2000, () -> state.lastDetail(key));
        agent.set(AgentReadiness.NOT_READY);
        await(() -> state.health(key) == Health.DOWN, 2000, () -> state.lastDetail(key));
        assertEquals("agent HTTP 503 state not-ready", state.lastDetail(key));
        agent.set(AgentReadiness.READY);
        await(() -> state.health(key) == Health.UP, 2000, () -> state.lastDetail(key));
        assertEquals(List.of("web", "web", "web"), changes);
    }

    @Test
    void shouldKeepUnchangedProbesAndStopRemovedOnesOnApply() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
        closeables.add(server);
        BackendKey a = new BackendKey("web", "a");
        BackendKey b = new BackendKey("web", "b");
        ProbeSpec spec = spec(ProbeSpec.Kind.TCP, server.getLocalPort(), "/", 1, 1);
        HealthChecker c = checker();
        c.apply(Map.of(a, spec, b, spec));
        assertEquals(2, c.probes());
        c.apply(Map.of(a, spec));
        assertEquals(1, c.probes());
        assertEquals(java.util.Set.of(a), state.snapshot().keySet());
    }
}
