package io.dsrgw.gateway.health;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.dsrgw.conf.HealthCheckConfig;
import io.dsrgw.conf.IntRanges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** https checks against a JDK HttpsServer with a self-signed certificate (made by keytool): not verified, by design. */
class HttpsProbeTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    @TempDir
    Path dir;
    private HttpsServer server;
    private HealthChecker checker;

    @AfterEach
    void close() {
        if (checker != null) {
            checker.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private SSLContext selfSigned() throws Exception {
        Path ks = dir.resolve("ks.p12");
        Path keytool = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-keystore", ks.toString(), "-storetype",
                "PKCS12", "-storepass", "secret", "-alias", "b", "-keyalg", "EC", "-dname", "CN=backend.example",
                "-validity", "2").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "keytool: " + out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "secret".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "secret".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private int serve(int status, AtomicInteger requests) throws Exception {
        server = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        server.createContext("/healthz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(status, -1);
            try (OutputStream o = ex.getResponseBody()) {
                o.flush();
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    /**
     * How long a verdict may take. Not what these tests check (they check which verdict, not how fast): the first
     * https probe of a JVM builds the TLS client context and loads the TLS classes on the probe's event loop, before
     * its own timeout can fire; on a loaded 2-CPU machine (other builds, stress-ng --cpu 4) that alone took over 5 s,
     * the bound this had, and no probe result at all was recorded in time.
     */
    private static final long VERDICT_DEADLINE_S = 30;

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + VERDICT_DEADLINE_S * 1_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + VERDICT_DEADLINE_S + " s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void shouldProbeHttpsWithoutVerifyingTheCertificateAndHonourTheExpectedStatus() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        int port = serve(204, requests);
        HealthState state = new HealthState();
        checker = new HealthChecker(state, 1);
        BackendKey ok = new BackendKey("web", "127.0.0.1");
        BackendKey wrong = new BackendKey("api", "127.0.0.1");
        InetSocketAddress target = new InetSocketAddress(LOOPBACK, port);
        checker.apply(Map.of(
                ok, new ProbeSpec(ProbeSpec.Kind.HTTPS, target, "/healthz", List.of(200, 204), 500, 450, 1, 2),
                wrong, new ProbeSpec(ProbeSpec.Kind.HTTPS, target, "/healthz", 200, 500, 450, 1, 2)));
        // Generous timeouts: the first TLS handshakes of a JVM load many classes.
        await(() -> state.health(wrong) == Health.DOWN && "HTTP 204 (expected: 200)".equals(state.lastDetail(wrong)),
                "down on 204 when 200 is expected: " + state.lastDetail(wrong));
        await(() -> "HTTP 204".equals(state.lastDetail(ok)), "https probe: " + state.lastDetail(ok));
        assertEquals(Health.UP, state.health(ok));
        assertTrue(requests.get() >= 2);
    }

    @Test
    void shouldFailAnHttpsProbeOfAPlainHttpServer() throws Exception {
        com.sun.net.httpserver.HttpServer plain = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(LOOPBACK, 0), 16);
        plain.createContext("/", ex -> ex.sendResponseHeaders(200, -1));
        plain.start();
        try {
            HealthState state = new HealthState();
            checker = new HealthChecker(state, 1);
            BackendKey key = new BackendKey("web", "127.0.0.1");
            checker.apply(Map.of(key, new ProbeSpec(ProbeSpec.Kind.HTTPS, plain.getAddress(), "/", 0, 200, 190, 1,
                    1)));
            await(() -> state.health(key) == Health.DOWN, "down: " + state.lastDetail(key));
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void shouldDeriveSpecsFromConfigIncludingStatusRangesAndMapTunnelChecks() {
        HealthCheckConfig https = new HealthCheckConfig("https", 443, "/healthz", Duration.ofMillis(250),
                Duration.ofMillis(200), 2, 3, IntRanges.ofRanges(List.of(new int[] {200, 299}, new int[] {301, 301})));
        ProbeSpec spec = ProbeSpec.of(https, LOOPBACK);
        assertEquals(ProbeSpec.Kind.HTTPS, spec.kind());
        assertEquals(List.of(200, 299, 301, 301), spec.expectedStatus());
        assertTrue(spec.accepts(250));
        assertTrue(spec.accepts(301));
        assertFalse(spec.accepts(302));
        assertEquals("200-299, 301", spec.expectedText());
        HealthCheckConfig tunnel = new HealthCheckConfig("tunnel", 80, "/", Duration.ofMillis(250),
                Duration.ofMillis(200), 2, 3);
        assertEquals(ProbeSpec.Kind.TUNNEL, ProbeSpec.of(tunnel, LOOPBACK).kind());
        HealthCheckConfig udp = new HealthCheckConfig("udp", 80, "/", Duration.ofMillis(250), Duration.ofMillis(200),
                2, 3);
        assertEquals("health-check type: udp (expected: tcp, http, https, agent or tunnel)",
                assertThrows(IllegalArgumentException.class, () -> ProbeSpec.of(udp, LOOPBACK)).getMessage());
    }
}
